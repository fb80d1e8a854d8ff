"""Entry point: ``python -m pipeline.mining [--params params.yaml]``."""

from __future__ import annotations

import argparse
import logging

from pipeline.common.logs import setup_logging
from pipeline.common.params import load_section
from pipeline.mining.stage import run

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.mining",
        description="Mine groups of resembling characters from glyph embeddings with FAISS.",
    )
    parser.add_argument(
        "--params", default="params.yaml", help="params file whose 'mining' section is read"
    )
    args = parser.parse_args(argv)
    setup_logging()
    metrics = run(load_section("mining", args.params))
    logger.info("mining finished in %.1f s with %d groups", metrics["seconds"], metrics["groups"])


if __name__ == "__main__":
    main()
