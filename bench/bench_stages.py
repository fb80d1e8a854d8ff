"""Time every DVC stage of a project directory, one `dvc repro --single-item --force` at a time.

Usage: python bench/bench_stages.py [--project DIR] [--out FILE.json]

Run it after a first `dvc repro`, so that each stage's inputs exist. It re-runs every stage in DAG
order and records wall-clock seconds per stage for the stage-timing tables in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import yaml


def stage_names(project: Path) -> list[str]:
    """Return the stage names in dvc.yaml order (which is DAG order here), foreach stages expanded."""
    stages = yaml.safe_load((project / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
    names = []
    for name, stage in stages.items():
        if "foreach" in stage:
            section, key = stage["foreach"].strip("${}").split(".")
            names.extend(f"{name}@{item}" for item in params[section][key])
        else:
            names.append(name)
    return names


def time_stage(project: Path, stage: str) -> float:
    dvc = str(Path(sys.executable).with_name("dvc"))
    env = {
        **os.environ,
        "GLYPH_PROGRESS": "0",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    start = time.perf_counter()
    subprocess.run(
        [dvc, "repro", "--single-item", "--force", stage],
        cwd=project,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=Path("."), help="DVC project directory")
    parser.add_argument("--out", type=Path, default=None, help="write the timings as JSON here")
    args = parser.parse_args()

    timings = {
        stage: round(time_stage(args.project, stage), 1) for stage in stage_names(args.project)
    }
    report = {
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "seconds": timings,
        "total_seconds": round(sum(timings.values()), 1),
    }
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
