"""Crop settings from params and the command line."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.common.params import ParamsError, deep_merge, load_params
from pipeline.crop.__main__ import main
from pipeline.crop.config import CropConfig


def test_repository_params_valid(repo_root):
    config = CropConfig.from_params(load_params(repo_root / "params.yaml")["crop"])
    assert config.engine == "rapidocr"
    assert config.output_dir == Path("data/crops")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"engine": "tesseract"}, "crop engine 'tesseract' is unknown"),
        ({"engine": "easyocr", "second_engine": "easyocr"}, "crop.second_engine must differ"),
        ({"near_duplicate_action": "delete"}, "crop.near_duplicate_action is 'delete'"),
        ({"margin": 2.0}, r"crop.margin = 2.0 is out of range"),
        ({"min_size": 0}, r"crop.min_size = 0 is out of range"),
        ({"min_sise": 4}, r"unknown crop params \['min_sise'\]"),
    ],
)
def test_invalid_params_rejected(params, message):
    with pytest.raises(ParamsError, match=message):
        CropConfig.from_params(params)


def test_cli_help_lists_params_option(repo_root):
    completed = subprocess.run(
        [sys.executable, "-m", "pipeline.crop", "--help"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0
    assert "--params" in completed.stdout


def test_cli_reports_missing_crawl_dir(tmp_path, caplog):
    params = {
        "crop": {"input_dir": str(tmp_path / "absent"), "output_dir": str(tmp_path / "crops")}
    }
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        assert main(["--params", str(path)]) == 1
    assert "shard directory not found" in caplog.text


def test_real_profile_crop_section_valid(repo_root):
    base = load_params(repo_root / "params.yaml")["crop"]
    profile = yaml.safe_load((repo_root / "profiles" / "real.yaml").read_text(encoding="utf-8"))[
        "crop"
    ]
    config = CropConfig.from_params(deep_merge(base, profile))
    assert config.engine == "rapidocr"
    assert config.near_duplicate_action == "drop"
