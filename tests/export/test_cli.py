"""Command-line entry points: export --help, the Hub push offline, and the stats command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.export import __main__ as export_main
from pipeline.export import stats
from pipeline.export.hub import PushError, push_to_hub
from pipeline.export.stage import run_export


def test_help_lists_options(repo_root):
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.export", "--help"],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--params" in result.stdout
    assert "--push-to-hub REPO_ID" in result.stdout


def test_push_dataset_from_repo_name(capsys):
    args = export_main.parse_args(["--push-to-hub", "me/rcc-fgvc"])
    assert args.dataset == Path("rcc-fgvc")
    with pytest.raises(SystemExit):
        export_main.parse_args(["--push-to-hub", "me/glyphs"])
    assert "cannot tell which dataset to push to me/glyphs" in capsys.readouterr().err


def test_push_rejects_non_export(tmp_path):
    with pytest.raises(PushError, match=r"is not an exported dataset \(no README.md\)"):
        push_to_hub(tmp_path, "me/rcc-fgvc")


def test_push_offline_fails_clearly(export_inputs, monkeypatch, caplog):
    run_export(export_inputs)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    dataset = export_inputs["output_dirs"]["latin"]
    with pytest.raises(PushError, match=r"offline mode is on \(HF_HUB_OFFLINE=1\)"):
        push_to_hub(Path(dataset), "me/el-fgvc", token="hf_test")
    assert export_main.main(["--push-to-hub", "me/el-fgvc", "--dataset", dataset]) == 1
    assert "offline mode is on" in caplog.text


def test_stats_prints_counts(export_inputs, capsys):
    run_export(export_inputs)
    status = stats.main([export_inputs["output_dirs"]["latin"], "missing-dataset"])
    output = capsys.readouterr()
    assert status == 1
    assert "## per split" in output.out
    assert "## per group" in output.out
    assert re.search(r"latin-0001\s+0OQ\s+\d+", output.out)
    assert "chars74k" in output.out
    assert "missing-dataset/README.md not found" in output.err
    status_table = output.out.split("## per label status\n")[1].split("\n\n")[0].splitlines()
    # The header names the splits in order above their counts.
    assert status_table[0].split() == ["train", "validation", "test"]
    assert status_table[1].split() == ["label_status"]
    assert status_table[2].split()[0] == "annotation"


def test_stats_counts_match_metrics(export_inputs):
    metrics = run_export(export_inputs)
    rows = stats.read_config(Path(export_inputs["output_dirs"]["han"]))
    tables = stats.summarise(rows)
    expected = metrics["datasets"]["rcc-fgvc"]["rows"]["default"]
    assert tables["per split"]["crops"].to_dict() == expected


def test_stats_names_missing_shard(export_inputs, capsys):
    run_export(export_inputs)
    latin = Path(export_inputs["output_dirs"]["latin"])
    shard = next((latin / "data" / "default").glob("test-*.parquet"))
    shard.unlink()
    assert stats.main([str(latin)]) == 1
    error = capsys.readouterr().err
    assert f"shard not found: {shard}" in error
    assert "dvc checkout" in error
