"""Command-line tests: export-overrides, and start-up errors reported before serving."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from labeling_ui.__main__ import resolve_overrides_path
from labeling_ui.store import LabelStore
from pipeline.common.params import DEFAULT_PARAMS_PATH, ParamsError

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "labeling_ui", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin", "GLYPH_PROGRESS": "0"},
    )


def test_help_lists_options() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    options = ("--data", "--db", "--host", "--port", "--token", "--overrides", "--params")
    for option in (*options, "--predictions", "--model-min-score"):
        assert option in result.stdout
    result = run_cli("export-overrides", "--help")
    assert result.returncode == 0
    assert "--out" in result.stdout


def test_export_overrides_command(tmp_path: Path) -> None:
    db = tmp_path / "labels.db"
    store = LabelStore(db)
    store.record(
        "alice", "relabel", {"abcdef0123456789": 0}, {"abcdef0123456789": "O"}, new_label="0"
    )
    out = tmp_path / "out" / "overrides.tsv"
    result = run_cli("export-overrides", "--db", str(db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (result.stdout + result.stderr).count("wrote 1 overrides") == 1
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "target\taction\tvalue\tannotator\ttimestamp\treason"
    assert lines[1].split("\t")[:4] == ["abcdef0123456789", "relabel", "0", "alice"]


def test_export_missing_database(tmp_path: Path) -> None:
    result = run_cli(
        "export-overrides", "--db", str(tmp_path / "nope.db"), "--out", str(tmp_path / "o.tsv")
    )
    assert result.returncode == 1
    assert "label database not found" in result.stderr
    assert not (tmp_path / "nope.db").exists()


def test_missing_dataset_dir(tmp_path: Path) -> None:
    result = run_cli("--data", str(tmp_path / "rcc-fgvc"), "--db", str(tmp_path / "labels.db"))
    assert result.returncode == 1
    assert f"dataset directory not found: {tmp_path / 'rcc-fgvc'}" in result.stderr


def test_corrupted_database_not_overwritten(dataset_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "labels.db"
    db.write_bytes(b"\x00garbage" * 100)
    result = run_cli("--data", str(dataset_dir), "--db", str(db))
    assert result.returncode == 1
    assert f"label database {db} is not an SQLite database" in result.stderr
    assert db.read_bytes() == b"\x00garbage" * 100


def test_public_host_needs_token(dataset_dir: Path, tmp_path: Path) -> None:
    result = run_cli(
        "--data", str(dataset_dir), "--db", str(tmp_path / "labels.db"), "--host", "0.0.0.0"
    )
    assert result.returncode == 2
    assert "binding to 0.0.0.0 exposes the server beyond this machine" in result.stderr
    assert not (tmp_path / "labels.db").exists()


def test_overrides_path_from_params(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    params = tmp_path / "params.yaml"
    params.write_text("export:\n  overrides_path: decisions/overrides.tsv\n", encoding="utf-8")
    assert resolve_overrides_path(Path("x.tsv"), params) == Path("x.tsv")
    assert resolve_overrides_path(None, params) == Path("decisions/overrides.tsv")
    with pytest.raises(ParamsError, match="params file not found"):
        resolve_overrides_path(None, tmp_path / "missing.yaml")
    monkeypatch.chdir(tmp_path / "..")
    assert resolve_overrides_path(None, DEFAULT_PARAMS_PATH) == Path("labels/overrides.tsv")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "99999"], "argument --port: must be between 0 and 65535, got 99999"),
        (["--port", "-1"], "argument --port: must be between 0 and 65535, got -1"),
        (["--port", "http"], "argument --port: must be an integer port number, got 'http'"),
        (["--model-min-score", "1.5"], "argument --model-min-score: must be between 0 and 1"),
        (["--model-min-score", "high"], "argument --model-min-score: must be a number"),
    ],
)
def test_invalid_option_values(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli("--data", str(tmp_path), "--db", str(tmp_path / "labels.db"), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "pydantic" not in result.stderr
    assert not (tmp_path / "labels.db").exists()


def test_missing_explicit_predictions(dataset_dir: Path, tmp_path: Path) -> None:
    missing = tmp_path / "predictions" / "typo.parquet"
    result = run_cli(
        "--data", str(dataset_dir), "--db", str(tmp_path / "l.db"), "--predictions", str(missing)
    )
    assert result.returncode == 1
    assert f"predictions file not found: {missing}" in result.stderr
    assert "Traceback" not in result.stderr


def test_predictions_not_parquet(dataset_dir: Path, tmp_path: Path) -> None:
    text_file = tmp_path / "predictions.parquet"
    text_file.write_text("crop_id,predicted,score\n", encoding="utf-8")
    result = run_cli(
        "--data", str(dataset_dir), "--db", str(tmp_path / "l.db"), "--predictions", str(text_file)
    )
    assert result.returncode == 1
    assert f"predictions file {text_file} is not a readable parquet file" in result.stderr
    assert "Traceback" not in result.stderr


def test_port_zero_logs_bound_port(dataset_dir: Path, tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "labeling_ui", "--data", str(dataset_dir), "--port", "0"]
        + ["--db", str(tmp_path / "labels.db")],
        cwd=REPO_ROOT,
        stderr=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin", "GLYPH_PROGRESS": "0"},
    )
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            lines.append(line)
            match = re.search(r"serving el-fgvc on http://127\.0\.0\.1:(\d+)/", line)
            if match or not line:
                break
        assert match, "".join(lines)
        port = int(match.group(1))
        assert port != 0
        response = None
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/dataset", timeout=5)
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert response is not None and response.json()["name"] == "el-fgvc"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_port_in_use(dataset_dir: Path, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(
            "--data", str(dataset_dir), "--db", str(tmp_path / "l.db"), "--port", str(port)
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1 port {port}" in result.stderr
    assert "Traceback" not in result.stderr
