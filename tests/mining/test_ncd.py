"""Compression distance on real renderings."""

import pytest

from pipeline.mining.ncd import glyph_bytes, ncd, rerank
from pipeline.mining.render import render_glyph


@pytest.mark.parametrize("compressor", ["zlib", "lzma"])
def test_look_alikes_closer_than_unrelated(han_face, compressor):
    glyphs = {c: glyph_bytes(render_glyph(c, han_face)) for c in "未末我己已你"}
    assert ncd(glyphs["未"], glyphs["末"], compressor) < ncd(glyphs["未"], glyphs["我"], compressor)
    assert ncd(glyphs["己"], glyphs["已"], compressor) < ncd(glyphs["己"], glyphs["你"], compressor)


def test_identical_glyphs_near_zero(han_face):
    glyph = glyph_bytes(render_glyph("未", han_face))
    assert ncd(glyph, glyph) < 0.1


def test_rerank_moves_look_alike_first(han_face):
    glyphs = {c: glyph_bytes(render_glyph(c, han_face)) for c in "未末我"}
    # Equal similarities, so NCD alone decides the order.
    order = rerank(glyphs["未"], [glyphs["我"], glyphs["末"]], [0.5, 0.5], weight=1.0)
    assert order.tolist() == [1, 0]


def test_unknown_compressor_rejected():
    with pytest.raises(ValueError, match="unknown compressor 'bz2'"):
        ncd(b"ab", b"cd", "bz2")
