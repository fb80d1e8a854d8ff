"""Fixtures: a small real Hugging Face dataset of Chars74K crops, and apps serving it."""

from __future__ import annotations

import hashlib
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import uvicorn
from datasets import ClassLabel, Dataset, Features, Image, Sequence, Value
from fastapi.testclient import TestClient
from PIL import Image as PILImage

from labeling_ui.config import Settings
from labeling_ui.main import create_app

# Two look-alike groups of Chars74K classes; five real crops per class keep the tests fast.
GROUPS = {"latin-0001": "0DOQ", "latin-0002": "17IL"}
CROPS_PER_CLASS = 5
SPLIT_OF_INDEX = ["train", "train", "train", "validation", "test"]

FEATURES = Features(
    {
        "image": Image(),
        "label": ClassLabel(names=sorted("".join(GROUPS.values()))),
        "character": Value("string"),
        "group": ClassLabel(names=sorted(GROUPS)),
        "crop_id": Value("string"),
        "source": Value("string"),
        "source_sha256": Value("string"),
        "uri": Value("string"),
        "licence": Value("string"),
        "box": Sequence(Value("float32")),
        "ocr_score": Value("float32"),
        "label_status": Value("string"),
        "synthetic": Value("bool"),
        "phash": Value("string"),
    }
)

CARD = """---
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train-*
  - split: validation
    path: data/validation-*
  - split: test
    path: data/test-*
---
# Test fixture: Chars74K crops in two look-alike groups
"""


def average_hash(png: bytes) -> str:
    """Return a 64-bit average hash (8x8 grey thumbnail above its mean) as 16 hex digits."""
    grey = np.asarray(PILImage.open(io.BytesIO(png)).convert("L").resize((8, 8)), dtype=np.float32)
    bits = (grey > grey.mean()).flatten()
    return f"{int(''.join('1' if bit else '0' for bit in bits), 2):016x}"


def chars74k_rows(realdata: Path) -> list[dict]:
    """Select the first crops of each class from the Chars74K subset, in file order."""
    root = realdata / "chars74k_goodimg_subset"
    lines = (root / "labels.tsv").read_text(encoding="utf-8").splitlines()[1:]
    group_of = {char: group for group, chars in GROUPS.items() for char in chars}
    count_per_class: dict[str, int] = {}
    rows = []
    for line in lines:
        file, label, original = line.split("\t")
        if label not in group_of or count_per_class.get(label, 0) >= CROPS_PER_CLASS:
            continue
        index = count_per_class[label] = count_per_class.get(label, 0) + 1
        png = (root / file).read_bytes()
        digest = hashlib.sha256(png).hexdigest()
        rows.append(
            {
                "image": {"bytes": png, "path": None},
                "label": label,
                "character": label,
                "group": group_of[label],
                "crop_id": digest[:16],
                "source": "chars74k",
                "source_sha256": digest,
                "uri": original,
                "licence": "research only",
                "box": [0, 0, 100, 0, 100, 100, 0, 100],
                # Spread of scores so that the low-score signal marks some crops.
                "ocr_score": round(0.15 + 0.15 * index, 2),
                "label_status": "annotation",
                "synthetic": False,
                "phash": average_hash(png),
                "split": SPLIT_OF_INDEX[index - 1],
            }
        )
    return rows


def write_predictions(path: Path, rows: list[tuple[str, str, float]]) -> Path:
    """Write ``(crop_id, predicted, score)`` rows in the evaluate stage's predictions layout."""
    table = pa.table(
        {
            "crop_id": pa.array([row[0] for row in rows], pa.string()),
            "predicted": pa.array([row[1] for row in rows], pa.string()),
            "score": pa.array([row[2] for row in rows], pa.float32()),
        }
    )
    pq.write_table(table, path)
    return path


def write_dataset(rows: list[dict], out_dir: Path) -> Path:
    """Write rows as a Hugging Face parquet dataset with a card, one file per split."""
    (out_dir / "data").mkdir(parents=True, exist_ok=True)
    (out_dir / "README.md").write_text(CARD, encoding="utf-8")
    for split in ("train", "validation", "test"):
        split_rows = [row for row in rows if row["split"] == split]
        columns = {name: [row[name] for row in split_rows] for name in FEATURES}
        dataset = Dataset.from_dict(columns, features=FEATURES)
        dataset.to_parquet(str(out_dir / "data" / f"{split}-00000-of-00001.parquet"))
    return out_dir


@pytest.fixture(scope="session")
def glyph_rows(realdata: Path) -> list[dict]:
    return chars74k_rows(realdata)


@pytest.fixture(scope="session")
def dataset_dir(glyph_rows: list[dict], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(glyph_rows, tmp_path_factory.mktemp("el-fgvc-mini") / "el-fgvc")


@pytest.fixture()
def settings(dataset_dir: Path, tmp_path: Path) -> Settings:
    # An empty predictions file keeps a predictions/el-fgvc.parquet of the working copy out.
    return Settings(
        data_dir=dataset_dir,
        db_path=tmp_path / "labels" / "labels.db",
        overrides_path=tmp_path / "labels" / "overrides.tsv",
        predictions_path=write_predictions(tmp_path / "predictions.parquet", []),
    )


@pytest.fixture()
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A real uvicorn server on 127.0.0.1 running in a background thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings.model_copy(update={"port": free_port()})
        config = uvicorn.Config(
            create_app(self.settings),
            host="127.0.0.1",
            port=self.settings.port,
            log_level="warning",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start within 20 s")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture()
def live_server(settings: Settings) -> Iterator[LiveServer]:
    with LiveServer(settings) as server:
        yield server
