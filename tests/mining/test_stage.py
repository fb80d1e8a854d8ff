"""End-to-end run of the mining stage on a tiny charset, with real crop shards and every source."""

import json
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest
import yaml
from PIL import Image

from pipeline.common.images import encode_png
from pipeline.common.io import ShardWriter
from pipeline.mining.__main__ import main
from pipeline.mining.render import render_glyph

HAN = "未末己已巳土士我你"
CROP_SCHEMA = pa.schema([("label", pa.string()), ("script", pa.string()), ("image", pa.binary())])


def write_crops(directory, face, chars: str, per_char: int) -> None:
    """Write dark-on-light noisy crops of ``chars``, one undecodable row and one non-han label."""
    rng = np.random.default_rng(0)
    with ShardWriter(directory, CROP_SCHEMA, rows_per_shard=10) as writer:
        for char in chars:
            ink = render_glyph(char, face, 48).astype(np.float32)
            for _ in range(per_char):
                gray = 230 - ink * 0.8 + rng.normal(0, 6, ink.shape)
                rgb = np.repeat(np.clip(gray, 0, 255).astype(np.uint8)[:, :, None], 3, axis=2)
                image = encode_png(Image.fromarray(rgb))
                writer.write({"label": char, "script": "han", "image": image})
        writer.write({"label": "未", "script": "han", "image": b"not a png"})
        writer.write({"label": "→", "script": "other", "image": b""})


@pytest.fixture(scope="module")
def mined(tmp_path_factory, han_face):
    root = tmp_path_factory.mktemp("mine")
    write_crops(root / "crops", han_face, "未末己", per_char=4)
    params = {
        "common": {"seed": 0},
        "mining": {
            "output_dir": str(root / "out"),
            "metrics_path": str(root / "metrics.json"),
            "crops_dir": str(root / "crops"),
            "candidates": {"han": f"chars:{HAN}", "latin": "chars:O0Q1Il"},
            "fonts": {"han": ["NotoSansCJK-Regular.ttc#2", "uming.ttc#0"]},
            "max_fonts_per_char": 2,
            "embeddings": ["pixel", "cnn", "crops"],
            "min_crops": 3,
            "cnn": {"embedding_size": 16, "epochs": 1, "batch_size": 8},
            "k": 3,
            "threshold": {"han": 0.3, "latin": 0.3},
            "max_group_size": 3,
            "curated": {"han": ["土士"]},
            "rerank": {"enabled": True, "candidates": 5},
            "eval_k": [1, 3],
            "references": {
                "han": "package:pycorrector/data/same_stroke.txt",
                "latin": "package:confusable_homoglyphs/confusables.json",
                "latin_curated": ["O0Q", "1Il"],
            },
        },
    }
    params_path = root / "params.yaml"
    params_path.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    main(["--params", str(params_path)])
    groups = json.loads((root / "out" / "groups.json").read_text(encoding="utf-8"))
    metrics = json.loads((root / "metrics.json").read_text(encoding="utf-8"))
    return root, groups, metrics


def test_groups_follow_contract(mined):
    _, groups, _ = mined
    assert groups["version"] == 1
    ids = [g["group_id"] for g in groups["groups"]]
    assert len(ids) == len(set(ids))
    for group in groups["groups"]:
        assert group["group_id"].startswith(group["script"] + "-")
        assert group["members"] == sorted(group["members"], key=ord)
        assert len(group["members"]) >= 2
        for a, b, score in group["scores"]:
            assert a in group["members"]
            assert b in group["members"]
            assert -1.0 <= score <= 1.0


def test_size_cap_and_curation_applied(mined):
    _, groups, _ = mined
    han = [g for g in groups["groups"] if g["script"] == "han"]
    assert all(len(g["members"]) <= 3 for g in han if not g["curated"])
    assert any(g["curated"] and {"土", "士"} <= set(g["members"]) for g in han)


def test_every_source_evaluated(mined):
    _, _, metrics = mined
    sources = metrics["scripts"]["han"]["sources"]
    assert set(sources) == {"pixel", "cnn", "crops"}
    assert sources["crops"]["characters"] == 3  # 未末己 have >= 3 crops
    assert sources["pixel"]["characters"] == len(HAN)
    assert "ncd_reranked_ranking" in sources["pixel"]
    assert sources["pixel"]["ranking"]["same_stroke"]["reference_pairs"] > 0


def test_latin_references_reported(mined):
    _, _, metrics = mined
    ranking = metrics["scripts"]["latin"]["sources"]["pixel"]["ranking"]
    assert ranking["tr39"]["reference_pairs"] == 3  # 0/O, 1/l, I/l
    assert ranking["curated"]["reference_pairs"] == 6


def test_bad_crops_counted(mined):
    _, _, metrics = mined
    assert metrics["skipped"]["crop_undecodable"] == 1
    assert metrics["skipped"]["crop_label_other_script"] == 1


def test_gallery_written(mined):
    root, groups, _ = mined
    gallery = Image.open(root / "out" / "gallery.png")
    assert gallery.mode == "RGB"
    assert gallery.height >= 64 * min(len(groups["groups"]), 24)


def test_cli_help():
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.mining", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--params" in result.stdout
