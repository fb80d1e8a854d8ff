"""Render one character of one font face as an ink mask, and detect blank or tofu renderings."""

from __future__ import annotations

import functools

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline.common.fonts import FontFace

# Glyphs are rasterised once at this size and then resized, so each face is loaded only once.
RENDER_SIZE = 96

# A code point no font maps (the last private-use point of plane 16): FreeType draws glyph 0,
# the face's .notdef box, for it.
UNMAPPED_CODE_POINT = "\U0010fffd"

# A rendering with fewer inked pixels than this (at RENDER_SIZE) is treated as blank.
MIN_INK_PIXELS = 8


@functools.lru_cache(maxsize=512)
def load_font(path: str, index: int) -> ImageFont.FreeTypeFont:
    """Load a face at the rasterisation size (cached, since CJK collections take ~20 MB)."""
    return ImageFont.truetype(path, RENDER_SIZE, index=index)


@functools.lru_cache(maxsize=8192)
def render_mask(face: FontFace, char: str) -> np.ndarray:
    """Rasterise ``char`` in ``face`` and return the uint8 ink mask cropped to its ink box.

    The array is empty (size 0) when the face draws no ink for the character. Results are
    cached and shared, so callers must not modify them.
    """
    font = load_font(face.path, face.index)
    canvas = Image.new("L", (2 * RENDER_SIZE, 2 * RENDER_SIZE), 0)
    ImageDraw.Draw(canvas).text((RENDER_SIZE // 2, RENDER_SIZE // 2), char, fill=255, font=font)
    mask = np.asarray(canvas)
    rows = np.flatnonzero(mask.max(axis=1))
    cols = np.flatnonzero(mask.max(axis=0))
    if rows.size == 0:
        return np.zeros((0, 0), dtype=np.uint8)
    return mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


@functools.lru_cache(maxsize=512)
def notdef_mask(face: FontFace) -> np.ndarray:
    """Return the ink mask of the face's .notdef glyph (the 'tofu' box)."""
    return render_mask(face, UNMAPPED_CODE_POINT)


def rendering_defect(face: FontFace, char: str, mask: np.ndarray) -> str | None:
    """Return 'blank_rendering' or 'tofu_rendering' when ``mask`` shows no real glyph, else None."""
    if int(np.count_nonzero(mask > 127)) < MIN_INK_PIXELS:
        return "blank_rendering"
    notdef = notdef_mask(face)
    if mask.shape == notdef.shape and np.array_equal(mask, notdef):
        return "tofu_rendering"
    return None
