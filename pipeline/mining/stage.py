"""Run the mining stage: embed candidate glyphs, search neighbours, build groups, evaluate."""

# ruff: noqa: E741 (D, I are FAISS's names for distances and ids)
from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from pipeline.common.fonts import list_faces
from pipeline.common.io import write_json
from pipeline.common.logs import SkipCounter
from pipeline.mining.candidates import candidate_chars, preferred_faces
from pipeline.mining.gallery import gallery_image, write_gallery
from pipeline.mining.glyphs import render_all
from pipeline.mining.groups import capped_components, knn_edges, merge_curated, pairwise_scores
from pipeline.mining.index import build_index, knn_recall, search
from pipeline.mining.ncd import glyph_bytes, rerank
from pipeline.mining.report import (
    evaluate_groups,
    evaluate_ranking,
    load_references,
    ranking_from_knn,
)
from pipeline.mining.shape_score import load_features, shape_ranking
from pipeline.mining.sources import compute_source

logger = logging.getLogger(__name__)

# Queries used to measure an approximate index against exact search.
RECALL_SAMPLE = 2000


def neighbours(x: np.ndarray, params: dict, k: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """Search the ``k`` nearest neighbours of every row and report the approximate-index recall."""
    config = params.get("index") or {}
    index = build_index(
        x,
        kind=config.get("kind", "auto"),
        exact_below=int(config.get("exact_below", 50_000)),
        nlist=int(config.get("nlist", 1024)),
        nprobe=int(config.get("nprobe", 16)),
        hnsw_m=int(config.get("hnsw_m", 32)),
        ef_search=int(config.get("ef_search", 64)),
        seed=int(params.get("seed", 0)),
    )
    D, I = search(index, x, k + 1)
    info = {"index": type(index).__name__, "vectors": int(x.shape[0]), "dim": int(x.shape[1])}
    if type(index).__name__ != "IndexFlatIP":
        sample = np.random.default_rng(0).choice(len(x), min(RECALL_SAMPLE, len(x)), replace=False)
        exact = build_index(x, kind="flat")
        _, exact_ids = search(exact, x[sample], k + 1)
        info[f"recall@{k + 1}_vs_exact"] = round(knn_recall(I[sample], exact_ids), 4)
    return D, I, info


def script_threshold(params: dict, script: str) -> float:
    """Return the edge threshold of a script: ``threshold`` is one number or a per-script mapping."""
    thresholds = params.get("threshold", 0.8)
    if isinstance(thresholds, dict):
        if script not in thresholds:
            raise ValueError(f"mining.threshold has no entry for script '{script}'; add one")
        return float(thresholds[script])
    return float(thresholds)


def mine_groups(
    chars: list[str], D: np.ndarray, I: np.ndarray, script: str, params: dict
) -> tuple[list[list[str]], set[frozenset[str]]]:
    """Build capped groups from the kNN graph and union them with the curated lists."""
    threshold = script_threshold(params, script)
    edges = knn_edges(D, I, threshold, bool(params.get("mutual", True)))
    components = capped_components(len(chars), edges, int(params.get("max_group_size", 8)))
    mined = [sorted(chars[i] for i in c) for c in components]
    curated = (params.get("curated") or {}).get(script) or []
    return merge_curated(mined, curated)


def rerank_ranking(
    chars: list[str],
    D: np.ndarray,
    I: np.ndarray,
    renderings: dict[str, list[np.ndarray]],
    config: dict,
) -> dict[str, list[str]]:
    """Re-order each character's FAISS candidates by similarity minus weighted NCD."""
    images = {c: glyph_bytes(renderings[c][0]) for c in chars}
    ranking = {}
    for row, char in enumerate(chars):
        keep = [(j, s) for j, s in zip(I[row].tolist(), D[row].tolist(), strict=True) if j >= 0]
        keep = [(j, s) for j, s in keep if j != row]
        candidates = [chars[j] for j, _ in keep]
        order = rerank(
            images[char],
            [images[c] for c in candidates],
            np.array([s for _, s in keep]),
            float(config.get("weight", 0.5)),
            config.get("compressor", "zlib"),
        )
        ranking[char] = [candidates[p] for p in order]
    return ranking


def evaluate_script(
    script: str,
    chars: list[str],
    ranking: dict[str, list[str]],
    groups: list[list[str]],
    params: dict,
) -> tuple[dict, dict]:
    """Score the plain ranking and the groups (and char-similar's ranking, if configured)."""
    references = load_references(script, params.get("references") or {})
    ks = [int(k) for k in params.get("eval_k", [1, 5, 10])]
    report = {
        "ranking": evaluate_ranking(ranking, references, ks),
        "groups": evaluate_groups(groups, set(chars), references),
    }
    char_similar_dir = (params.get("references") or {}).get("char_similar_dir")
    if script == "han" and char_similar_dir:
        shape = shape_ranking(chars, load_features(char_similar_dir), max(ks))
        report["char_similar_ranking"] = evaluate_ranking(shape, references, ks)
    return report, references


def mine_source(
    script: str,
    src_chars: list[str],
    x: np.ndarray,
    renderings: dict[str, list[np.ndarray]],
    params: dict,
) -> tuple[dict, list[list[str]], set[frozenset[str]]]:
    """Search, group and evaluate one source's embeddings; return its report and groups."""
    k = int(params.get("k", 10))
    rerank_config = params.get("rerank") or {}
    search_k = max(k, int(rerank_config.get("candidates", 20)))
    D, I, info = neighbours(x, params, search_k)

    ranking = ranking_from_knn(src_chars, I, search_k)
    groups, curated = mine_groups(src_chars, D[:, : k + 1], I[:, : k + 1], script, params)
    report, references = evaluate_script(script, src_chars, ranking, groups, params)

    if rerank_config.get("enabled", False):
        reranked = rerank_ranking(src_chars, D, I, renderings, rerank_config)
        ks = [int(v) for v in params.get("eval_k", [1, 5, 10])]
        report["ncd_reranked_ranking"] = evaluate_ranking(reranked, references, ks)
    report.update(info, characters=len(src_chars), groups_count=len(groups))
    return report, groups, curated


def run_script(
    script: str, chars: list[str], faces: list, params: dict, skips: SkipCounter
) -> tuple[list[dict], dict, dict]:
    """Mine one script: render, embed from each source, search, group and evaluate.

    The groups come from the first listed source that yields at least two embeddings.
    """
    order = preferred_faces((params.get("fonts") or {}).get(script) or [], faces)
    max_faces = int(params.get("max_fonts_per_char", 5))
    renderings = render_all(chars, order, max_faces, int(params.get("glyph_size", 64)), skips)
    metrics: dict = {"candidates": len(chars), "rendered": len(renderings), "sources": {}}

    primary = None
    for source in params.get("embeddings") or ["pixel"]:
        started = time.perf_counter()
        src_chars, x = compute_source(source, renderings, params, skips)
        if len(src_chars) < 2:
            logger.warning(
                "%s: source %s has %d characters; skipped", script, source, len(src_chars)
            )
            continue
        report, groups, curated = mine_source(script, src_chars, x, renderings, params)
        report["seconds"] = round(time.perf_counter() - started, 2)
        metrics["sources"][source] = report
        if primary is None:
            primary = (src_chars, x, groups, curated)
        logger.info("%s/%s: %d characters, %d groups", script, source, len(src_chars), len(groups))

    if primary is None:
        return [], metrics, renderings
    return group_records(script, *primary), metrics, renderings


def group_records(
    script: str, chars: list[str], x: np.ndarray, groups: list[list[str]], curated: set
) -> list[dict]:
    """Return the groups.json records of one script, sorted by first member's code point."""
    rows = {c: x[i] for i, c in enumerate(chars)}
    records = []
    for members in sorted(groups, key=lambda g: [ord(c) for c in g]):
        members = sorted(members, key=ord)
        records.append(
            {
                "group_id": f"{script}-{len(records) + 1:04d}",
                "script": script,
                "members": members,
                "scores": pairwise_scores(members, rows),
                "curated": frozenset(members) in curated,
            }
        )
    return records


def run(params: dict) -> dict:
    """Mine every script, write groups.json, the gallery and the metrics, and return the metrics."""
    started = time.perf_counter()
    skips = SkipCounter(logger, "candidates")
    crops_dir = params.get("crops_dir")
    candidates = candidate_chars(params.get("candidates") or {}, crops_dir, skips)
    faces = list_faces()
    groups, metrics, renderings = [], {"scripts": {}}, {}
    for script, chars in candidates.items():
        records, script_metrics, script_renderings = run_script(script, chars, faces, params, skips)
        groups += records
        metrics["scripts"][script] = script_metrics
        renderings.update(script_renderings)
    output_dir = Path(params.get("output_dir", "data/mining"))
    write_json(output_dir / "groups.json", {"version": 1, "groups": groups})
    gallery = params.get("gallery") or {}
    image = gallery_image(
        _gallery_sample(groups),
        renderings,
        int(gallery.get("groups", 24)),
        int(gallery.get("fonts", 3)),
    )
    write_gallery(output_dir / "gallery.png", image)
    skips.log_summary()
    metrics.update(groups=len(groups), skipped=skips.as_dict())
    metrics["seconds"] = round(time.perf_counter() - started, 2)
    write_json(params.get("metrics_path", "metrics/mining.json"), metrics)
    logger.info("wrote %d groups to %s", len(groups), output_dir / "groups.json")
    return metrics


def _gallery_sample(groups: list[dict]) -> list[dict]:
    """Order groups strongest first (highest pair score) so the gallery shows the clearest ones."""

    def strength(group: dict) -> float:
        return max((s for _, _, s in group["scores"]), default=0.0)

    return sorted(groups, key=strength, reverse=True)
