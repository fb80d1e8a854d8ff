"""Render one character in one font face onto a square canvas and reject tofu or blank glyphs."""

from __future__ import annotations

import functools
import logging

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline.common.fonts import FontFace, covers

logger = logging.getLogger(__name__)

# A private-use code point, unmapped in every face installed here, so it draws the .notdef box.
NOTDEF_PROBE = "\U0010fffd"
# Fewer inked pixels than this counts as blank. The thinnest "一" of the installed faces has 54
# inked pixels on a 64 px canvas.
MIN_INK_PIXELS = 8


class GlyphError(ValueError):
    """Raised when a face cannot draw a character: not in its cmap, blank, or the .notdef box."""


@functools.lru_cache(maxsize=256)
def load_font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    """Load a face at a pixel size (cached because the same faces are reused for every character)."""
    return ImageFont.truetype(path, size=size, index=index)


def draw_glyph(char: str, face: FontFace, size: int = 64) -> np.ndarray:
    """Draw ``char`` centred on a ``size`` x ``size`` canvas and return its ink as uint8 (0 = paper).

    The glyph is placed by the face's metrics (horizontal middle of the advance, vertical middle
    of ascender and descender) and not stretched to its bounding box, so 己/已 and o/O keep
    their size and position differences.
    """
    font = load_font(face.path, face.index, int(size * 0.8))
    canvas = Image.new("L", (size, size), 0)
    ImageDraw.Draw(canvas).text((size / 2, size / 2), char, fill=255, font=font, anchor="mm")
    return np.asarray(canvas)


@functools.lru_cache(maxsize=256)
def notdef_glyph(face: FontFace, size: int) -> bytes:
    """Return the bytes of the face's .notdef rendering, to recognise tofu by exact match.

    Returns empty bytes for a face that maps the probe, so tofu detection is off for it.
    """
    if covers(face, NOTDEF_PROBE):
        return b""
    return draw_glyph(NOTDEF_PROBE, face, size).tobytes()


def render_glyph(char: str, face: FontFace, size: int = 64) -> np.ndarray:
    """Render ``char`` in ``face`` after checking the cmap, and raise GlyphError for tofu or blanks."""
    if not covers(face, char):
        raise GlyphError(
            f"font {face.key} has no glyph for {char!r} (U+{ord(char):04X}) in its cmap"
        )
    ink = draw_glyph(char, face, size)
    if int((ink > 127).sum()) < MIN_INK_PIXELS:
        raise GlyphError(f"font {face.key} draws {char!r} (U+{ord(char):04X}) as a blank glyph")
    if ink.tobytes() == notdef_glyph(face, size):
        raise GlyphError(f"font {face.key} draws {char!r} (U+{ord(char):04X}) as its .notdef box")
    return ink
