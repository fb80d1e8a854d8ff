"""The crop stage end to end on real photos, drawn pages and bad inputs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import cv2
import numpy as np
import pyarrow.parquet as pq
import pytest
from datasets import Dataset
from PIL import Image

from pipeline.common.io import read_shards
from pipeline.crawl.rows import CRAWL_SCHEMA
from pipeline.crop.engines import EngineError
from pipeline.crop.schema import CROP_SCHEMA
from pipeline.crop.stage import CrawlInputError, run
from tests.crop.conftest import (
    glyph_row,
    photo_row,
    png_bytes,
    rotated_glyph_photo,
    vertical_line_photo,
    write_crawl,
)

BANK_SIGN = "paddleocr_doc/doc/imgs/00207393.jpg"
# Char and line boxes of the bank name in BANK_SIGN, as RapidOCR 1.4.4 finds them.
ZHONG_BOX = [[154, 66], [193, 65], [193, 112], [155, 113]]
NAME_LINE_BOX = [[154, 66], [448, 63], [448, 110], [155, 113]]


def decode(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


@pytest.fixture(scope="module")
def photo_rows(realdata):
    """Crawl rows: an OCR photo, annotated photos (char, word, rotated, vertical, bad boxes), bad bytes."""
    bank = (realdata / BANK_SIGN).read_bytes()
    rotated, rotated_box = rotated_glyph_photo("B", 30)
    vertical, line_box = vertical_line_photo("中国人")
    annotated_bank = (
        bank + b"\x00"
    )  # a different sha256 for the same photo, so it is annotated apart
    bank_annotations = [
        {"points": ZHONG_BOX, "text": "中", "level": "char"},
        {"points": NAME_LINE_BOX, "text": "中国农业银行", "level": "line"},
        {"points": [[10, 10], [30, 10], [30, 10], [10, 10]], "text": "x", "level": "char"},
        {"points": [[600, 10], [640, 10], [640, 50], [600, 50]], "text": "y", "level": "char"},
        {"points": [[470, 60], [500, 60], [500, 110], [470, 110]], "text": "z", "level": "char"},
    ]
    return [
        photo_row(bank, "bank.jpg"),
        photo_row(annotated_bank, "bank-annotated.jpg", bank_annotations),
        photo_row(rotated, "rotated.png", [{"points": rotated_box, "text": "B", "level": "char"}]),
        photo_row(
            vertical, "vertical.png", [{"points": line_box, "text": "中国人", "level": "line"}]
        ),
        photo_row(b"\xff\xd8\xff\xe0 not really a jpeg", "corrupt.jpg"),
    ]


@pytest.fixture(scope="module")
def stage_run(tmp_path_factory, photo_rows):
    """Run the stage once with a cold cache and return (root folder, metrics, crop rows)."""
    root = tmp_path_factory.mktemp("stage")
    write_crawl(root / "crawl", photo_rows)
    config = _config(root)
    metrics = run(config)
    return root, metrics, read_shards(config.output_dir).to_pylist()


def _config(root: Path, **overrides):
    from pipeline.crop.config import CropConfig

    values = {
        "input_dir": root / "crawl",
        "output_dir": root / "crops",
        "metrics_path": root / "metrics" / "crop.json",
        "cache_dir": root / "cache",
        "num_workers": 1,
    }
    values.update(overrides)
    return CropConfig(**values)


def crops_of(crops: list[dict], uri: str) -> list[dict]:
    return [c for c in crops if c["uri"] == uri]


def test_output_has_exact_crop_columns(stage_run):
    root, _, _ = stage_run
    for shard in sorted((root / "crops").glob("part-*.parquet")):
        assert pq.read_schema(shard).remove_metadata() == CROP_SCHEMA
    dataset = Dataset.from_parquet(str(root / "crops" / "part-*.parquet"))
    assert dataset.column_names == CROP_SCHEMA.names


def test_ocr_crops_of_bank_sign(stage_run):
    _, _, crops = stage_run
    bank = crops_of(crops, "bank.jpg")
    labels = "".join(c["label"] for c in bank)
    assert sum(char in labels for char in "中国农业银行") >= 5
    zhong = next(c for c in bank if c["label"] == "中")
    assert zhong["label_source"] == "ocr"
    assert zhong["script"] == "han"
    assert zhong["ocr_score"] > 0.9
    assert zhong["confidence"] == pytest.approx(zhong["ocr_score"])
    assert zhong["engines_agree"] is None
    box = np.array(zhong["box"]).reshape(4, 2)
    assert np.abs(box - np.array(ZHONG_BOX)).max() < 4
    image = decode(zhong["image"])
    assert image.shape == (zhong["height"], zhong["width"], 3)
    assert 45 < zhong["height"] < 70


def test_annotation_char_and_line_boxes(stage_run):
    _, metrics, crops = stage_run
    annotated = crops_of(crops, "bank-annotated.jpg")
    assert all(c["label_source"] == "annotation" for c in annotated)
    # The char box comes first; the line's own 中 at the same box is skipped as a duplicate.
    zhong = annotated[0]
    assert zhong["label"] == "中"
    assert zhong["engines_agree"] is None
    assert np.array(zhong["box"]).reshape(4, 2).tolist() == ZHONG_BOX
    # The line box is split with the engine's character boxes; agreement is recorded.
    from_line = [c for c in annotated[1:] if c["label"] != "z"]
    assert "".join(c["label"] for c in from_line) == "国农业银行"
    assert all(c["engines_agree"] for c in from_line)
    assert metrics["skipped"]["duplicate_box"] == 1
    assert metrics["skipped"]["zero_area_box"] == 1
    assert metrics["skipped"]["box_outside_image"] == 1
    # The z box crosses the right border of the 489 px wide photo: clipped, counted, kept.
    assert metrics["corrected"] == {"box_clipped": 1}
    z_box = np.array(next(c for c in annotated if c["label"] == "z")["box"]).reshape(4, 2)
    assert z_box[:, 0].max() == 489


def test_rotated_quad_rectified_upright(stage_run):
    _, _, crops = stage_run
    (crop,) = crops_of(crops, "rotated.png")
    assert crop["label"] == "B"
    # The expected crop: the same glyph drawn unrotated, with the 10% margin of a 60 px box.
    page = np.full((200, 200, 3), 255, dtype=np.uint8)
    cv2.putText(page, "B", (75, 125), cv2.FONT_HERSHEY_SIMPLEX, 2.2, (0, 0, 0), 5)
    expected = cv2.cvtColor(page[64:136, 64:136], cv2.COLOR_RGB2GRAY).astype(np.float32)
    actual = cv2.cvtColor(decode(crop["image"]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    assert actual.shape == expected.shape
    correlation = np.corrcoef(actual.ravel(), expected.ravel())[0, 1]
    assert correlation > 0.8


def test_vertical_line_split_into_characters(stage_run):
    _, _, crops = stage_run
    vertical = crops_of(crops, "vertical.png")
    assert [c["label"] for c in vertical] == ["中", "国", "人"]
    for crop in vertical:
        gray = cv2.cvtColor(decode(crop["image"]), cv2.COLOR_RGB2GRAY)
        ink = np.argwhere(gray < 128)
        assert len(ink) > 50, f"{crop['label']} crop holds no glyph"
        center = ink.mean(axis=0)
        # Each glyph sits in the middle of its cell, not across a cell border.
        assert np.abs(center - np.array(gray.shape) / 2).max() < gray.shape[0] * 0.2


def test_bad_photo_counted_not_fatal(stage_run):
    _, metrics, crops = stage_run
    assert metrics["skipped"]["undecodable_image"] == 1
    assert not crops_of(crops, "corrupt.jpg")
    assert metrics["crawl_rows"] == 5


def test_metrics_count_crops(stage_run):
    root, metrics, crops = stage_run
    assert metrics == json.loads((root / "metrics" / "crop.json").read_text(encoding="utf-8"))
    assert metrics["crops"] == len(crops)
    assert sum(metrics["crops_per_label_source"].values()) == len(crops)
    assert metrics["crops_per_source"] == {"test-photos": len(crops)}
    assert metrics["crops_per_script"]["han"] >= 15
    assert metrics["ocr"]["engine_runs"] == 2  # the OCR photo and the annotated line
    assert metrics["ocr"]["engines_created"] == 1


def test_crops_sorted_by_source_and_ids_unique(stage_run):
    _, _, crops = stage_run
    hashes = [c["source_sha256"] for c in crops]
    assert hashes == sorted(hashes)
    assert len({c["crop_id"] for c in crops}) == len(crops)


def test_rerun_hits_cache_and_writes_same_bytes(stage_run):
    root, first_metrics, _ = stage_run
    first = {p.name: p.read_bytes() for p in (root / "crops").glob("part-*.parquet")}
    metrics = run(_config(root))
    assert metrics["ocr"]["engine_runs"] == 0
    assert metrics["ocr"]["engines_created"] == 0
    assert metrics["ocr"]["cache_hits"] == first_metrics["ocr"]["engine_runs"]
    second = {p.name: p.read_bytes() for p in (root / "crops").glob("part-*.parquet")}
    assert second == first


def test_two_workers_write_same_bytes(stage_run, tmp_path):
    root, _, _ = stage_run
    config = _config(
        root, output_dir=tmp_path / "crops", metrics_path=tmp_path / "crop.json", num_workers=2
    )
    run(config)
    for shard in sorted((root / "crops").glob("part-*.parquet")):
        assert (tmp_path / "crops" / shard.name).read_bytes() == shard.read_bytes()


def test_missing_crawl_column_rejected(tmp_path):
    write_crawl(tmp_path / "crawl", [])
    import pyarrow as pa

    from pipeline.common.io import write_parquet

    table = pa.table({"sha256": ["a"], "image": [b"x"]})
    write_parquet(tmp_path / "crawl" / "part-00000.parquet", table)
    with pytest.raises(CrawlInputError, match=r"lack columns \['kind'\]"):
        run(_config(tmp_path))


def test_glyph_rows_filters_and_near_duplicates(tmp_path):
    rng = np.random.default_rng(0)
    sharp = np.full((40, 40, 3), 235, dtype=np.uint8)
    cv2.putText(sharp, "O", (6, 34), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (10, 10, 10), 3)
    noisy = np.clip(sharp + rng.normal(0, 3, sharp.shape), 0, 255).astype(np.uint8)
    rows = [
        glyph_row(png_bytes(sharp), "o.png", "O"),
        glyph_row(png_bytes(noisy), "o-noisy.png", "O"),  # near-duplicate of o.png
        glyph_row(
            png_bytes(noisy), "zero.png", "0", synthetic=False
        ),  # same pixels, other label: kept
        glyph_row(png_bytes(cv2.GaussianBlur(sharp, (0, 0), 6)), "blurred.png", "O"),
        glyph_row(png_bytes(np.full((40, 40, 3), 128, dtype=np.uint8)), "flat.png", "O"),
        glyph_row(png_bytes(sharp[:6, :6]), "tiny.png", "O"),
        glyph_row(png_bytes(sharp), "two.png", "OO"),
        glyph_row(png_bytes(sharp), "comma.png", ","),
        glyph_row(png_bytes(sharp), "unlabelled.png", None),
        {**glyph_row(png_bytes(sharp), "video.png", "O"), "kind": "video"},
    ]
    # Identical bytes share a sha256; give each row its own so none is dropped as a duplicate source.
    for index, row in enumerate(rows):
        row["sha256"] = f"{index:064x}"
    write_crawl(tmp_path / "crawl", rows)
    config = _config(
        tmp_path, min_size=10, min_sharpness=8.0, min_contrast=0.1, near_duplicate_action="drop"
    )

    metrics = run(config)

    crops = read_shards(config.output_dir).to_pylist()
    assert sorted((c["uri"], c["label"], c["label_source"]) for c in crops) == [
        ("o.png", "O", "synthetic"),
        ("zero.png", "0", "annotation"),
    ]
    assert metrics["skipped"] == {
        "blurred": 1,
        "low_contrast": 1,
        "missing_label": 1,
        "near_duplicate": 1,
        "not_single_character": 1,
        "space_or_punctuation_label": 1,
        "too_small": 1,
        "unknown_kind": 1,
    }
    assert metrics["ocr"]["engines_created"] == 0
    glyph = next(c for c in crops if c["uri"] == "o.png")
    assert glyph["box"] == [0, 0, 40, 0, 40, 40, 0, 40]
    assert glyph["confidence"] == 1.0
    assert decode(glyph["image"]).tolist() == sharp.tolist()


def test_near_duplicates_marked_and_kept(tmp_path):
    sharp = np.full((40, 40, 3), 235, dtype=np.uint8)
    cv2.putText(sharp, "8", (8, 34), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (10, 10, 10), 3)
    rows = [glyph_row(png_bytes(sharp), f"{i}.png", "8") for i in range(3)]
    for index, row in enumerate(rows):
        row["sha256"] = f"{index:064x}"
    write_crawl(tmp_path / "crawl", rows)
    metrics = run(_config(tmp_path, near_duplicate_action="mark"))
    assert metrics["crops"] == 3
    assert metrics["near_duplicates"] == {"found": 2, "action": "mark", "max_distance": 4}


def test_crawl_schema_matches_contract():
    # The crop stage reads these columns, so a renamed crawl column fails here first.
    assert {"sha256", "image", "kind", "label", "annotations", "synthetic"} <= set(
        CRAWL_SCHEMA.names
    )


def test_second_engine_agreement_on_english_sign(realdata, tmp_path):
    sign = (
        realdata / "opencv_doc_text/text/scenetext01.jpg"
    ).read_bytes()  # NOTICE DOUBLE PARKING ...
    write_crawl(tmp_path / "crawl", [photo_row(sign, "notice.jpg")])

    metrics = run(_config(tmp_path, second_engine="easyocr"))

    crops = read_shards(tmp_path / "crops").to_pylist()
    assert metrics["ocr"]["engine_runs"] == 2
    assert all(c["engines_agree"] is not None for c in crops)
    agreeing = [c for c in crops if c["engines_agree"]]
    assert len(agreeing) >= 10
    for crop in agreeing:
        # Two engines agreeing are surer than either alone.
        assert crop["confidence"] >= crop["ocr_score"] - 1e-6
    assert "N" in {c["label"] for c in agreeing}


def test_verify_annotations_fills_agreement(stage_run, tmp_path):
    root, _, _ = stage_run
    config = _config(
        root,
        output_dir=tmp_path / "crops",
        metrics_path=tmp_path / "crop.json",
        verify_annotations=True,
    )
    run(config)
    crops = crops_of(read_shards(config.output_dir).to_pylist(), "bank-annotated.jpg")
    zhong = crops[0]
    assert zhong["label"] == "中"
    assert zhong["engines_agree"] is True
    assert zhong["ocr_score"] > 0.9
    # RapidOCR reads the drawn vertical line, so each even split cell is confirmed.
    vertical = crops_of(read_shards(config.output_dir).to_pylist(), "vertical.png")
    assert [c["engines_agree"] for c in vertical] == [True, True, True]


def test_engine_failure_on_one_photo_counted(realdata, tmp_path, monkeypatch):
    from pipeline.crop.engines.rapidocr import RapidOcrEngine

    bank = (realdata / BANK_SIGN).read_bytes()
    write_crawl(
        tmp_path / "crawl", [photo_row(bank, "bank.jpg"), photo_row(bank + b"\x00", "bank-2.jpg")]
    )
    original = RapidOcrEngine.detect_characters
    calls = []

    def fail_once(self, image_bgr):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("onnxruntime: invalid input shape")
        return original(self, image_bgr)

    monkeypatch.setattr(RapidOcrEngine, "detect_characters", fail_once)
    metrics = run(_config(tmp_path))
    assert metrics["skipped"]["crop_failed"] == 1
    assert metrics["crops"] > 20


def test_missing_easyocr_model_stops_run(tmp_path):
    write_crawl(
        tmp_path / "crawl", [glyph_row(png_bytes(np.zeros((20, 20, 3), np.uint8)), "g.png", "A")]
    )
    config = _config(
        tmp_path,
        engine="easyocr",
        engine_options={"easyocr": {"model_dir": str(tmp_path)}},
        num_workers=2,
    )
    with pytest.raises(EngineError, match=r"EasyOCR model file not found: .*craft_mlt_25k\.pth"):
        run(config)
