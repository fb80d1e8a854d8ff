"""End to end: `dvc repro` on a small real subset, in a scratch copy of the project.

The subset is real: Chars74K letter and digit crops with their human labels for EL-FGVC, and two
photographed Chinese signs read by RapidOCR for RCC-FGVC (topped up with rendered glyphs for classes
with too few real crops). Training runs one short epoch per phase, so the metrics are near chance. The tests check
that every stage ran and every output is complete, not that the models are good.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest

from labeling_ui.config import Settings
from labeling_ui.predictions import load_predictions
from pipeline import profile
from pipeline.common.io import write_text_atomic
from pipeline.common.params import deep_merge

LETTERS = "0ODQ1I7L5S8B"
CROPS_PER_LETTER = 10
# A bank storefront (中国农业银行) and a gate sign: real camera photos with printed hanzi.
PHOTOS = ["paddleocr_doc/doc/imgs/00207393.jpg", "paddleocr_doc/doc/imgs/1.jpg"]
MODELS = ["ccfg_net", "cross_entropy"]
METRICS = ["accuracy", "balanced_accuracy", "macro_f1", "weighted_f1", "within_group_confusion"]


def make_subset(realdata: Path, root: Path) -> tuple[Path, Path]:
    """Link a few Chars74K crops per letter and two photos into folders the local source reads."""
    letters_dir = root / "chars74k"
    letters_dir.mkdir(parents=True)
    rows = ["file\tlabel"]
    lines = (
        (realdata / "chars74k_goodimg_subset" / "labels.tsv")
        .read_text(encoding="utf-8")
        .splitlines()
    )
    counts = {letter: 0 for letter in LETTERS}
    for line in lines[1:]:
        file, label = line.split("\t")[:2]
        if label in counts and counts[label] < CROPS_PER_LETTER:
            counts[label] += 1
            link = letters_dir / file.replace("/", "_")
            link.symlink_to(realdata / "chars74k_goodimg_subset" / file)
            rows.append(f"{link.name}\t{label}")
    (letters_dir / "labels.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")

    photos_dir = root / "photos"
    photos_dir.mkdir()
    for photo in PHOTOS:
        (photos_dir / Path(photo).name).symlink_to(realdata / photo)
    return letters_dir, photos_dir


def subset_params(letters_dir: Path, photos_dir: Path) -> dict:
    """Return the real-input profile narrowed to the subset and to one short training epoch."""
    licence = "research use only (test subset)"
    override = {
        "crawl": {
            "sources": [
                {
                    "name": "chars74k",
                    "type": "local",
                    "path": str(letters_dir),
                    "labels": "labels.tsv",
                    "licence": licence,
                },
                {"name": "photos", "type": "local", "path": str(photos_dir), "licence": licence},
            ]
        },
        "crop": {"num_workers": 1},
        "mining": {"embeddings": ["pixel"], "candidates": {"han": "gb2312-1", "latin": "alnum"}},
        "export": {
            "topup_synthetic": {"min_real": 8, "per_class": 12},
            "min_instances_per_class": 6,
        },
        "train": {
            "models": MODELS,
            "epochs": 1,
            "batch_size": 32,
            "ccfg_net": {"warmup_epochs": 1},
        },
        "evaluate": {"models": MODELS},
    }
    params = profile.merged_params(profile.REPO_ROOT / "params.yaml", ["real"])
    return deep_merge(params, override)


@pytest.fixture(scope="module")
def real_run(realdata, tmp_path_factory) -> Path:
    """Run `dvc repro` once in a scratch copy and return the copy's path."""
    root = tmp_path_factory.mktemp("e2e")
    letters_dir, photos_dir = make_subset(realdata, root / "realdata")
    workdir = root / "project"
    profile.copy_project(workdir)
    write_text_atomic(
        workdir / "params.yaml", profile.dump_params(subset_params(letters_dir, photos_dir))
    )
    subprocess.run(["git", "init", "-q"], cwd=workdir, check=True)

    env = {
        **os.environ,
        "GLYPH_PROGRESS": "0",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    dvc = str(Path(sys.executable).with_name("dvc"))
    result = subprocess.run([dvc, "repro"], cwd=workdir, env=env, capture_output=True, text=True)
    assert result.returncode == 0, (
        f"dvc repro failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return workdir


def test_letters_dataset_has_real_crops(real_run, monkeypatch):
    monkeypatch.chdir(real_run)
    dataset = datasets.load_dataset("el-fgvc")

    rows = datasets.concatenate_datasets(
        [dataset[split] for split in ("train", "validation", "test")]
    )
    real = rows.filter(lambda row: not row["synthetic"])
    assert len(real) >= len(LETTERS) * CROPS_PER_LETTER * 0.8
    # The signs' Latin text (AGRICULTURAL BANK OF CHINA) adds OCR crops beside the labelled ones.
    assert set(real["source"]) <= {"chars74k", "photos"}
    labelled = real.filter(lambda row: row["source"] == "chars74k")
    assert set(labelled["character"]) <= set(LETTERS)
    assert set(labelled["label_status"]) == {"annotation"}
    assert rows.features["label"].names == sorted(rows.features["label"].names)
    assert min(real[0]["image"].size) > 0


def test_hanzi_dataset_has_ocr_crops(real_run, monkeypatch):
    monkeypatch.chdir(real_run)
    dataset = datasets.load_dataset("rcc-fgvc")

    rows = datasets.concatenate_datasets(
        [dataset[split] for split in ("train", "validation", "test")]
    )
    real = rows.filter(lambda row: not row["synthetic"])
    assert len(real) >= 1
    assert set(real["source"]) == {"photos"}
    assert set(real["label_status"]) <= {"ocr", "annotation", "verified"}
    # Every real crop's character must be a hanzi that RapidOCR read on one of the two signs.
    assert all("\u4e00" <= char <= "\u9fff" for char in real["character"])


def test_no_source_spans_splits(real_run):
    for name in ("rcc-fgvc", "el-fgvc"):
        dataset = datasets.load_dataset(str(real_run / name))
        sources = {split: set(dataset[split]["source_sha256"]) for split in dataset}
        assert not sources["train"] & sources["test"], name
        assert not sources["train"] & sources["validation"], name
        assert not sources["validation"] & sources["test"], name


@pytest.mark.parametrize("dataset_name", ["rcc-fgvc", "el-fgvc"])
@pytest.mark.parametrize("model_name", MODELS)
def test_metrics_complete(real_run, dataset_name, model_name):
    path = real_run / "metrics" / "eval" / dataset_name / f"{model_name}.json"
    metrics = json.loads(path.read_text(encoding="utf-8"))

    for key in METRICS:
        assert key in metrics, f"{key} missing from {path}"
        assert 0.0 <= metrics[key] <= 1.0, f"{key}={metrics[key]} in {path}"


@pytest.mark.parametrize("dataset_name", ["rcc-fgvc", "el-fgvc"])
def test_predictions_reach_labeling_ui(real_run, monkeypatch, dataset_name):
    monkeypatch.chdir(real_run)
    dataset = datasets.load_dataset(dataset_name)
    crop_ids = {crop_id for split in dataset.values() for crop_id in split["crop_id"]}
    table = pq.read_table(real_run / "predictions" / f"{dataset_name}.parquet").to_pydict()

    assert set(table["crop_id"]) == crop_ids
    assert set(table["model"]) == {"ccfg_net"}
    # The labeling UI started from the project root finds the file without --predictions.
    settings = Settings(data_dir=Path(dataset_name))
    predictions = load_predictions(
        settings.default_predictions_path(), crop_ids, dataset_name, required=True
    )
    assert set(predictions) == crop_ids
    first = table["crop_id"][0]
    assert predictions[first].predicted == table["predicted"][0]


def test_dvc_metrics_show_lists_models(real_run):
    dvc = str(Path(sys.executable).with_name("dvc"))
    result = subprocess.run(
        [dvc, "metrics", "show", "--json"], cwd=real_run, capture_output=True, text=True, check=True
    )

    text = result.stdout
    for dataset_name in ("rcc-fgvc", "el-fgvc"):
        for model_name in MODELS:
            assert f"metrics/eval/{dataset_name}/{model_name}.json" in text
    assert "macro_f1" in text
