"""Assign crops to splits so that no source photo and no near-duplicate crop spans two splits.

Sources are the nodes of a union-find. Two sources are joined when they share a near-duplicate
crop (perceptual hashes within ``phash_max_distance`` bits), so a photo re-posted under another
hash stays on one side. Each connected component then goes whole to one split, chosen greedily
to keep every class, real and synthetic crops apart, close to the target split fractions.
"""

from __future__ import annotations

import hashlib
import logging

import faiss
import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

SPLIT_NAMES = ("train", "validation", "test")


class UnionFind:
    """Disjoint sets over hashable items with path halving and union by size."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.size: dict[str, int] = {}

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        self.size.setdefault(item, 1)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        if (self.size[root_a], root_b) < (self.size[root_b], root_a):
            root_a, root_b = root_b, root_a
        self.parent[root_b] = root_a
        self.size[root_a] += self.size[root_b]


def phash_codes(phashes: pd.Series) -> np.ndarray:
    """Pack 16-hex-digit perceptual hashes into an (n, 8) uint8 array for FAISS binary search."""
    codes = np.array([bytes.fromhex(h) for h in phashes], dtype=object)
    if len(codes) == 0:
        return np.zeros((0, 8), dtype=np.uint8)
    return np.frombuffer(b"".join(codes), dtype=np.uint8).reshape(-1, 8)


def near_duplicate_pairs(phashes: pd.Series, max_distance: int) -> list[tuple[int, int]]:
    """Return index pairs (i < j) whose hashes differ in at most ``max_distance`` bits.

    Uses an exact FAISS binary index. Its range search keeps distances strictly below the
    radius, hence ``max_distance + 1``.
    """
    xb = phash_codes(phashes)
    if len(xb) < 2 or max_distance < 0:
        return []
    index = faiss.IndexBinaryFlat(64)
    index.add(xb)
    lims, _, neighbours = index.range_search(xb, max_distance + 1)
    pairs = []
    for i in range(len(xb)):
        for j in neighbours[lims[i] : lims[i + 1]]:
            if i < j:
                pairs.append((i, int(j)))
    return pairs


def source_components(crops: pd.DataFrame, max_distance: int) -> tuple[pd.Series, int]:
    """Return the component id of each crop and the number of near-duplicate links found."""
    union_find = UnionFind()
    sources = crops["source_sha256"].tolist()
    for source in sources:
        union_find.find(source)
    pairs = near_duplicate_pairs(crops["phash"], max_distance)
    for i, j in pairs:
        union_find.union(sources[i], sources[j])
    components = pd.Series([union_find.find(s) for s in sources], index=crops.index)
    return components, len(pairs)


def assign_splits(
    crops: pd.DataFrame, fractions: dict[str, float], max_distance: int, seed: int
) -> tuple[pd.Series, int]:
    """Return the split of each crop and the number of near-duplicate links between sources.

    Components are placed largest first. Each goes to the split that lacks the most of the
    component's strata relative to its target fraction, and ties go to the split that is least
    full. A stratum is a class, counted apart for real and synthetic crops, so the few real
    crops of a class are spread over the splits instead of following the many rendered ones.
    Equal-size components are ordered by a seeded hash, not by input order.
    """
    names = _check_fractions(fractions)
    targets = np.array([fractions[name] for name in names])
    capacity = targets * max(len(crops), 1)
    components, links = source_components(crops, max_distance)
    strata_ids, strata = pd.factorize(_strata(crops), sort=True)
    totals = np.bincount(strata_ids, minlength=len(strata)).astype(float)
    assigned = np.zeros((len(names), len(strata)))
    filled = np.zeros(len(names))
    split_of_component: dict[str, str] = {}
    for component, members in _ordered_components(strata_ids, components, seed):
        present, counts = np.unique(members, return_counts=True)
        shortfall = np.clip(targets[:, None] * totals[present] - assigned[:, present], 0, None)
        # Rounded so that equal shares compare equal despite floating-point noise.
        relative = np.round((shortfall @ counts) / targets, 6)
        chosen = max(
            range(len(names)), key=lambda i: (relative[i], -filled[i] / capacity[i], targets[i])
        )
        assigned[chosen, present] += counts
        filled[chosen] += counts.sum()
        split_of_component[component] = names[chosen]
    return components.map(split_of_component), links


def _strata(crops: pd.DataFrame) -> pd.Series:
    """Return the stratification key of each crop: its label, plus whether it is synthetic."""
    synthetic = crops["synthetic"].astype(bool) if "synthetic" in crops else False
    return crops["label"].astype(str) + np.where(synthetic, " synthetic", " real")


def _check_fractions(fractions: dict[str, float]) -> list[str]:
    unknown = sorted(set(fractions) - set(SPLIT_NAMES))
    if unknown or not fractions:
        raise ValueError(
            f"export.splits has unknown split names {unknown}; expected a subset of {SPLIT_NAMES}"
        )
    total = sum(fractions.values())
    if any(f < 0 for f in fractions.values()) or abs(total - 1.0) > 1e-6:
        raise ValueError(f"export.splits fractions must be >= 0 and sum to 1, got {fractions}")
    return [name for name in SPLIT_NAMES if fractions.get(name, 0) > 0]


def _ordered_components(strata_ids: np.ndarray, components: pd.Series, seed: int):
    """Yield (component, stratum ids of its crops), largest first, ties by seeded hash."""
    grouped: dict[str, list[int]] = {}
    for component, stratum_id in zip(components, strata_ids, strict=True):
        grouped.setdefault(component, []).append(int(stratum_id))

    def order(key: str) -> tuple[int, str]:
        tiebreak = hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()
        return (-len(grouped[key]), tiebreak)

    for key in sorted(grouped, key=order):
        yield key, np.array(grouped[key])


def leakage_report(crops: pd.DataFrame, max_distance: int) -> dict[str, int]:
    """Count sources and near-duplicate pairs that span two splits (both must be 0)."""
    splits_per_source = crops.groupby("source_sha256")["split"].nunique()
    split = crops["split"].to_numpy()
    pairs = near_duplicate_pairs(crops["phash"].reset_index(drop=True), max_distance)
    return {
        "sources_in_several_splits": int((splits_per_source > 1).sum()),
        "near_duplicate_pairs_across_splits": sum(1 for i, j in pairs if split[i] != split[j]),
        "near_duplicate_pairs": len(pairs),
    }
