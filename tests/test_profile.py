"""Tests for overlaying parameter profiles onto params.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline import profile
from pipeline.common.params import ParamsError


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_merged_params_overlay_and_substitute(tmp_path):
    params = write_yaml(
        tmp_path / "params.yaml",
        {"crawl": {"rows": 5, "sources": [{"a": 1}]}, "train": {"epochs": 3}},
    )
    overlay = write_yaml(
        tmp_path / "real.yaml", {"crawl": {"sources": [{"path": "REALDATA/photos"}]}}
    )
    realdata = tmp_path / "realdata"
    realdata.mkdir()

    merged = profile.merged_params(params, [str(overlay)], root=realdata)

    assert merged["crawl"]["rows"] == 5
    assert merged["crawl"]["sources"] == [{"path": f"{realdata}/photos"}]
    assert merged["train"] == {"epochs": 3}


def test_merged_params_missing_realdata(tmp_path):
    params = write_yaml(tmp_path / "params.yaml", {"crawl": {}})
    overlay = write_yaml(tmp_path / "real.yaml", {"crawl": {"path": "REALDATA/x"}})

    with pytest.raises(ParamsError, match="GLYPH_REALDATA"):
        profile.merged_params(params, [str(overlay)], root=tmp_path / "absent")


def test_unknown_profile_lists_available():
    with pytest.raises(ParamsError, match="available profiles: .*real"):
        profile.load_profile("no-such-profile")


def test_apply_writes_params(tmp_path, realdata):
    out = tmp_path / "params.yaml"

    status = profile.main(
        ["apply", "real", "--params", str(profile.REPO_ROOT / "params.yaml"), "--out", str(out)]
    )

    assert status == 0
    written = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert "REALDATA" not in out.read_text(encoding="utf-8")
    assert set(written) >= {"crawl", "crop", "mining", "export", "train", "evaluate"}


def test_copy_project_skips_outputs(tmp_path):
    source = tmp_path / "src"
    (source / "pipeline").mkdir(parents=True)
    (source / "pipeline" / "a.py").write_text("x = 1\n")
    (source / "data").mkdir()
    (source / "data" / "big.parquet").write_text("not copied")
    (source / ".venv").mkdir()
    (source / "dvc.yaml").write_text("stages: {}\n")

    profile.copy_project(tmp_path / "dst", source=source)

    assert (tmp_path / "dst" / "pipeline" / "a.py").read_text() == "x = 1\n"
    assert (tmp_path / "dst" / "dvc.yaml").is_file()
    assert not (tmp_path / "dst" / "data").exists()
    assert not (tmp_path / "dst" / ".venv").exists()
