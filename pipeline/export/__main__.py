"""Export the RCC-FGVC and EL-FGVC datasets, or push an exported one to the Hugging Face Hub."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pipeline.common.logs import setup_logging
from pipeline.common.params import DEFAULT_PARAMS_PATH, ParamsError, load_params, load_section
from pipeline.export.hub import PushError, push_to_hub
from pipeline.export.overrides import OverridesError
from pipeline.export.stage import EmptyExportError, run_export

logger = logging.getLogger("pipeline.export")
DATASET_DIRS = ("rcc-fgvc", "el-fgvc")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.export",
        description="Assemble look-alike glyph datasets from crops, mined groups and labeling "
        "decisions, and write them as Hugging Face parquet datasets.",
    )
    parser.add_argument(
        "--params",
        type=Path,
        default=DEFAULT_PARAMS_PATH,
        help="params file (default: params.yaml)",
    )
    parser.add_argument(
        "--push-to-hub",
        metavar="REPO_ID",
        help="upload an already exported dataset to this Hub dataset repository instead of exporting",
    )
    parser.add_argument(
        "--dataset",
        type=Path,
        metavar="DIR",
        help="exported dataset directory to push (default: the repository name when it is "
        "rcc-fgvc or el-fgvc)",
    )
    args = parser.parse_args(argv)
    if args.push_to_hub and args.dataset is None:
        name = args.push_to_hub.rsplit("/", 1)[-1]
        if name not in DATASET_DIRS:
            parser.error(
                f"cannot tell which dataset to push to {args.push_to_hub}; "
                "add --dataset DIR (for example --dataset rcc-fgvc)"
            )
        args.dataset = Path(name)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_logging()
    if args.push_to_hub:
        try:
            push_to_hub(args.dataset, args.push_to_hub)
        except PushError as error:
            logger.error("%s", error)
            return 1
        return 0
    params = load_section("export", args.params)
    synth_params = load_params(args.params).get("synth") or {}
    try:
        run_export(params, synth_params)
    except ParamsError as error:
        logger.error("%s (in %s)", error, args.params)
        return 1
    except EmptyExportError as error:
        logger.error("%s", error)
        return 1
    except OverridesError as error:
        # Under `dvc repro` the previous datasets were already removed from the working tree,
        # but DVC's cache still has them.
        logger.error(
            "%s. Fix or delete that line and run `dvc repro` again; until then "
            "`dvc checkout` restores the previous datasets",
            str(error).rstrip("."),
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
