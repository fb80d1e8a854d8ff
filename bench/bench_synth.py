"""Measure synthetic glyph rendering speed on one core: glyphs per second, cold and warm.

Usage: python bench/bench_synth.py [--params params.yaml] [--instances 24] [--repeats 3]
                                   [--out FILE.json]

It renders the charsets of every synthetic source in params.yaml (the default crawl) with the
params ``synth`` section. The cold pass includes reading every font's cmap and decoding the
background photos. The warm passes reuse those caches, as the rest of a long crawl does.
OpenCV is limited to one thread, and rates are also given per CPU second of this process, so
that the per-core figure holds on a machine shared with other jobs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.common.charsets import load_charset  # noqa: E402
from pipeline.common.params import load_params  # noqa: E402
from pipeline.synth import render_glyphs  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--params", default="params.yaml", help="params file (default: %(default)s)"
    )
    parser.add_argument("--instances", type=int, default=24, help="glyphs per character")
    parser.add_argument("--repeats", type=int, default=3, help="warm passes after the cold one")
    parser.add_argument("--out", type=Path, help="also write the results to this JSON file")
    return parser.parse_args(argv)


def timed_pass(chars: str, instances: int, synth: dict, seed: int) -> tuple[int, float, float]:
    """Render every glyph once and return (glyph count, wall seconds, CPU seconds)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    count = sum(1 for _ in render_glyphs(chars, instances, synth, seed))
    return count, time.perf_counter() - start, time.process_time() - start_cpu


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    cv2.setNumThreads(1)
    params = load_params(args.params)
    specs = [s["charset"] for s in params["crawl"]["sources"] if s["type"] == "synthetic"]
    chars = "".join(dict.fromkeys("".join(load_charset(spec) for spec in specs)))

    cold_count, cold_seconds, cold_cpu = timed_pass(chars, args.instances, params["synth"], 0)
    warm = [timed_pass(chars, args.instances, params["synth"], 1 + i) for i in range(args.repeats)]
    warm_count = sum(count for count, _, _ in warm)
    warm_seconds = sum(seconds for _, seconds, _ in warm)
    warm_cpu = sum(cpu for _, _, cpu in warm)

    results = {
        "characters": len(chars),
        "instances_per_char": args.instances,
        "glyphs_per_pass": cold_count,
        "cold_seconds": round(cold_seconds, 2),
        "cold_cpu_seconds": round(cold_cpu, 2),
        "cold_glyphs_per_second": round(cold_count / cold_seconds, 1),
        "cold_glyphs_per_cpu_second": round(cold_count / cold_cpu, 1),
        "warm_glyphs_per_second": round(warm_count / warm_seconds, 1),
        "warm_glyphs_per_cpu_second": round(warm_count / warm_cpu, 1),
        "image_size": params["synth"]["image_size"],
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    print(json.dumps(results, indent=2))
    print(
        f"| {len(chars)} chars x {args.instances} | {cold_count} | {cold_seconds:.1f} s "
        f"({cold_cpu:.1f} s CPU) | {results['cold_glyphs_per_cpu_second']} | "
        f"{results['warm_glyphs_per_cpu_second']} | {results['warm_glyphs_per_second']} |"
    )
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
