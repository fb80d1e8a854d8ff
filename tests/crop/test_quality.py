"""Quality measures: Laplacian sharpness, percentile contrast and the DCT perceptual hash."""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.crop.quality import contrast, hamming, phash, phash_hex, sharpness


def glyph(size: int = 64) -> np.ndarray:
    gray = np.full((size, size), 230, dtype=np.uint8)
    cv2.putText(gray, "B", (size // 6, size * 5 // 6), cv2.FONT_HERSHEY_SIMPLEX, size / 32, 20, 3)
    return gray


def test_blur_lowers_sharpness():
    sharp = glyph()
    blurred = cv2.GaussianBlur(sharp, (0, 0), 3)
    assert sharpness(blurred) < sharpness(sharp) / 5


def test_sharpness_independent_of_size():
    # Measured at 64x64, so a glyph drawn at twice the size scores within a factor of two.
    ratio = sharpness(glyph(128)) / sharpness(glyph(64))
    assert 0.5 < ratio < 2.0


def test_contrast_of_flat_and_inked_crops():
    assert contrast(np.full((32, 32), 128, dtype=np.uint8)) == 0.0
    assert contrast(glyph()) > 0.7


def test_phash_stable_under_noise():
    base = glyph()
    noisy = np.clip(base + np.random.default_rng(0).normal(0, 6, base.shape), 0, 255).astype(
        np.uint8
    )
    distance = int(hamming(phash(base), np.array([phash(noisy)], dtype=np.uint64))[0])
    assert distance <= 4


def test_phash_separates_different_glyphs():
    other = np.full((64, 64), 230, dtype=np.uint8)
    cv2.putText(other, "7", (10, 53), cv2.FONT_HERSHEY_SIMPLEX, 2, 20, 3)
    distance = int(hamming(phash(glyph()), np.array([phash(other)], dtype=np.uint64))[0])
    assert distance > 10


def test_phash_hex_is_16_digits():
    assert phash_hex(1) == "0000000000000001"
    assert len(phash_hex(phash(glyph()))) == 16
