"""Pixel-and-shape baseline features of a rendered glyph: blurred ink plus a distance transform."""

from __future__ import annotations

import cv2
import numpy as np


def glyph_features(ink: np.ndarray, grid: int = 16, blur_sigma: float = 1.5) -> np.ndarray:
    """Return one float32 vector of ``2 * grid * grid`` values describing a glyph's shape.

    The first half is the ink blurred and area-downsampled to ``grid`` x ``grid``. The second
    half is ``exp(-d / 4)`` of the Euclidean distance (in pixels) from each pixel to the nearest
    ink. It stays high next to strokes, so a stroke that moved by a pixel or two still matches
    (the shift-tolerant part that plain pixels lack).
    """
    if ink.ndim != 2 or ink.shape[0] != ink.shape[1]:
        raise ValueError(f"expected a square 2-D glyph image, got shape {ink.shape}")
    ink = ink.astype(np.float32) / 255.0
    blurred = cv2.GaussianBlur(ink, (0, 0), blur_sigma)
    pixels = cv2.resize(blurred, (grid, grid), interpolation=cv2.INTER_AREA)
    paper = (ink < 0.5).astype(np.uint8)
    distance = cv2.distanceTransform(paper, cv2.DIST_L2, 3)
    near_ink = cv2.resize(np.exp(-distance / 4.0), (grid, grid), interpolation=cv2.INTER_AREA)
    return np.concatenate([pixels.ravel(), near_ink.ravel()]).astype(np.float32)
