"""Helpers of bench/bench_train.py: nested param overrides and the random group subset."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from model.data import GlyphData, Split

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_train", ROOT / "bench" / "bench_train.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_train"] = module
    spec.loader.exec_module(module)
    return module


def _data() -> GlyphData:
    # Six classes in four groups: g0 = {A, B}, g1 = {C, D}, g2 = {E} (one class), g3 = {F, G}.
    # G has no training image, so g3 has only one learnable class.
    class_to_group = np.array([0, 0, 1, 1, 2, 3, 3])
    train_labels = torch.tensor([0, 0, 1, 2, 3, 3, 4, 5])
    test_labels = torch.tensor([0, 1, 2, 3, 4, 5, 6])

    def split(labels: torch.Tensor, prefix: str) -> Split:
        images = labels.view(-1, 1, 1, 1).expand(-1, 3, 4, 4).to(torch.uint8).clone()
        return Split(images, labels, [f"{prefix}{i}" for i in range(len(labels))])

    return GlyphData(
        class_names=list("ABCDEFG"),
        group_names=["g0", "g1", "g2", "g3"],
        class_to_group=class_to_group,
        splits={
            "train": split(train_labels, "tr"),
            "validation": split(torch.empty(0, dtype=torch.int64), "va"),
            "test": split(test_labels, "te"),
        },
    )


def test_override_sets_nested_key(bench):
    params = {"epochs": 12, "ccfg_net": {"cosface_scale": 30.0, "warmup_epochs": 2}}
    bench.apply_override(params, "ccfg_net.cosface_scale=16")
    bench.apply_override(params, "epochs=28")
    assert params == {"epochs": 28, "ccfg_net": {"cosface_scale": 16, "warmup_epochs": 2}}


def test_override_rejects_bad_keys(bench):
    with pytest.raises(SystemExit, match="KEY=VALUE"):
        bench.apply_override({}, "epochs")
    with pytest.raises(SystemExit, match="'epochs' is not a section"):
        bench.apply_override({"epochs": 12}, "epochs.inner=3")
    with pytest.raises(SystemExit, match="no such train param"):
        bench.apply_override({"ccfg_net": {"cosface_scale": 30.0}}, "ccfg_net.cosface_scal=16")
    with pytest.raises(SystemExit, match="use --backbones instead"):
        bench.apply_override({"backbone": "resnet18"}, "backbone=resnet50")


def test_group_subset_keeps_learnable_groups(bench):
    data = _data()
    subset = bench.restrict_to_groups(data, max_groups=1, seed=0)
    # Only g0 and g1 have two classes with training images, so one of them is kept.
    assert subset.group_names in (["g0"], ["g1"])
    kept_names = {"g0": ["A", "B"], "g1": ["C", "D"]}[subset.group_names[0]]
    assert subset.class_names == kept_names
    assert subset.class_to_group.tolist() == [0, 0]
    old_ids = [data.class_names.index(name) for name in kept_names]
    # Labels are renumbered and each image still shows its old class id as pixel value.
    for name in ("train", "test"):
        split = subset.splits[name]
        assert set(split.labels.tolist()) <= {0, 1}
        assert [old_ids[label] for label in split.labels.tolist()] == split.images[
            :, 0, 0, 0
        ].tolist()
    assert len(subset.splits["train"]) == 3
    assert len(subset.splits["test"]) == 2
    assert len(subset.splits["validation"]) == 0


def test_group_subset_short_of_groups(bench):
    subset = bench.restrict_to_groups(_data(), max_groups=3)
    # g2 has one class and g3 one learnable class, so two groups remain of the three requested.
    assert subset.group_names == ["g0", "g1"]
    assert subset.class_names == ["A", "B", "C", "D"]
    assert subset.class_to_group.dtype == np.int64
    assert len(subset.splits["train"]) == 6


def test_resume_rejects_changed_settings(bench, tmp_path):
    params = {"epochs": 28, "ccfg_net": {"cosface_scale": 16}}
    record = {"params": {"epochs": 28, "ccfg_net": {"cosface_scale": 16}}}
    bench.check_record(tmp_path / "run.json", record, params, tmp_path)
    record["params"]["ccfg_net"] = {"cosface_scale": 30}
    with pytest.raises(SystemExit, match=r"run.json was trained with other settings \(ccfg_net\)"):
        bench.check_record(tmp_path / "run.json", record, params, tmp_path)


def test_resume_rejects_other_dataset(bench, tmp_path):
    record = {"params": {"epochs": 28}, "dataset_path": "/elsewhere/rcc-fgvc"}
    with pytest.raises(SystemExit, match="was trained on /elsewhere/rcc-fgvc"):
        bench.check_record(tmp_path / "run.json", record, {"epochs": 28}, tmp_path)
