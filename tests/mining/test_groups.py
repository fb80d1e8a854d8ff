"""Group rules on hand-made similarity graphs: threshold, mutual neighbours, size cap, curation."""

# ruff: noqa: E741 (D, I are FAISS's names for distances and ids)
import numpy as np
import pytest

from pipeline.mining.groups import capped_components, knn_edges, merge_curated, pairwise_scores


def knn_of(similarity: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return FAISS-style (D, I) of the k nearest rows, self included, from a similarity matrix."""
    I = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(similarity, I, axis=1), I


def test_threshold_drops_weak_edges():
    similarity = np.array([[1.0, 0.9, 0.5], [0.9, 1.0, 0.4], [0.5, 0.4, 1.0]])
    D, I = knn_of(similarity, 3)
    assert knn_edges(D, I, threshold=0.8, mutual=False) == [(0, 1, 0.9)]
    assert len(knn_edges(D, I, threshold=0.45, mutual=False)) == 2


def test_mutual_rule_drops_one_sided_edges():
    # 2's nearest is 0, but 0's only neighbour (k=2 with self) is 1: the edge 0-2 is one-sided.
    similarity = np.array([[1.0, 0.95, 0.9], [0.95, 1.0, 0.1], [0.9, 0.1, 1.0]])
    D, I = knn_of(similarity, 2)
    assert sorted(knn_edges(D, I, threshold=0.5, mutual=False)) == [(0, 1, 0.95), (0, 2, 0.9)]
    assert knn_edges(D, I, threshold=0.5, mutual=True) == [(0, 1, 0.95)]


def test_faiss_padding_ignored():
    D = np.array([[1.0, 0.9], [1.0, -3.4e38]])
    I = np.array([[0, 1], [1, -1]])
    assert knn_edges(D, I, threshold=0.5, mutual=False) == [(0, 1, 0.9)]


def test_size_cap_splits_dense_cluster_at_weakest_edges():
    # A chain 0-1-2-3-4-5 whose middle link (2-3) is the weakest.
    edges = [(0, 1, 0.99), (1, 2, 0.98), (2, 3, 0.81), (3, 4, 0.97), (4, 5, 0.96)]
    assert capped_components(6, edges, max_size=6) == [[0, 1, 2, 3, 4, 5]]
    assert capped_components(6, edges, max_size=3) == [[0, 1, 2], [3, 4, 5]]


def test_size_cap_never_exceeded_on_clique():
    n = 50
    edges = [(i, j, 1.0 - 0.001 * (i + j)) for i in range(n) for j in range(i + 1, n)]
    groups = capped_components(n, edges, max_size=8)
    assert max(len(g) for g in groups) == 8
    assert sum(len(g) for g in groups) == n


def test_singletons_are_not_groups():
    assert capped_components(3, [], max_size=4) == []


def test_size_cap_below_two_rejected():
    with pytest.raises(ValueError, match="max_group_size must be >= 2, got 1"):
        capped_components(3, [], max_size=1)


def test_curated_group_merges_overlapping_mined_groups():
    groups, curated = merge_curated([["己", "已"], ["未", "末"]], ["巳己", "x"])
    assert sorted(groups) == [["己", "已", "巳"], ["未", "末"]]
    assert curated == {frozenset("己已巳")}


def test_pairwise_scores_skip_members_without_rows():
    rows = {"a": np.array([1.0, 0.0]), "b": np.array([0.6, 0.8])}
    assert pairwise_scores(["a", "b", "c"], rows) == [["a", "b", 0.6]]
