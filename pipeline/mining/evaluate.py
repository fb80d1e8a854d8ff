"""Score neighbour rankings and mined pairs against a reference set of look-alike pairs."""

from __future__ import annotations

from collections import defaultdict

from pipeline.mining.references import Pair


def reference_neighbours(pairs: set[Pair]) -> dict[str, set[str]]:
    """Map each character to its reference look-alikes."""
    neighbours: dict[str, set[str]] = defaultdict(set)
    for pair in pairs:
        a, b = tuple(pair)
        neighbours[a].add(b)
        neighbours[b].add(a)
    return neighbours


def recall_at_k(ranking: dict[str, list[str]], pairs: set[Pair], k: int) -> dict[str, float]:
    """Return mean recall@k of ``ranking`` (query -> neighbours, best first) over the reference.

    Recall of one query is ``|top-k ∩ reference look-alikes| / |reference look-alikes|``; the
    mean runs over reference characters that have a ranking. Restrict ``pairs`` to characters
    both sides cover before calling, or uncovered look-alikes count as misses.
    """
    truth = reference_neighbours(pairs)
    recalls = []
    for query, expected in truth.items():
        if query not in ranking:
            continue
        found = set(ranking[query][:k]) & expected
        recalls.append(len(found) / len(expected))
    mean = sum(recalls) / len(recalls) if recalls else 0.0
    return {f"recall@{k}": round(mean, 4), "queries": len(recalls)}


def pair_scores(mined: set[Pair], reference: set[Pair], universe: set[str]) -> dict[str, float]:
    """Return precision, recall and F1 of mined pairs against reference pairs inside ``universe``.

    Only pairs with both characters in ``universe`` count. Pass the characters that both the
    reference lists and the miner embedded, so a mined pair outside the reference is neither
    right nor wrong.
    """
    mined = {p for p in mined if p <= universe}
    reference = {p for p in reference if p <= universe}
    hits = len(mined & reference)
    precision = hits / len(mined) if mined else 0.0
    recall = hits / len(reference) if reference else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "mined_pairs": len(mined),
        "reference_pairs": len(reference),
        "hits": hits,
    }
