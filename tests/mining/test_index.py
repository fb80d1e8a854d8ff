"""FAISS index construction and recall against exact search."""

# ruff: noqa: E741 (D, I are FAISS's names for distances and ids)
import numpy as np
import pytest

from pipeline.mining.index import build_index, exact_knn_blocked, knn_recall, search
from pipeline.mining.stage import neighbours
from pipeline.mining.vectors import l2_normalize


@pytest.fixture(scope="module")
def clustered() -> np.ndarray:
    """Return 6,000 unit vectors in 64-D drawn around 60 centres, like glyphs around shapes."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(60, 64))
    x = centres[rng.integers(0, 60, 6000)] + 0.5 * rng.normal(size=(6000, 64))
    return l2_normalize(x.astype(np.float32))


def test_blocked_numpy_matches_flat_index(clustered):
    flat = build_index(clustered, kind="flat")
    D, I = search(flat, clustered[:300], 10)
    D_np, I_np = exact_knn_blocked(clustered, clustered[:300], 10, block=128)
    assert knn_recall(I_np, I) > 0.999
    np.testing.assert_allclose(D_np, D, atol=1e-5)


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_approximate_index_recall(clustered, kind):
    index = build_index(clustered, kind=kind, nlist=64, nprobe=8, ef_search=64)
    _, I = search(index, clustered[:500], 10)
    _, exact = exact_knn_blocked(clustered, clustered[:500], 10)
    # Tolerance: with nprobe 8 of 64 lists (or efSearch 64) at least 90% of true neighbours return.
    assert knn_recall(I, exact) >= 0.9


def test_auto_picks_flat_below_threshold(clustered):
    assert type(build_index(clustered, exact_below=10_000)).__name__ == "IndexFlatIP"
    index = build_index(clustered, exact_below=1000, nlist=32, nprobe=4)
    assert type(index).__name__ == "IndexIVFFlat"
    assert index.nprobe == 4


def test_ivf_lists_capped_by_training_size():
    x = l2_normalize(np.random.default_rng(1).normal(size=(400, 16)).astype(np.float32))
    index = build_index(x, kind="ivf", nlist=1024, nprobe=64)
    assert index.nlist == 400 // 39
    assert index.nprobe == index.nlist


def test_query_with_wrong_dim_rejected(clustered):
    index = build_index(clustered, kind="flat")
    with pytest.raises(ValueError, match=r"xq: expected shape \(n, 64\) to match the index"):
        search(index, np.ones((2, 32), np.float32), 5)


def test_one_dimensional_vectors_rejected():
    with pytest.raises(ValueError, match=r"xb: expected a 2-D matrix of shape \(n, d\)"):
        build_index(np.ones(8, np.float32))


def test_unknown_kind_rejected(clustered):
    with pytest.raises(ValueError, match="unknown index kind 'lsh'"):
        build_index(clustered, kind="lsh")


def test_float64_input_converted(clustered):
    index = build_index(clustered.astype(np.float64), kind="flat")
    D, I = search(index, clustered[:1].astype(np.float64), 1)
    assert I[0, 0] == 0
    assert D.dtype == np.float32


def test_stage_reports_approximate_recall(clustered):
    params = {"index": {"kind": "ivf", "nlist": 64, "nprobe": 8}}
    D, I, info = neighbours(clustered, params, k=10)
    assert I.shape == (len(clustered), 11)
    assert info["index"] == "IndexIVFFlat"
    assert info["recall@11_vs_exact"] >= 0.9
