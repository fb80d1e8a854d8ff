"""Rank characters by a shape score built from char-similar's feature dictionaries.

This is a reference ranking to compare glyph embeddings against, not part of the mined groups.
The dictionaries (char-similar 0.0.2, one JSON object per file, keyed by character) give the
four-corner code (char_fourangle), main component (char_component), structure id (char_struct),
stroke components (char_stroke), stroke order as digits 1-5 (char_order) and stroke count
(char_number). The score is the mean of six similarities in [0, 1], one per feature.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

FEATURE_FILES = {
    "fourangle": "char_fourangle.dict",
    "component": "char_component.dict",
    "struct": "char_struct.dict",
    "stroke": "char_stroke.dict",
    "order": "char_order.dict",
    "number": "char_number.dict",
}


def load_features(directory: str | Path) -> dict[str, dict]:
    """Read the six feature dictionaries of char-similar from ``directory``."""
    directory = Path(directory)
    features = {}
    for name, filename in FEATURE_FILES.items():
        path = directory / filename
        if not path.is_file():
            raise FileNotFoundError(
                f"char-similar feature file not found: {path}; point mining.char_similar_dir at "
                "the folder holding char_*.dict"
            )
        features[name] = json.loads(path.read_text(encoding="utf-8"))
    return features


def _one_hot(values: list[str]) -> np.ndarray:
    vocabulary = {v: i for i, v in enumerate(sorted(set(values)))}
    onehot = np.zeros((len(values), len(vocabulary)), np.float32)
    onehot[np.arange(len(values)), [vocabulary[v] for v in values]] = 1.0
    return onehot


def _bag_jaccard(bags: list[list[str]]) -> np.ndarray:
    """Return the pairwise Jaccard similarity of sets of tokens (0 where both are empty)."""
    vocabulary = {t: i for i, t in enumerate(sorted({t for bag in bags for t in bag}))}
    hot = np.zeros((len(bags), max(len(vocabulary), 1)), np.float32)
    for row, bag in enumerate(bags):
        hot[row, [vocabulary[t] for t in set(bag)]] = 1.0
    inter = hot @ hot.T
    sizes = hot.sum(axis=1)
    union = sizes[:, None] + sizes[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _order_cosine(orders: list[str]) -> np.ndarray:
    """Return the cosine similarity of stroke-order strings as unigram plus bigram counts."""
    grams = np.zeros((len(orders), 6 + 36), np.float32)
    for row, order in enumerate(orders):
        digits = [int(d) if d.isdigit() and int(d) <= 5 else 0 for d in order]
        for d in digits:
            grams[row, d] += 1
        for a, b in zip(digits, digits[1:], strict=False):
            grams[row, 6 + a * 6 + b] += 1
    norms = np.linalg.norm(grams, axis=1, keepdims=True)
    grams = grams / np.maximum(norms, 1e-12)
    return grams @ grams.T


def shape_similarity(chars: list[str], features: dict[str, dict]) -> np.ndarray:
    """Return the (n, n) shape similarity of ``chars``; a missing feature contributes 0 for its row."""
    fourangle = np.array(
        [list(features["fourangle"].get(c, "?????").ljust(5, "?"))[:5] for c in chars]
    )
    corner_match = np.zeros((len(chars), len(chars)), np.float32)
    for position in range(5):
        column = fourangle[:, position]
        corner_match += (column[:, None] == column[None, :]) & (column[:, None] != "?")
    corner_match /= 5.0
    component = _one_hot([features["component"].get(c, f"?{c}") for c in chars])
    struct = _one_hot([features["struct"].get(c, f"?{c}") for c in chars])
    strokes = _bag_jaccard([list(features["stroke"].get(c, [])) for c in chars])
    order = _order_cosine([features["order"].get(c, "") for c in chars])
    counts = np.array([float(features["number"].get(c, 0)) for c in chars], np.float32)
    peak = np.maximum(counts[:, None], counts[None, :])
    count_match = np.divide(
        np.minimum(counts[:, None], counts[None, :]), peak, out=np.zeros_like(peak), where=peak > 0
    )
    parts = [corner_match, component @ component.T, struct @ struct.T, strokes, order, count_match]
    return np.mean(parts, axis=0)


def shape_ranking(chars: list[str], features: dict[str, dict], k: int) -> dict[str, list[str]]:
    """Return each character's ``k`` most similar other characters by shape score, best first."""
    similarity = shape_similarity(chars, features)
    np.fill_diagonal(similarity, -np.inf)
    top = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
    return {c: [chars[j] for j in top[i]] for i, c in enumerate(chars)}
