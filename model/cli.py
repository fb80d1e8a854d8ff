"""Command-line options shared by the train and evaluate entry points."""

from __future__ import annotations

import argparse

from pipeline.common.params import DEFAULT_PARAMS_PATH


def positive_int(text: str) -> int:
    """Parse a command-line count that must be at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text}")
    return value


def dataset_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """Return a parser with the --dataset, --params and --data-dir options every model stage takes."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", required=True, help="dataset name, e.g. rcc-fgvc or el-fgvc")
    parser.add_argument(
        "--params", default=str(DEFAULT_PARAMS_PATH), help="params file (default: params.yaml)"
    )
    parser.add_argument(
        "--data-dir", help="dataset folder (default: the dataset name, relative to the cwd)"
    )
    return parser
