"""Embed real crops from the crop stage and average them into per-character centroids."""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

from pipeline.common.images import ImageDecodeError, decode_image
from pipeline.common.io import read_shards
from pipeline.common.logs import SkipCounter

logger = logging.getLogger(__name__)


def crop_to_ink(image: np.ndarray, size: int) -> np.ndarray:
    """Turn an RGB crop into a square uint8 ink image (strokes bright, paper 0) like a rendering.

    Otsu's threshold splits strokes from background; the class covering more of the border is
    taken as paper, which handles dark-on-light and light-on-dark signs alike. The crop is
    padded to a square before resizing so the aspect ratio survives.
    """
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    border = np.concatenate([binary[0], binary[-1], binary[:, 0], binary[:, -1]])
    if (border > 127).mean() > 0.5:
        binary = 255 - binary
    height, width = binary.shape
    side = max(height, width)
    square = np.zeros((side, side), np.uint8)
    top, left = (side - height) // 2, (side - width) // 2
    square[top : top + height, left : left + width] = binary
    inner = int(size * 0.8)
    glyph = cv2.resize(square, (inner, inner), interpolation=cv2.INTER_AREA)
    canvas = np.zeros((size, size), np.uint8)
    offset = (size - inner) // 2
    canvas[offset : offset + inner, offset : offset + inner] = glyph
    return canvas


def read_crop_glyphs(
    crops_dir: str | Path, chars: set[str], size: int, skips: SkipCounter
) -> dict[str, list[np.ndarray]]:
    """Read crops whose label is in ``chars`` and return their ink images grouped by label."""
    table = read_shards(crops_dir, columns=["label", "image"])
    glyphs: dict[str, list[np.ndarray]] = defaultdict(list)
    for row, (label, data) in enumerate(
        zip(table.column("label").to_pylist(), table.column("image").to_pylist(), strict=True)
    ):
        if label not in chars:
            continue
        try:
            image = decode_image(data, name=f"{crops_dir} row {row} ({label!r})")
        except ImageDecodeError as error:
            skips.skip("crop_undecodable", f"{crops_dir} row {row}", str(error))
            continue
        glyphs[label].append(crop_to_ink(np.asarray(image), size))
    return dict(glyphs)


def read_crop_labels(crops_dir: str | Path) -> list[tuple[str, str]]:
    """Return the distinct (label, script) pairs present in the crop shards."""
    table = read_shards(crops_dir, columns=["label", "script"])
    pairs = zip(table.column("label").to_pylist(), table.column("script").to_pylist(), strict=True)
    return sorted(set(pairs))
