"""Build small export inputs: real Chars74K crops, rendered hanzi, a groups.json and overrides."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline.common.fonts import faces_covering
from pipeline.common.io import ShardWriter
from pipeline.crop.labels import label_confidence
from pipeline.crop.schema import CROP_SCHEMA
from pipeline.export.overrides import HEADER
from pipeline.export.topup import perceptual_hash

LATIN_PER_CLASS = {"0": 12, "O": 12, "Q": 10, "1": 12, "I": 12}
HAN_CLASSES = "未末己已巳土"
HAN_PER_CLASS = 10
CROPS_PER_SOURCE = 3  # consecutive crops share one "photo", so splits must keep them together
# OCR check result (ocr_score, engines_agree) of the n-th annotated crop of a class, cycled.
# Every fourth crop was read as another character, which halves its confidence.
OCR_CHECKS = [(0.41, False), (None, None), (0.93, True), (0.88, True)]
GROUPS = [
    {
        "group_id": "han-0001",
        "script": "han",
        "members": ["未", "末"],
        "scores": [["未", "末", 0.93]],
    },
    {
        "group_id": "han-0002",
        "script": "han",
        "members": ["巳", "己", "已"],
        "scores": [["己", "已", 0.95], ["已", "巳", 0.91], ["己", "巳", 0.9]],
    },
    # 已 is in two groups; it belongs to han-0002, where its best look-alike scores higher.
    {
        "group_id": "han-0003",
        "script": "han",
        "members": ["已", "土"],
        "scores": [["已", "土", 0.5]],
    },
    {
        "group_id": "latin-0001",
        "script": "latin",
        "members": ["0", "O", "Q"],
        "scores": [["0", "O", 0.97], ["O", "Q", 0.9]],
    },
    {
        "group_id": "latin-0002",
        "script": "latin",
        "members": ["1", "I"],
        "scores": [["1", "I", 0.96]],
    },
]


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _row(crop_id: str, image: bytes, label: str, script: str, photo: str, **extra) -> dict:
    row = {
        "crop_id": crop_id,
        "image": image,
        "label": label,
        "script": script,
        "label_source": "annotation",
        "ocr_score": None,
        "confidence": 1.0,
        "engines_agree": None,
        "box": [0.0, 0.0, 100.0, 0.0, 100.0, 100.0, 0.0, 100.0],
        "source_sha256": hashlib.sha256(photo.encode()).hexdigest(),
        "source": "chars74k",
        "source_type": "local",
        "uri": photo,
        "licence": "research only (test input)",
        "synthetic": False,
        "phash": perceptual_hash(image),
        "width": 100,
        "height": 100,
    }
    row.update(extra)
    return row


def latin_rows(realdata: Path) -> list[dict]:
    """Return Chars74K crops of the latin look-alike classes, a few per source photo."""
    root = realdata / "chars74k_goodimg_subset"
    with (root / "labels.tsv").open(encoding="utf-8") as handle:
        entries = sorted(csv.DictReader(handle, delimiter="\t"), key=lambda e: e["file"])
    rows, taken = [], dict.fromkeys(LATIN_PER_CLASS, 0)
    for entry in entries:
        label = entry["label"]
        if label not in taken or taken[label] >= LATIN_PER_CLASS[label]:
            continue
        source = f"chars74k/{label}/{taken[label] // CROPS_PER_SOURCE}"
        image = (root / entry["file"]).read_bytes()
        crop_id = hashlib.sha256(entry["file"].encode()).hexdigest()[:16]
        ocr_score, agree = OCR_CHECKS[taken[label] % len(OCR_CHECKS)]
        check = {
            "ocr_score": ocr_score,
            "engines_agree": agree,
            "confidence": label_confidence("annotation", ocr_score, agree),
        }
        rows.append(
            _row(crop_id, image, label, "latin", source, uri=entry["original_path"], **check)
        )
        taken[label] += 1
    return rows


def han_rows() -> list[dict]:
    """Return hanzi rendered in several installed faces, sizes and offsets."""
    faces = faces_covering(HAN_CLASSES)[:HAN_PER_CLASS]
    rows = []
    for label in HAN_CLASSES:
        for index in range(HAN_PER_CLASS):
            face = faces[index % len(faces)]
            font = ImageFont.truetype(face.path, size=40 + index, index=face.index)
            image = Image.new("RGB", (64, 64), (235 - 5 * index, 230, 220))
            ImageDraw.Draw(image).text(
                (6 + index % 4, 4 + index % 3), label, fill="black", font=font
            )
            png = _png(image)
            source = f"render/{label}/{index // CROPS_PER_SOURCE}"
            crop_id = hashlib.sha256(f"{label}{index}".encode()).hexdigest()[:16]
            rows.append(
                _row(
                    crop_id,
                    png,
                    label,
                    "han",
                    source,
                    label_source="synthetic",
                    source="render",
                    source_type="synthetic",
                    synthetic=True,
                    licence="rendered from installed fonts",
                )
            )
    return rows


def bad_rows(good: dict) -> list[dict]:
    """Return rows the export must skip, one per reason."""
    return [
        {**good, "crop_id": "badimage00000001", "image": b"not a png"},
        {**good, "crop_id": "badphash00000001", "phash": "xyz"},
        {**good, "crop_id": "badlabel00000001", "label": "OO"},
    ]


def write_overrides(path: Path, rows: list[tuple[str, ...]]) -> None:
    lines = ["\t".join(HEADER)] + ["\t".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="session")
def crop_rows(realdata) -> list[dict]:
    latin = latin_rows(realdata)
    return latin + han_rows() + bad_rows(latin[0])


@pytest.fixture
def export_inputs(tmp_path, crop_rows) -> dict:
    """Write crops, groups and an empty overrides file; return export params pointing at them."""
    crops_dir = tmp_path / "data" / "crops"
    with ShardWriter(crops_dir, CROP_SCHEMA, rows_per_shard=60) as writer:
        for row in crop_rows:
            writer.write(row)
    groups_path = tmp_path / "data" / "mining" / "groups.json"
    groups_path.parent.mkdir(parents=True)
    groups_path.write_text(json.dumps({"version": 1, "groups": GROUPS}, ensure_ascii=False))
    overrides_path = tmp_path / "labels" / "overrides.tsv"
    overrides_path.parent.mkdir(parents=True)
    write_overrides(overrides_path, [])
    return {
        "seed": 0,
        "crops_dir": str(crops_dir),
        "groups_path": str(groups_path),
        "overrides_path": str(overrides_path),
        "output_dirs": {"han": str(tmp_path / "rcc-fgvc"), "latin": str(tmp_path / "el-fgvc")},
        "metrics_path": str(tmp_path / "metrics" / "export.json"),
        "min_classes_per_group": 2,
        "min_instances_per_class": 8,
        "min_confidence": 0.0,
        "max_instances_per_class": None,
        "train_shots": None,
        "splits": {"train": 0.6, "validation": 0.2, "test": 0.2},
        "phash_max_distance": 4,
        "pairs_per_anchor": 1,
        "rows_per_shard": 20,
        "rows_per_row_group": 10,
        "gallery_per_class": 2,
        "topup_synthetic": None,
    }
