"""Crawl stage entry point: ``python -m pipeline.crawl [--params params.yaml]``."""

from __future__ import annotations

import argparse

from pipeline.common.logs import setup_logging
from pipeline.common.params import DEFAULT_PARAMS_PATH, load_params
from pipeline.crawl.stage import DEFAULT_METRICS_PATH, run_crawl


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.crawl",
        description="Fetch photos and pre-cropped glyphs from every crawl.sources entry into "
        "parquet shards (crawl.output_dir), deduplicated by SHA-256.",
    )
    parser.add_argument(
        "--params", default=str(DEFAULT_PARAMS_PATH), help="params file (default: %(default)s)"
    )
    parser.add_argument(
        "--metrics",
        default=DEFAULT_METRICS_PATH,
        help="metrics JSON to write (default: %(default)s)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    setup_logging()
    params = load_params(args.params)
    crawl = {**(params.get("common") or {}), **(params.get("crawl") or {})}
    run_crawl(crawl, params.get("synth") or {}, args.metrics)


if __name__ == "__main__":
    main()
