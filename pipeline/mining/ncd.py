"""Normalised compression distance between glyph images, used to re-rank FAISS candidates.

NCD(x, y) = (C(xy) - min(C(x), C(y))) / max(C(x), C(y)) where C is a compressed size (Cilibrasi
and Vitanyi, "Clustering by compression", 2005). Two glyphs that share strokes compress well
together, so their joint size grows little over the larger single one.
"""

from __future__ import annotations

import functools
import lzma
import zlib

import numpy as np

COMPRESSORS = ("zlib", "lzma")


def _compressed_size(data: bytes, compressor: str) -> int:
    if compressor == "zlib":
        return len(zlib.compress(data, 9))
    if compressor == "lzma":
        return len(lzma.compress(data, preset=6))
    raise ValueError(f"unknown compressor '{compressor}'; expected one of {', '.join(COMPRESSORS)}")


def glyph_bytes(ink: np.ndarray) -> bytes:
    """Binarise a glyph image and pack it to bits, so anti-aliasing does not reach the compressor."""
    return np.packbits(ink > 127).tobytes()


@functools.lru_cache(maxsize=65536)
def _cached_size(data: bytes, compressor: str) -> int:
    return _compressed_size(data, compressor)


def ncd(x: bytes, y: bytes, compressor: str = "zlib") -> float:
    """Return the normalised compression distance of two byte strings (about 0 same, 1 unrelated).

    The joint size is the smaller of C(xy) and C(yx) because real compressors are not symmetric.
    """
    cx, cy = _cached_size(x, compressor), _cached_size(y, compressor)
    joint = min(_compressed_size(x + y, compressor), _compressed_size(y + x, compressor))
    return (joint - min(cx, cy)) / max(cx, cy)


def rerank(
    query: bytes,
    candidates: list[bytes],
    similarities: np.ndarray,
    weight: float,
    compressor: str = "zlib",
) -> np.ndarray:
    """Return candidate positions ordered by ``similarity - weight * NCD``, best first."""
    distances = np.array([ncd(query, c, compressor) for c in candidates], np.float32)
    combined = np.asarray(similarities, np.float32) - weight * distances
    return np.argsort(-combined, kind="stable")
