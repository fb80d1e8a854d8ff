"""Validate and normalise embedding matrices before they reach FAISS."""

from __future__ import annotations

import logging

import numpy as np

from pipeline.common.logs import SkipCounter

logger = logging.getLogger(__name__)


def as_faiss_matrix(x: np.ndarray, name: str = "vectors", dim: int | None = None) -> np.ndarray:
    """Return ``x`` as a C-contiguous float32 (n, d) matrix, or raise naming the expected shape."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        expected = f"(n, {dim})" if dim else "(n, d) with n, d >= 1"
        raise ValueError(f"{name}: expected a 2-D matrix of shape {expected}, got shape {x.shape}")
    if dim is not None and x.shape[1] != dim:
        raise ValueError(f"{name}: expected shape (n, {dim}) to match the index, got {x.shape}")
    if not np.issubdtype(x.dtype, np.number):
        raise ValueError(f"{name}: expected a numeric matrix, got dtype {x.dtype}")
    return np.ascontiguousarray(x, dtype=np.float32)


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Scale each row to unit L2 norm, so inner product equals cosine similarity."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x / np.maximum(norms, 1e-12), dtype=np.float32)


def clean_embeddings(
    chars: list[str], x: np.ndarray, skips: SkipCounter, source: str
) -> tuple[list[str], np.ndarray]:
    """Drop duplicate characters and rows that are NaN, infinite or zero, then L2-normalise.

    The first row of a duplicated character is kept. Each dropped row is counted in ``skips``
    under a reason that names the source, so the metrics show where vectors went missing.
    """
    x = as_faiss_matrix(x, f"{source} embeddings")
    if len(chars) != x.shape[0]:
        raise ValueError(f"{source}: {len(chars)} characters but {x.shape[0]} embedding rows")
    keep, seen = [], set()
    for row, char in enumerate(chars):
        if char in seen:
            skips.skip(f"{source}_duplicate_char", repr(char), "kept its first embedding")
            continue
        vector = x[row]
        if not np.isfinite(vector).all():
            skips.skip(f"{source}_nan_vector", repr(char), "embedding has NaN or infinite values")
            continue
        if not np.any(vector):
            skips.skip(f"{source}_zero_vector", repr(char), "embedding is all zeros")
            continue
        seen.add(char)
        keep.append(row)
    kept_chars = [chars[row] for row in keep]
    return kept_chars, l2_normalize(x[keep]) if keep else np.zeros((0, x.shape[1]), np.float32)
