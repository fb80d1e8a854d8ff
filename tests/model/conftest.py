"""Tiny exported-format datasets rendered from installed fonts, and test-sized training params."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import datasets
import numpy as np
import pytest
import torch
import yaml
from PIL import Image, ImageDraw, ImageFont

from pipeline.common.fonts import faces_covering
from pipeline.export.features import default_features

# One intra-op thread: the tensors are tiny, and extra threads only contend on a shared CPU.
torch.set_num_threads(1)

GROUPS = {"latin-0001": "0OQ", "latin-0002": "1Il"}
PER_SPLIT = {"train": 8, "validation": 3, "test": 3}

TEST_PARAMS = {
    "seed": 0,
    "models": ["ccfg_net", "cross_entropy"],
    "output_dir": "models",
    "backbone": "resnet10t",
    "backbone_kwargs": {},
    "checkpoint_path": None,
    "image_size": 16,
    "epochs": 1,
    "batch_size": 16,
    "lr": 0.002,
    "weight_decay": 0.0005,
    "augment_strength": 1.0,
    "positive_fraction": 0.5,
    "hard_negative_ratio": 0.5,
    "ccfg_net": {
        "warmup_epochs": 1,
        "temperature": 0.07,
        "projection_dim": 32,
        "embedding_dim": 32,
        "focal_gamma": 2.0,
        "cosface_scale": 30.0,
        "cosface_margin": 0.4,
        "contrastive_margin": 1.0,
        "angular_margin": 1.0,
        "pair_weight": 0.3,
    },
    "supcon_linear": {"supcon_epochs": 1, "probe_epochs": 1, "probe_lr": 0.01},
    "api_net": {"hidden_dim": 32, "rank_margin": 0.05, "rank_weight": 1.0},
}


def render_glyph(char: str, font_path: str, rng: np.random.Generator) -> bytes:
    """Render one dark glyph on a light, noisy background as PNG bytes (40 x 40 pixels)."""
    background = int(rng.integers(170, 250))
    image = Image.new("RGB", (40, 40), (background,) * 3)
    font = ImageFont.truetype(font_path, int(rng.integers(24, 32)))
    ink = int(rng.integers(0, 70))
    ImageDraw.Draw(image).text(
        (20 + int(rng.integers(-3, 4)), 20 + int(rng.integers(-3, 4))),
        char,
        fill=(ink,) * 3,
        font=font,
        anchor="mm",
    )
    pixels = np.asarray(image, dtype=np.int16) + rng.normal(0, 6, (40, 40, 1)).astype(np.int16)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def make_rows(split: str, count: int, fonts: list[str], rng: np.random.Generator) -> list[dict]:
    rows = []
    for group, members in GROUPS.items():
        for char in members:
            for i in range(count):
                rows.append(
                    {
                        "image": {
                            "bytes": render_glyph(char, fonts[int(rng.integers(len(fonts)))], rng)
                        },
                        "label": char,
                        "character": char,
                        "group": group,
                        "crop_id": f"{split}-{ord(char):04x}-{i:02d}",
                        "source": "test-render",
                        "source_sha256": f"{split}-{ord(char):04x}-{i:02d}",
                        "uri": "",
                        "licence": "rendered by the test suite",
                        "box": [0.0, 0.0, 40.0, 0.0, 40.0, 40.0, 0.0, 40.0],
                        "ocr_score": None,
                        "confidence": 1.0,
                        "engines_agree": None,
                        "label_status": "synthetic",
                        "synthetic": True,
                        "phash": None,
                    }
                )
    return rows


def write_dataset(path: Path, rows_by_split: dict[str, list[dict]]) -> Path:
    """Write rows as a parquet dataset with a README card, in the layout the export stage uses."""
    all_rows = [row for rows in rows_by_split.values() for row in rows]
    features = default_features(
        sorted({r["label"] for r in all_rows}), sorted({r["group"] for r in all_rows})
    )
    data_files = []
    for split, rows in rows_by_split.items():
        columns = {name: [row[name] for row in rows] for name in features}
        dataset = datasets.Dataset.from_dict(columns, features=features)
        (path / "data").mkdir(parents=True, exist_ok=True)
        dataset.to_parquet(str(path / "data" / f"{split}-00000-of-00001.parquet"))
        data_files.append({"split": split, "path": f"data/{split}-*.parquet"})
    card = {"configs": [{"config_name": "default", "data_files": data_files}]}
    (path / "README.md").write_text(
        f"---\n{yaml.safe_dump(card)}---\n# test glyphs\n", encoding="utf-8"
    )
    return path


@pytest.fixture(scope="session")
def glyph_rows() -> dict[str, list[dict]]:
    """Return rendered rows for 6 classes in 2 look-alike groups, per split."""
    fonts = sorted({face.path for face in faces_covering("0OQ1Il") if face.path.endswith(".ttf")})[
        :6
    ]
    if not fonts:
        pytest.skip("no installed TrueType font covers 0OQ1Il")
    rng = np.random.default_rng(0)
    return {split: make_rows(split, count, fonts, rng) for split, count in PER_SPLIT.items()}


@pytest.fixture(scope="session")
def glyph_dataset(tmp_path_factory, glyph_rows) -> Path:
    return write_dataset(tmp_path_factory.mktemp("glyphs") / "el-test", glyph_rows)


@pytest.fixture
def train_params() -> dict:
    return copy.deepcopy(TEST_PARAMS)
