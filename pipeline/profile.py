"""Apply a parameter profile (``profiles/<name>.yaml``) over params.yaml, in place or in a scratch copy.

``python -m pipeline.profile apply real`` rewrites params.yaml with the profile overlaid, the same
way ``dvc exp run --set-param`` edits it. ``python -m pipeline.profile run real`` leaves the working
tree alone: it copies the tracked project into ``runs/real/``, applies the profile there and runs
``dvc repro`` in that copy, so the default outputs and the real-input outputs live side by side.

The literal prefix ``REALDATA`` in any string value of a profile is replaced by the real-data folder:
``$GLYPH_REALDATA`` if set, else ``../shared/realdata`` beside the repository.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from pipeline.common.io import write_text_atomic
from pipeline.common.logs import setup_logging
from pipeline.common.params import ParamsError, deep_merge, load_params

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
REALDATA_TOKEN = "REALDATA"
# Outputs and environments that a scratch copy must not inherit from the working tree.
COPY_EXCLUDES = {
    ".git",
    ".venv",
    "data",
    "models",
    "metrics",
    "plots",
    "rcc-fgvc",
    "el-fgvc",
    "runs",
    ".cache",
}


def realdata_dir() -> Path:
    """Return the real-data folder: $GLYPH_REALDATA or ../shared/realdata beside the repository."""
    return Path(
        os.environ.get("GLYPH_REALDATA", REPO_ROOT.parent / "shared" / "realdata")
    ).resolve()


def substitute_realdata(value: Any, root: Path) -> Any:
    """Replace the REALDATA prefix in every string of a nested params structure."""
    if isinstance(value, str) and REALDATA_TOKEN in value:
        return value.replace(REALDATA_TOKEN, str(root))
    if isinstance(value, dict):
        return {key: substitute_realdata(item, root) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute_realdata(item, root) for item in value]
    return value


def load_profile(name_or_path: str, profiles_dir: Path = REPO_ROOT / "profiles") -> dict[str, Any]:
    """Read a profile by name (profiles/<name>.yaml) or by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = profiles_dir / f"{name_or_path}.yaml"
    if not path.is_file():
        available = sorted(p.stem for p in profiles_dir.glob("*.yaml"))
        raise ParamsError(f"profile not found: {path}; available profiles: {available}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ParamsError(f"profile {path} must be a mapping of params sections")
    return data


def merged_params(
    params_path: Path, profiles: list[str], root: Path | None = None
) -> dict[str, Any]:
    """Return params.yaml with each profile overlaid in order and REALDATA substituted."""
    params = load_params(params_path)
    for profile in profiles:
        params = deep_merge(params, load_profile(profile))
    realdata = realdata_dir() if root is None else root
    if any(REALDATA_TOKEN in str(value) for value in params.values()) and not realdata.is_dir():
        raise ParamsError(
            f"the profile reads the real-data folder, but {realdata} does not exist; "
            "set GLYPH_REALDATA to its location"
        )
    return substitute_realdata(params, realdata)


def dump_params(params: dict[str, Any]) -> str:
    return yaml.safe_dump(params, allow_unicode=True, sort_keys=False, width=100)


def copy_project(destination: Path, source: Path = REPO_ROOT) -> None:
    """Copy the project's files (not its outputs, caches or venv) into ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    for item in sorted(source.iterdir()):
        if item.name in COPY_EXCLUDES or item.name.endswith(".egg-info"):
            continue
        target = destination / item.name
        if item.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "cache", "tmp", "*.db", "*.db-*")
            shutil.copytree(item, target, dirs_exist_ok=True, ignore=ignore)
        else:
            shutil.copy2(item, target)


def run_in_copy(workdir: Path, params: dict[str, Any], dvc_args: list[str]) -> int:
    """Write params into a scratch copy of the project and run ``dvc repro`` there."""
    copy_project(workdir)
    write_text_atomic(workdir / "params.yaml", dump_params(params))
    if not (workdir / ".git").exists():
        # DVC needs a git repository to track outputs; the copy gets its own.
        subprocess.run(["git", "init", "-q"], cwd=workdir, check=True)
    dvc = Path(sys.executable).with_name("dvc")
    command = [str(dvc), "repro", *dvc_args]
    logger.info("running %s in %s", " ".join(command), workdir)
    env = {**os.environ, "DVC_NO_ANALYTICS": "1", "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(command, cwd=workdir, env=env).returncode


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.profile", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    apply = sub.add_parser("apply", help="overlay profiles onto a params file in place")
    apply.add_argument(
        "profiles",
        nargs="+",
        help="profile names (profiles/<name>.yaml) or paths, applied in order",
    )
    apply.add_argument(
        "--params", type=Path, default=Path("params.yaml"), help="params file to read"
    )
    apply.add_argument("--out", type=Path, default=None, help="file to write (default: --params)")
    run = sub.add_parser(
        "run", help="run dvc repro with the profiles in a scratch copy of the project"
    )
    run.add_argument("profiles", nargs="+", help="profile names or paths, applied in order")
    run.add_argument("--params", type=Path, default=Path("params.yaml"), help="base params file")
    run.add_argument(
        "--workdir", type=Path, default=None, help="scratch copy (default: runs/<first profile>)"
    )
    run.add_argument("--dvc-args", default="", help="extra arguments for dvc repro, e.g. '--force'")
    return parser


def main(argv: list[str] | None = None) -> int:
    setup_logging()
    args = build_parser().parse_args(argv)
    try:
        params = merged_params(args.params, args.profiles)
    except ParamsError as error:
        logger.error("%s", error)
        return 2
    if args.command == "apply":
        out = args.out or args.params
        write_text_atomic(out, dump_params(params))
        logger.info("wrote %s with profiles %s", out, ", ".join(args.profiles))
        return 0
    workdir = args.workdir or REPO_ROOT / "runs" / Path(args.profiles[0]).stem
    return run_in_copy(workdir.resolve(), params, args.dvc_args.split())


if __name__ == "__main__":
    raise SystemExit(main())
