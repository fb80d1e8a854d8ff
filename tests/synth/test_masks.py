"""Tests for glyph rasterisation and blank/tofu detection."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.common.fonts import faces_covering, list_faces
from pipeline.synth.masks import UNMAPPED_CODE_POINT, notdef_mask, render_mask, rendering_defect


@pytest.fixture(scope="module")
def latin_face():
    faces = faces_covering("Ol", list_faces())
    if not faces:
        pytest.skip("no installed font covers Latin letters")
    return faces[0]


def test_real_glyph_has_no_defect(latin_face):
    mask = render_mask(latin_face, "O")
    assert mask.ndim == 2
    assert mask.max() == 255
    assert rendering_defect(latin_face, "O", mask) is None


def test_notdef_rendering_is_tofu(latin_face):
    mask = render_mask(latin_face, UNMAPPED_CODE_POINT)
    if mask.size == 0:
        pytest.skip(f"{latin_face.key} draws an empty .notdef glyph")
    assert np.array_equal(mask, notdef_mask(latin_face))
    assert rendering_defect(latin_face, UNMAPPED_CODE_POINT, mask) == "tofu_rendering"


def test_space_is_blank(latin_face):
    mask = render_mask(latin_face, " ")
    assert mask.size == 0
    assert rendering_defect(latin_face, " ", mask) == "blank_rendering"


def test_look_alikes_render_differently(latin_face):
    assert not np.array_equal(render_mask(latin_face, "l"), render_mask(latin_face, "I"))
