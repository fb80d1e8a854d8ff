"""Bad input: NaN and zero vectors, duplicate characters, fonts lacking or blanking a glyph."""

import logging

import numpy as np
import pytest

from pipeline.common.logs import SkipCounter
from pipeline.mining.glyphs import render_all
from pipeline.mining.render import GlyphError, draw_glyph, notdef_glyph, render_glyph
from pipeline.mining.vectors import clean_embeddings

logger = logging.getLogger(__name__)


def test_nan_zero_and_duplicate_rows_dropped():
    x = np.array([[1, 0], [np.nan, 1], [0, 0], [3, 4], [0, 2]], np.float32)
    skips = SkipCounter(logger)
    chars, clean = clean_embeddings(list("abcad"), x, skips, "pixel")
    assert chars == ["a", "d"]
    np.testing.assert_allclose(clean, [[1, 0], [0, 1]])
    assert skips.as_dict() == {
        "pixel_duplicate_char": 1,
        "pixel_nan_vector": 1,
        "pixel_zero_vector": 1,
    }


def test_row_count_mismatch_rejected():
    with pytest.raises(ValueError, match="pixel: 3 characters but 2 embedding rows"):
        clean_embeddings(list("abc"), np.ones((2, 4)), SkipCounter(logger), "pixel")


def test_font_lacking_char_rejected(latin_face):
    with pytest.raises(GlyphError, match=r"DejaVuSans.ttf#0 has no glyph for '未' \(U\+672A\)"):
        render_glyph("未", latin_face)


def test_blank_glyph_rejected(han_face):
    with pytest.raises(GlyphError, match="draws ' ' .* as a blank glyph"):
        render_glyph(" ", han_face)


def test_render_all_counts_chars_without_font(latin_face):
    skips = SkipCounter(logger)
    renderings = render_all(["A", "未"], [latin_face], 3, 64, skips)
    assert list(renderings) == ["A"]
    assert renderings["A"][0].shape == (64, 64)
    assert skips.as_dict() == {"char_without_font": 1}


def test_uncovered_char_matches_notdef(latin_face):
    # The tofu check compares a rendering with the .notdef box byte for byte. A face drawing a
    # character it lacks must therefore produce exactly that box.
    tofu = draw_glyph("未", latin_face, 64).tobytes()
    assert tofu == notdef_glyph(latin_face, 64)
    assert draw_glyph("A", latin_face, 64).tobytes() != tofu
