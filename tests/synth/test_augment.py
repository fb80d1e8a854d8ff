"""Tests for the distortions applied to rendered glyphs."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.synth import augment


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def ink_square(size: int = 32) -> np.ndarray:
    ink = np.zeros((20, 10), dtype=np.uint8)
    ink[2:18, 2:8] = 255
    return augment.place_mask(ink, size, rng())


def test_place_mask_keeps_aspect_and_fits():
    mask = ink_square(64)
    rows = np.flatnonzero(mask.max(axis=1))
    cols = np.flatnonzero(mask.max(axis=0))
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    assert 0.55 * 64 - 1 <= height <= 0.85 * 64 + 1
    assert width == pytest.approx(height * 6 / 16, abs=2)


def test_warp_without_distortion_is_identity():
    mask = ink_square()
    assert np.array_equal(augment.warp_mask(mask, 0.0, 0.0, rng()), mask)


@pytest.mark.parametrize("grey", [0, 60, 127, 128, 200, 255])
def test_text_colour_contrasts_with_background(grey):
    patch = np.full((32, 32, 3), grey, dtype=np.uint8)
    for seed in range(20):
        colour = augment.contrasting_colour(patch, ink_square(), rng(seed))
        luma = float(np.clip(colour, 0, 255) @ augment.LUMA_WEIGHTS)
        assert abs(luma - grey) >= augment.MIN_CONTRAST - 1, f"seed {seed}: colour {colour}"


def test_composite_uses_mask_as_alpha():
    patch = np.zeros((4, 4, 3), dtype=np.uint8)
    mask = np.zeros((4, 4), dtype=np.uint8)
    mask[0, 0] = 255
    mask[1, 1] = 51
    image = augment.composite(patch, mask, np.array([100.0, 200.0, 250.0]))
    assert image[0, 0].tolist() == [100.0, 200.0, 250.0]
    assert image[1, 1].tolist() == pytest.approx([20.0, 40.0, 50.0])
    assert image[2, 2].tolist() == [0.0, 0.0, 0.0]


def test_occlusion_probability_bounds():
    image = np.full((32, 32, 3), 128.0)
    assert augment.occlude(image, 0.0, rng()) is image
    covered = augment.occlude(image, 1.0, rng())
    changed_rows = np.flatnonzero((covered != image).any(axis=(1, 2)))
    changed_cols = np.flatnonzero((covered != image).any(axis=(0, 2)))
    assert 0 < len(changed_rows) * len(changed_cols) <= 32 * 8


def test_jpeg_roundtrip_keeps_shape_and_changes_pixels():
    image = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    decoded = augment.jpeg_roundtrip(image, 40, rng())
    assert decoded.shape == image.shape
    assert decoded.dtype == np.uint8
    assert not np.array_equal(decoded, image)


def test_noise_and_blur_off_at_zero():
    image = np.random.default_rng(2).integers(0, 256, (16, 16, 3)).astype(np.float64)
    assert np.array_equal(augment.blur(image, 0.0, rng()), image)
    assert np.array_equal(augment.add_noise(image, 0.0, rng()), image)
