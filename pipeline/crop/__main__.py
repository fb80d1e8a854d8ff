"""Command line of the crop stage: ``python -m pipeline.crop [--params params.yaml]``."""

from __future__ import annotations

import argparse
import logging
import sys

from pipeline.common.logs import setup_logging
from pipeline.common.params import DEFAULT_PARAMS_PATH, ParamsError, load_params
from pipeline.crop.config import CropConfig
from pipeline.crop.engines import EngineError
from pipeline.crop.stage import CrawlInputError, run

logger = logging.getLogger("pipeline.crop")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.crop",
        description="Cut single-glyph crops out of the crawl shards (OCR or annotation boxes) "
        "and write data/crops shards plus metrics/crop.json.",
    )
    parser.add_argument(
        "--params", default=str(DEFAULT_PARAMS_PATH), help="params file (default: params.yaml)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_logging()
    try:
        # Only the crop section is read: the stage uses no key of ``common``.
        config = CropConfig.from_params(load_params(args.params).get("crop") or {})
        run(config)
    except (ParamsError, EngineError, FileNotFoundError, CrawlInputError) as error:
        logger.error("%s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
