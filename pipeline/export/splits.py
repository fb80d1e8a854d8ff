"""Assign crops to splits so that no source photo and no near-duplicate crop spans two splits.

Sources are the nodes of a union-find. Two sources are joined when they share a near-duplicate
crop (perceptual hashes within ``phash_max_distance`` bits), so a photo re-posted under another
hash stays on one side. Each connected component then goes whole to one split. The split follows
from the component's rank, by a seeded hash, among the components of each class, so every class
is split close to the target fractions, and a change to a few crops moves few others.
"""

from __future__ import annotations

import hashlib
import logging

import faiss
import numpy as np
import pandas as pd

from pipeline.common.params import ParamsError

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

    A stratum is a class, counted apart for real and synthetic crops, so the few real crops of a
    class are spread over the splits instead of following the many rendered ones. Within each
    stratum the components are ordered by a seeded hash of their smallest source hash, and each
    one votes, with its crop count, for the split whose share of the stratum contains a point
    inside its crops (the first 60 % of the order go to train with the default fractions). The
    point sits at the same seeded fraction of every component of a stratum. A component goes to
    the split with the most votes over its strata.

    The order does not depend on the other crops, so relabelling or rejecting a crop moves only
    components next to a split boundary of the strata it touches, instead of re-dealing the whole
    dataset as a greedy fill would.
    """
    names = check_fractions(fractions)
    bounds = np.cumsum([fractions[name] for name in names])
    components, links = source_components(crops, max_distance)
    keys = crops.groupby(components)["source_sha256"].min()
    rank = {
        component: hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()
        for component, key in keys.items()
    }
    frame = pd.DataFrame({"component": components.to_numpy(), "stratum": _strata(crops).to_numpy()})
    counts = frame.groupby(["stratum", "component"]).size()
    votes: dict[str, np.ndarray] = {}
    for stratum, members in counts.groupby(level="stratum"):
        ordered = sorted(
            zip(members.index.get_level_values("component"), members.to_numpy(), strict=True),
            key=lambda item: rank[item[0]],
        )
        sizes = np.array([size for _, size in ordered], dtype=float)
        # A fixed point inside each component (its middle) would round every class the same
        # way, giving 7/3/2 of 12 crops and no 7/2/3. A seeded offset per class makes the
        # expected count of each split exactly its fraction.
        offset = int(hashlib.sha256(f"{seed}:{stratum}".encode()).hexdigest()[:8], 16) / 2**32
        middles = (np.cumsum(sizes) - sizes * (1 - offset)) / sizes.sum()
        chosen = np.minimum(np.searchsorted(bounds, middles, side="right"), len(names) - 1)
        for (component, size), split in zip(ordered, chosen, strict=True):
            votes.setdefault(component, np.zeros(len(names)))[split] += size
    split_of_component = {component: names[int(np.argmax(v))] for component, v in votes.items()}
    return components.map(split_of_component), links


def _strata(crops: pd.DataFrame) -> pd.Series:
    """Return the stratification key of each crop: its label, plus whether it is synthetic."""
    synthetic = crops["synthetic"].astype(bool) if "synthetic" in crops else False
    return crops["label"].astype(str) + np.where(synthetic, " synthetic", " real")


def check_fractions(fractions: dict[str, float]) -> list[str]:
    """Return the split names with a fraction above 0, in train/validation/test order.

    Raises ParamsError for unknown names, negative fractions or fractions that do not sum to 1.
    """
    unknown = sorted(set(fractions) - set(SPLIT_NAMES))
    if unknown or not fractions:
        raise ParamsError(
            f"export.splits has unknown split names {unknown}; expected a subset of {SPLIT_NAMES}"
        )
    total = sum(fractions.values())
    if any(f < 0 for f in fractions.values()) or abs(total - 1.0) > 1e-6:
        raise ParamsError(
            f"export.splits fractions must be >= 0 and sum to 1, but {fractions} sums to "
            f"{total:g}; adjust one of them"
        )
    return [name for name in SPLIT_NAMES if fractions.get(name, 0) > 0]


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
