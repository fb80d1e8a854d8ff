"""Near-duplicate crops: perceptual hashes within a Hamming distance, compared per label."""

from __future__ import annotations

import numpy as np

from pipeline.crop.quality import hamming


class NearDuplicateIndex:
    """Remember the pHash of every kept crop and report whether a new crop is a near-duplicate.

    Crops are compared only with crops of the same label: look-alike characters (O and 0, 未 and
    末) have nearly equal hashes by nature, and dropping one for the other would remove exactly
    the pairs this dataset is for.
    """

    def __init__(self, max_distance: int) -> None:
        self.max_distance = max_distance
        self._hashes: dict[str, list[int]] = {}
        self._arrays: dict[str, np.ndarray] = {}

    def is_duplicate(self, label: str, phash_hex: str) -> bool:
        """Return whether a crop is within ``max_distance`` bits of an earlier one, then add it."""
        value = int(phash_hex, 16)
        known = self._array(label)
        if known.size and int(hamming(value, known).min()) <= self.max_distance:
            return True
        self._hashes.setdefault(label, []).append(value)
        return False

    def _array(self, label: str) -> np.ndarray:
        hashes = self._hashes.get(label, [])
        cached = self._arrays.get(label)
        if cached is None or cached.size != len(hashes):
            # Rebuilt only after an addition, so checks between additions stay vectorised.
            cached = np.array(hashes, dtype=np.uint64)
            self._arrays[label] = cached
        return cached
