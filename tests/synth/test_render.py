"""Tests for render_glyphs: determinism, font coverage, skips and the backgrounds check."""

from __future__ import annotations

import io
import logging

import numpy as np
import pytest
import yaml
from PIL import Image

from pipeline.common.fonts import faces_covering, list_faces
from pipeline.common.logs import SkipCounter
from pipeline.synth import SynthGlyph, render_glyphs
from pipeline.synth.backgrounds import BackgroundsError


@pytest.fixture(scope="module")
def params(repo_root, tmp_path_factory) -> dict:
    """Return the default synth params with two small generated background photos."""
    folder = tmp_path_factory.mktemp("backgrounds")
    for seed, name in enumerate(["wall.png", "sky.jpg"]):
        pixels = np.random.default_rng(seed).integers(0, 256, (300, 400, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / name)
    synth = yaml.safe_load((repo_root / "params.yaml").read_text(encoding="utf-8"))["synth"]
    return {**synth, "backgrounds": [str(folder)]}


@pytest.fixture
def skips() -> SkipCounter:
    return SkipCounter(logging.getLogger("tests.synth"), "glyphs")


def test_same_seed_same_bytes(params):
    first = list(render_glyphs("未l", 3, params, seed=7))
    second = list(render_glyphs("未l", 3, params, seed=7))
    other = list(render_glyphs("未l", 3, params, seed=8))
    assert first == second
    assert [g.image for g in first] != [g.image for g in other]


def test_glyphs_are_png_of_image_size(params):
    glyphs = list(render_glyphs("0O", 4, params, seed=0))
    assert [g.label for g in glyphs] == ["0"] * 4 + ["O"] * 4
    for glyph in glyphs:
        assert isinstance(glyph, SynthGlyph)
        image = Image.open(io.BytesIO(glyph.image))
        assert (image.format, image.mode, image.size) == ("PNG", "RGB", (64, 64))
        assert glyph.background.endswith(("wall.png", "sky.jpg"))


def test_instances_cycle_through_covering_faces(params):
    covering = {face.key for face in faces_covering("己", list_faces())}
    glyphs = list(render_glyphs("己", len(covering), params, seed=0))
    assert {g.font for g in glyphs} == covering


def test_max_fonts_per_char_caps_faces(params):
    glyphs = list(render_glyphs("Q", 12, {**params, "max_fonts_per_char": 3}, seed=0))
    assert len(glyphs) == 12
    assert len({g.font for g in glyphs}) == 3


def test_uncovered_char_is_skipped_and_counted(params, skips):
    glyphs = list(render_glyphs("\U0010fffdA", 2, params, seed=0, skips=skips))
    assert [g.label for g in glyphs] == ["A", "A"]
    assert skips.as_dict() == {"no_font_covers_char": 1}


def test_blank_renderings_are_skipped(params, skips):
    covering = faces_covering(" ", list_faces())
    glyphs = list(render_glyphs(" A", 1, params, seed=0, skips=skips))
    assert [g.label for g in glyphs] == ["A"]
    assert skips.as_dict() == {"blank_rendering": len(covering), "no_font_renders_char": 1}


def test_missing_backgrounds_name_the_package(params, tmp_path):
    missing = {**params, "backgrounds": [str(tmp_path / "none")]}
    with pytest.raises(
        BackgroundsError, match=r"none.*install the Debian package mate-backgrounds"
    ):
        list(render_glyphs("A", 1, missing, seed=0))


def test_empty_backgrounds_folder_raises(params, tmp_path):
    with pytest.raises(BackgroundsError, match="no background photos"):
        list(render_glyphs("A", 1, {**params, "backgrounds": [str(tmp_path)]}, seed=0))


def test_glyph_ink_contrasts_with_background(params):
    quiet = {
        **params,
        "lighting": 0.0,
        "blur_sigma_max": 0.0,
        "noise_std_max": 0.0,
        "occlusion_probability": 0.0,
        "jpeg_quality_min": 95,
    }
    for glyph in render_glyphs("I", 6, quiet, seed=1):
        grey = np.asarray(Image.open(io.BytesIO(glyph.image)).convert("L"), dtype=np.float64)
        assert grey.max() - grey.min() >= 60, f"{glyph.font}: ink does not stand out"


def test_debian_backgrounds_render(repo_root):
    synth = yaml.safe_load((repo_root / "params.yaml").read_text(encoding="utf-8"))["synth"]
    try:
        glyphs = list(render_glyphs("末", 2, synth, seed=0))
    except BackgroundsError as error:
        pytest.skip(str(error))
    assert len(glyphs) == 2
    assert all(g.background.startswith(synth["backgrounds"][0]) for g in glyphs)
