"""Evaluate rankings and mined groups of one script against its look-alike references."""

# ruff: noqa: E741 (D, I are FAISS's names for distances and ids)
from __future__ import annotations

import logging

import numpy as np

from pipeline.mining.evaluate import pair_scores, recall_at_k
from pipeline.mining.references import (
    Pair,
    group_pairs,
    held_out_groups,
    read_groups,
    resolve_reference,
    restrict_pairs,
    tr39_ascii_pairs,
)

logger = logging.getLogger(__name__)


def load_references(script: str, config: dict) -> dict[str, set[Pair]]:
    """Return the named reference pair sets for a script, as configured in ``mining.references``.

    Han: the pycorrector 形近字 groups as ``same_stroke``. When ``han_tuning`` names a subset of
    them, that subset is ``same_stroke_tuning`` and the remaining groups ``same_stroke_held_out``.
    Latin: Unicode TR39 pairs within ASCII letters and digits as ``tr39``, and the hand-picked
    case and digit look-alikes as a separate ``curated`` set.
    """
    references: dict[str, set[Pair]] = {}
    if script == "han" and config.get("han"):
        full = read_groups(resolve_reference(config["han"]))
        if config.get("han_tuning"):
            tuning = read_groups(resolve_reference(config["han_tuning"]))
            references["same_stroke_tuning"] = group_pairs(tuning)
            references["same_stroke_held_out"] = group_pairs(held_out_groups(full, tuning))
        else:
            references["same_stroke"] = group_pairs(full)
    if script == "latin":
        if config.get("latin"):
            references["tr39"] = tr39_ascii_pairs(resolve_reference(config["latin"]))
        curated = config.get("latin_curated") or []
        if curated:
            references["curated"] = group_pairs([list(text) for text in curated])
    return references


def ranking_from_knn(chars: list[str], I: np.ndarray, k: int) -> dict[str, list[str]]:
    """Turn FAISS ids into each character's ``k`` nearest other characters, best first."""
    ranking = {}
    for row, ids in enumerate(I.tolist()):
        ranking[chars[row]] = [chars[j] for j in ids if j >= 0 and j != row][:k]
    return ranking


def evaluate_ranking(
    ranking: dict[str, list[str]], references: dict[str, set[Pair]], ks: list[int]
) -> dict[str, dict]:
    """Return recall@k per reference, counting only characters the ranking covers."""
    universe = set(ranking)
    report = {}
    for name, pairs in references.items():
        covered = restrict_pairs(pairs, universe)
        entry = {"reference_pairs": len(covered)}
        for k in ks:
            entry.update(recall_at_k(ranking, covered, k))
        report[name] = entry
    return report


def evaluate_groups(
    groups: list[list[str]], universe: set[str], references: dict[str, set[Pair]]
) -> dict[str, dict]:
    """Return pair precision/recall of the mined groups per reference.

    Each reference is scored over the characters of ``universe`` that it mentions, so a mined
    pair of characters the reference never lists counts neither as a hit nor as a miss.
    """
    mined = group_pairs(groups)
    report = {}
    for name, pairs in references.items():
        listed = {char for pair in pairs for char in pair}
        report[name] = pair_scores(mined, pairs, universe & listed)
    return report
