"""Turn a kNN graph into groups of resembling characters under a threshold and a size cap."""

# ruff: noqa: E741 (D, I are FAISS's names for distances and ids)
from __future__ import annotations

import itertools
import logging

import numpy as np

logger = logging.getLogger(__name__)

Edge = tuple[int, int, float]


def knn_edges(D: np.ndarray, I: np.ndarray, threshold: float, mutual: bool) -> list[Edge]:
    """Return undirected edges (i, j, similarity) of the kNN graph at or above ``threshold``.

    ``D`` and ``I`` are FAISS results of every vector queried against the same set, so row ``i``
    lists the neighbours of vector ``i``. Self matches and FAISS's -1 padding are ignored. With
    ``mutual``, an edge needs each end in the other's neighbour list, which drops hub
    characters that are everyone's neighbour but resemble none in particular.
    """
    if D.shape != I.shape:
        raise ValueError(f"expected D and I of equal shape (n, k), got {D.shape} and {I.shape}")
    neighbours = [set(row[row >= 0].tolist()) for row in I]
    edges: dict[tuple[int, int], float] = {}
    for i, (scores, ids) in enumerate(zip(D, I, strict=True)):
        for score, j in zip(scores.tolist(), ids.tolist(), strict=True):
            if j < 0 or j == i or score < threshold:
                continue
            if mutual and i not in neighbours[j]:
                continue
            key = (min(i, j), max(i, j))
            edges[key] = max(score, edges.get(key, -np.inf))
    return [(i, j, s) for (i, j), s in edges.items()]


class _DisjointSets:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int, max_size: int | None) -> bool:
        a, b = self.find(a), self.find(b)
        if a == b:
            return True
        if max_size is not None and self.size[a] + self.size[b] > max_size:
            return False
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]
        return True


def capped_components(n: int, edges: list[Edge], max_size: int) -> list[list[int]]:
    """Return connected components of size >= 2, merging edges strongest first under a size cap.

    A merge that would exceed ``max_size`` is skipped. This is single linkage with the
    threshold raised locally: a dense cluster breaks at its weakest links into pieces of at most
    ``max_size`` members, while sparse regions keep every edge above the global threshold.
    """
    if max_size < 2:
        raise ValueError(f"max_group_size must be >= 2, got {max_size}")
    sets = _DisjointSets(n)
    skipped = 0
    for i, j, _ in sorted(edges, key=lambda e: (-e[2], e[0], e[1])):
        if not sets.union(i, j, max_size):
            skipped += 1
    if skipped:
        logger.info("size cap of %d members dropped %d weaker edges", max_size, skipped)
    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(sets.find(i), []).append(i)
    return [m for m in members.values() if len(m) >= 2]


def merge_curated(
    components: list[list[str]], curated: list[str]
) -> tuple[list[list[str]], set[frozenset[str]]]:
    """Union mined groups with curated look-alike strings (each string is one group).

    A curated group merges every mined group it shares a character with, so curated groups
    ignore the size cap. Returns the merged groups and the member sets that a curated string
    touched, to flag them in the output.
    """
    groups = [set(c) for c in components]
    touched: list[set[str]] = []
    for text in curated:
        chars = set(dict.fromkeys(text))
        if len(chars) < 2:
            logger.warning("curated group %r has fewer than 2 characters; ignored", text)
            continue
        overlapping = [g for g in groups if g & chars]
        merged = chars.union(*overlapping)
        groups = [g for g in groups if not (g & chars)] + [merged]
        touched = [t for t in touched if not (t & merged)] + [merged]
    return [sorted(g) for g in groups], {frozenset(t) for t in touched}


def pairwise_scores(members: list[str], rows: dict[str, np.ndarray]) -> list[list]:
    """Return ``[a, b, cosine]`` for every member pair that both have an embedding row."""
    scores = []
    for a, b in itertools.combinations(members, 2):
        if a in rows and b in rows:
            scores.append([a, b, round(float(rows[a] @ rows[b]), 4)])
    return scores
