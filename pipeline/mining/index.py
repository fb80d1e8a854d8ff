"""Build FAISS inner-product indexes (exact or approximate by size) and measure their recall."""

from __future__ import annotations

import logging
import time

import faiss
import numpy as np

from pipeline.mining.vectors import as_faiss_matrix

logger = logging.getLogger(__name__)

INDEX_KINDS = ("auto", "flat", "ivf", "hnsw")


def build_index(
    xb: np.ndarray,
    kind: str = "auto",
    exact_below: int = 50_000,
    nlist: int = 1024,
    nprobe: int = 16,
    hnsw_m: int = 32,
    ef_search: int = 64,
    seed: int = 0,
    train_per_list: int = 64,
) -> faiss.Index:
    """Build an inner-product index over L2-normalised rows of ``xb`` and add them.

    ``auto`` picks exact ``IndexFlatIP`` below ``exact_below`` vectors and IVF above. IVF uses
    at most ``n // 39`` lists because FAISS warns below 39 training points per list, and its
    ``nprobe`` is set here because FAISS's default of 1 loses most neighbours. k-means trains
    on a random sample of ``train_per_list`` vectors per list, because training on all of
    several hundred thousand vectors costs more than the search it speeds up.
    """
    xb = as_faiss_matrix(xb, "xb")
    n, d = xb.shape
    if kind not in INDEX_KINDS:
        raise ValueError(f"unknown index kind '{kind}'; expected one of {', '.join(INDEX_KINDS)}")
    if kind == "auto":
        kind = "flat" if n < exact_below else "ivf"
    started = time.perf_counter()
    if kind == "flat":
        index = faiss.IndexFlatIP(d)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(d, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = ef_search
    else:
        lists = max(1, min(nlist, n // 39))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, lists, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = seed
        sample = min(n, max(39, train_per_list) * lists)
        rows = np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))
        index.train(xb[rows])
        index.nprobe = min(nprobe, lists)
    index.add(xb)
    logger.info(
        "built %s index over %d x %d vectors in %.1f s", kind, n, d, time.perf_counter() - started
    )
    return index


def search(index: faiss.Index, xq: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (D, I) of the ``k`` nearest rows for each query, checking the query shape first."""
    xq = as_faiss_matrix(xq, "xq", dim=index.d)
    k = min(k, index.ntotal)
    return index.search(xq, k)


def exact_knn_blocked(
    xb: np.ndarray, xq: np.ndarray, k: int, block: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return exact inner-product (D, I) with plain numpy, one block of queries at a time.

    This is the baseline the FAISS indexes are timed against. By default a block holds as many
    queries as keep its score matrix near 256 MiB (``block * n`` float32 scores).
    """
    xb = as_faiss_matrix(xb, "xb")
    xq = as_faiss_matrix(xq, "xq", dim=xb.shape[1])
    k = min(k, xb.shape[0])
    if block is None:
        block = max(1, min(4096, (256 << 20) // (4 * xb.shape[0])))
    distances = np.empty((xq.shape[0], k), np.float32)
    labels = np.empty((xq.shape[0], k), np.int64)
    for start in range(0, xq.shape[0], block):
        scores = xq[start : start + block] @ xb.T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        top_scores = np.take_along_axis(scores, top, axis=1)
        order = np.argsort(-top_scores, axis=1, kind="stable")
        labels[start : start + block] = np.take_along_axis(top, order, axis=1)
        distances[start : start + block] = np.take_along_axis(top_scores, order, axis=1)
    return distances, labels


def knn_recall(approx: np.ndarray, exact: np.ndarray) -> float:
    """Return the share of exact k-nearest-neighbour ids that the approximate search also found."""
    if approx.shape != exact.shape:
        raise ValueError(
            f"expected equal (nq, k) id matrices, got {approx.shape} and {exact.shape}"
        )
    found = sum(len(set(a) & set(e)) for a, e in zip(approx.tolist(), exact.tolist(), strict=True))
    return found / exact.size if exact.size else 1.0
