"""Training, resume, determinism, evaluation and checkpoint checks on a tiny rendered dataset."""

from __future__ import annotations

import json
import logging

import pyarrow.parquet as pq
import pytest
import torch
import yaml

from model import evaluate
from model.checkpoint import CheckpointMismatchError, load_model
from model.data import load_glyph_data
from model.engine import Trainer, predict_proba
from model.train import main as train_main
from model.train import train_model
from tests.model.conftest import write_dataset


@pytest.fixture(autouse=True)
def deterministic():
    torch.use_deterministic_algorithms(True)
    yield
    torch.use_deterministic_algorithms(False)


@pytest.fixture(scope="module")
def glyph_data(glyph_dataset):
    return load_glyph_data(glyph_dataset, 16)


def read_state(path):
    return torch.load(path, map_location="cpu", weights_only=False)["state_dict"]


def assert_same_state(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_train_writes_model_history_and_curve(glyph_data, train_params, tmp_path):
    summary = train_model("ccfg_net", glyph_data, train_params, tmp_path / "ccfg_net")
    history = json.loads((tmp_path / "ccfg_net" / "history.json").read_text())
    assert [r["phase"] for r in history["epochs"]] == ["supcon_warmup", "siamese"]
    assert set(history["epochs"][1]) >= {
        "focal",
        "cosface",
        "contrastive",
        "angular",
        "val_macro_f1",
    }
    assert (tmp_path / "ccfg_net" / "training_curve.png").stat().st_size > 0
    assert (tmp_path / "ccfg_net" / "last.pt").is_file()
    assert summary["best_phase"] == "siamese"
    assert summary["pair_sampling"]["negative_hard"] > 0


def test_two_runs_are_identical(glyph_data, train_params, tmp_path):
    train_model("ccfg_net", glyph_data, train_params, tmp_path / "a")
    train_model("ccfg_net", glyph_data, train_params, tmp_path / "b")
    assert_same_state(
        read_state(tmp_path / "a" / "model.pt"), read_state(tmp_path / "b" / "model.pt")
    )
    history_a = json.loads((tmp_path / "a" / "history.json").read_text())["epochs"]
    history_b = json.loads((tmp_path / "b" / "history.json").read_text())["epochs"]
    assert [r["loss"] for r in history_a] == [r["loss"] for r in history_b]


def test_resume_after_interruption_matches_full_run(
    glyph_data, train_params, tmp_path, monkeypatch
):
    train_params["epochs"] = 2
    train_model("ccfg_net", glyph_data, train_params, tmp_path / "full")

    original = Trainer.run_epoch
    calls = []

    def interrupted(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:  # warm-up epoch 1 and siamese epoch 1 finish, then the process dies
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "run_epoch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train_model("ccfg_net", glyph_data, train_params, tmp_path / "resumed")
    assert not (tmp_path / "resumed" / "model.pt").exists()
    monkeypatch.setattr(Trainer, "run_epoch", original)

    train_model("ccfg_net", glyph_data, train_params, tmp_path / "resumed")
    assert_same_state(
        read_state(tmp_path / "full" / "model.pt"), read_state(tmp_path / "resumed" / "model.pt")
    )
    history = json.loads((tmp_path / "resumed" / "history.json").read_text())["epochs"]
    assert [(r["phase"], r["epoch"]) for r in history] == [
        ("supcon_warmup", 1),
        ("siamese", 1),
        ("siamese", 2),
    ]


def test_resume_with_other_backbone_fails(glyph_data, train_params, tmp_path):
    train_model("cross_entropy", glyph_data, train_params, tmp_path / "ce")
    train_params["backbone"] = "resnet14t"
    with pytest.raises(CheckpointMismatchError, match="belongs to a run with another backbone"):
        train_model("cross_entropy", glyph_data, train_params, tmp_path / "ce")


def test_checkpoint_checks_backbone_and_classes(glyph_data, train_params, tmp_path):
    train_model("cross_entropy", glyph_data, train_params, tmp_path / "ce")
    path = tmp_path / "ce" / "model.pt"
    network, meta = load_model(path, backbone="resnet10t", class_names=glyph_data.class_names)
    assert network.num_classes == 6
    with pytest.raises(
        CheckpointMismatchError, match="trained with backbone 'resnet10t', but 'resnet18'"
    ):
        load_model(path, backbone="resnet18")
    with pytest.raises(CheckpointMismatchError, match="has 6 classes .* but the dataset has 5"):
        load_model(path, class_names=list("01IOQ"))


@pytest.mark.parametrize("name", ["cosface", "supcon_linear", "api_net"])
def test_baselines_train(glyph_data, train_params, tmp_path, name):
    summary = train_model(name, glyph_data, train_params, tmp_path / name)
    network, _ = load_model(tmp_path / name / "model.pt")
    assert summary["best_val_macro_f1"] >= 0.0
    assert network.num_classes == 6


def test_empty_validation_keeps_last_epoch(glyph_rows, train_params, tmp_path, caplog):
    rows = dict(glyph_rows, validation=[])
    data = load_glyph_data(write_dataset(tmp_path / "no-val", rows), 16)
    train_params["epochs"] = 2
    with caplog.at_level(logging.WARNING):
        summary = train_model("cross_entropy", data, train_params, tmp_path / "ce")
    assert "validation split is empty" in caplog.text
    assert summary["best_epoch"] == 2
    assert summary["best_val_macro_f1"] == -1.0


def test_class_absent_from_training(glyph_rows, train_params, tmp_path, caplog):
    rows = dict(glyph_rows, train=[r for r in glyph_rows["train"] if r["character"] != "Q"])
    with caplog.at_level(logging.WARNING):
        data = load_glyph_data(write_dataset(tmp_path / "no-q", rows), 16)
    assert "1 of 6 classes have no training image and cannot be learned: Q" in caplog.text
    assert data.classes_missing_from("train") == ["Q"]
    summary = train_model("ccfg_net", data, train_params, tmp_path / "ccfg")
    assert summary["best_phase"] == "siamese"


def test_evaluate_writes_metrics_and_plots(glyph_dataset, glyph_data, train_params, tmp_path):
    for name in ("ccfg_net", "cross_entropy"):
        train_model(name, glyph_data, train_params, tmp_path / "models" / "el-test" / name)
    params = {
        "evaluate": {
            "models": ["ccfg_net", "cross_entropy"],
            "split": "test",
            "models_dir": str(tmp_path / "models"),
            "metrics_dir": str(tmp_path / "metrics"),
            "plots_dir": str(tmp_path / "plots"),
            "neighbours_k": 4,
            "neighbours_queries": 6,
            "predictions_model": "cross_entropy",
            "predictions_dir": str(tmp_path / "predictions"),
        }
    }
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    evaluate.main(
        [
            "--dataset",
            "el-test",
            "--data-dir",
            str(glyph_dataset),
            "--params",
            str(tmp_path / "params.yaml"),
        ]
    )
    for name in ("ccfg_net", "cross_entropy"):
        metrics = json.loads((tmp_path / "metrics" / "el-test" / f"{name}.json").read_text())
        assert metrics["num_samples"] == 18
        assert 0.0 <= metrics["macro_f1"] <= 1.0
        assert 0.0 <= metrics["within_group_confusion"] <= 1.0
        assert metrics["accuracy"] == pytest.approx(1 - metrics["num_errors"] / 18)
        for plot in ("confusion", "group_confusion", "neighbours"):
            assert (tmp_path / "plots" / "el-test" / f"{name}_{plot}.png").stat().st_size > 0

    # Every crop of every split gets the cross-entropy model's top-1 character.
    predictions = pq.read_table(tmp_path / "predictions" / "el-test.parquet").to_pydict()
    assert len(predictions["crop_id"]) == 6 * (8 + 3 + 3)
    assert len(set(predictions["crop_id"])) == len(predictions["crop_id"])
    assert predictions["split"].count("test") == 18
    assert set(predictions["model"]) == {"cross_entropy"}
    assert all(0.0 < s <= 1.0 for s in predictions["score"])
    assert all(
        ls <= s + 1e-6
        for ls, s in zip(predictions["label_score"], predictions["score"], strict=True)
    )
    test_rows = [i for i, split in enumerate(predictions["split"]) if split == "test"]
    errors = sum(predictions["predicted"][i] != predictions["character"][i] for i in test_rows)
    ce_metrics = json.loads((tmp_path / "metrics" / "el-test" / "cross_entropy.json").read_text())
    assert errors == ce_metrics["num_errors"]


def test_evaluate_rejects_unevaluated_predictions_model(glyph_dataset, tmp_path):
    params = {
        "evaluate": {
            "models": ["cross_entropy"],
            "split": "test",
            "models_dir": str(tmp_path / "models"),
            "metrics_dir": str(tmp_path / "metrics"),
            "plots_dir": str(tmp_path / "plots"),
            "predictions_model": "ccfg_net",
        }
    }
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    with pytest.raises(
        ValueError, match="predictions_model is 'ccfg_net'.*add it to evaluate.models"
    ):
        evaluate.main(["--dataset", "el-test", "--params", str(tmp_path / "params.yaml")])


def test_evaluate_rejects_checkpoint_of_other_classes(
    glyph_rows, glyph_data, train_params, tmp_path
):
    train_model("cross_entropy", glyph_data, train_params, tmp_path / "ce")
    rows = {
        split: [r for r in split_rows if r["character"] != "l"]
        for split, split_rows in glyph_rows.items()
    }
    other = write_dataset(tmp_path / "five", rows)
    with pytest.raises(CheckpointMismatchError, match="has 6 classes"):
        evaluate.evaluate_model(
            "cross_entropy",
            tmp_path / "ce" / "model.pt",
            str(other),
            "test",
            tmp_path / "plots",
            {},
        )


def test_trained_model_beats_chance(glyph_data, train_params, tmp_path):
    # Small batches give batch norm enough steps on 48 images to settle its running statistics.
    train_params.update(epochs=10, lr=0.001, batch_size=8, augment_strength=0.5)
    train_model("cross_entropy", glyph_data, train_params, tmp_path / "ce")
    network, _ = load_model(tmp_path / "ce" / "model.pt")
    accuracy = {}
    for split in ("train", "test"):
        images, labels = glyph_data.splits[split].images, glyph_data.splits[split].labels
        accuracy[split] = (predict_proba(network, images).argmax(1) == labels).float().mean().item()
    assert accuracy["train"] > 0.5, accuracy
    assert accuracy["test"] > 0.25, f"{accuracy} is not above chance (0.167)"


def test_train_rejects_dataset_with_one_class(glyph_rows, tmp_path, caplog):
    rows = {
        split: [r for r in split_rows if r["character"] == "0" or split != "train"]
        for split, split_rows in glyph_rows.items()
    }
    dataset = write_dataset(tmp_path / "one-class", rows)
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exit_info:
        train_main(["--dataset", "one-class", "--data-dir", str(dataset)])
    assert exit_info.value.code == 1
    assert "1 of 6 classes have training crops; a classifier needs at least 2" in caplog.text
