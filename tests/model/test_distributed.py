"""Data-parallel training with torchrun: two CPU processes over gloo."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import torch
import yaml

from model.checkpoint import load_model


def test_torchrun_two_processes(glyph_dataset, train_params, tmp_path, repo_root):
    train_params["models"] = ["ccfg_net"]
    (tmp_path / "params.yaml").write_text(
        yaml.safe_dump({"common": {"seed": 0}, "train": train_params})
    )
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
        "-m", "model.train",
        "--dataset", "el-test",
        "--data-dir", str(glyph_dataset),
        "--params", str(tmp_path / "params.yaml"),
        "--output-dir", str(tmp_path / "models"),
    ]  # fmt: skip
    env = dict(os.environ, OMP_NUM_THREADS="1", GLYPH_PROGRESS="0")
    result = subprocess.run(
        command, cwd=repo_root, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]

    out = tmp_path / "models" / "el-test" / "ccfg_net"
    summary = json.loads((out / "history.json").read_text())["summary"]
    assert summary["world_size"] == 2
    network, _ = load_model(out / "model.pt")
    assert all(torch.isfinite(p).all() for p in network.parameters())
