"""Atomic writes: nothing half-written replaces a good file, and modes follow the umask."""

from __future__ import annotations

import os
import stat

import pytest

from pipeline.common.io import atomic_directory, current_umask, write_text_atomic


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_current_umask_reads_without_changing(umask_022):
    assert current_umask() == 0o022
    assert current_umask() == 0o022


def test_atomic_file_gets_umask_mode(tmp_path, umask_022):
    path = tmp_path / "overrides.tsv"
    write_text_atomic(path, "a\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_atomic_directory_gets_umask_mode(tmp_path, umask_022):
    with atomic_directory(tmp_path / "el-fgvc") as staging:
        (staging / "README.md").write_text("card")
    assert stat.S_IMODE((tmp_path / "el-fgvc").stat().st_mode) == 0o755


def test_interrupted_directory_write_leaves_nothing(tmp_path):
    path = tmp_path / "metrics.json"
    write_text_atomic(path, "old")
    with pytest.raises(RuntimeError), atomic_directory(tmp_path / "ds") as staging:
        (staging / "part.parquet").write_text("half")
        raise RuntimeError("interrupted")
    assert path.read_text() == "old"
    assert not (tmp_path / "ds").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]
