"""Camera-like distortions of a rendered glyph: geometry, lighting, occlusion, blur, noise, JPEG.

Every function draws its random values from the ``rng`` it is given, so a glyph is reproducible
from its seed. Images are RGB uint8 arrays, and masks are uint8 arrays with 255 = ink.
"""

from __future__ import annotations

import cv2
import numpy as np

# Relative luminance weights of ITU-R BT.601, the ones OpenCV's RGB->grey conversion uses.
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])

# Text and background luminance differ by at least this many grey levels (of 255).
MIN_CONTRAST = 80


def place_mask(ink: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Scale an ink mask to 55-85 % of a ``size`` square, keeping its aspect, and jitter it."""
    fill = rng.uniform(0.55, 0.85)
    scale = fill * size / max(ink.shape)
    height = max(1, round(ink.shape[0] * scale))
    width = max(1, round(ink.shape[1] * scale))
    resized = cv2.resize(ink, (width, height), interpolation=cv2.INTER_AREA)
    top = (size - height) // 2 + int(rng.integers(-(size - height) // 4, (size - height) // 4 + 1))
    left = (size - width) // 2 + int(rng.integers(-(size - width) // 4, (size - width) // 4 + 1))
    mask = np.zeros((size, size), dtype=np.uint8)
    mask[top : top + height, left : left + width] = resized
    return mask


def warp_mask(
    mask: np.ndarray, perspective: float, rotation_degrees: float, rng: np.random.Generator
) -> np.ndarray:
    """Rotate the mask about its centre and shift each corner by up to ``perspective`` x size."""
    size = mask.shape[0]
    corners = np.array([[0, 0], [size, 0], [size, size], [0, size]], dtype=np.float32)
    angle = np.deg2rad(rng.uniform(-rotation_degrees, rotation_degrees))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    centre = size / 2.0
    moved = (corners - centre) @ rotation.T + centre
    moved += rng.uniform(-perspective, perspective, size=(4, 2)) * size
    matrix = cv2.getPerspectiveTransform(corners, moved.astype(np.float32))
    return cv2.warpPerspective(mask, matrix, (size, size), flags=cv2.INTER_LINEAR, borderValue=0)


def contrasting_colour(patch: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pick a text colour at least MIN_CONTRAST grey levels from the background under the ink."""
    weights = mask.astype(np.float64) / 255.0
    luma = patch.astype(np.float64) @ LUMA_WEIGHTS
    local = float((luma * weights).sum() / max(weights.sum(), 1e-6))
    # Dark text on light ground and light text on dark ground, as on real signs.
    if local >= 128:
        target = rng.uniform(0, local - MIN_CONTRAST)
    else:
        target = rng.uniform(local + MIN_CONTRAST, 255)
    tint = rng.uniform(0.6, 1.4, size=3)
    colour = np.clip(tint * target / float(tint @ LUMA_WEIGHTS), 0, 255)
    if abs(float(colour @ LUMA_WEIGHTS) - local) < MIN_CONTRAST:
        # Clipping a saturated tint lost contrast, so fall back to the grey of that luminance.
        colour = np.full(3, target)
    return colour


def composite(patch: np.ndarray, mask: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Alpha-blend a solid text colour over the patch, with the mask as alpha."""
    alpha = mask.astype(np.float64)[:, :, None] / 255.0
    return patch.astype(np.float64) * (1.0 - alpha) + colour[None, None, :] * alpha


def adjust_lighting(image: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Change contrast and brightness by up to ``strength`` and add a linear shading gradient."""
    contrast = 1.0 + rng.uniform(-strength, strength)
    brightness = rng.uniform(-strength, strength) * 128.0
    size = image.shape[0]
    direction = rng.normal(size=2)
    direction /= max(np.linalg.norm(direction), 1e-6)
    ys, xs = np.mgrid[0:size, 0:size] / max(size - 1, 1) - 0.5
    gradient = (xs * direction[0] + ys * direction[1]) * rng.uniform(0, strength) * 128.0
    return (image - 128.0) * contrast + 128.0 + brightness + gradient[:, :, None]


def occlude(image: np.ndarray, probability: float, rng: np.random.Generator) -> np.ndarray:
    """With ``probability``, cover a bar of 8-25 % of the image with a solid colour from an edge."""
    if rng.random() >= probability:
        return image
    size = image.shape[0]
    depth = max(1, int(size * rng.uniform(0.08, 0.25)))
    colour = rng.uniform(0, 255, size=3)
    occluded = image.copy()
    edge = int(rng.integers(4))
    if edge == 0:
        occluded[:depth] = colour
    elif edge == 1:
        occluded[-depth:] = colour
    elif edge == 2:
        occluded[:, :depth] = colour
    else:
        occluded[:, -depth:] = colour
    return occluded


def blur(image: np.ndarray, sigma_max: float, rng: np.random.Generator) -> np.ndarray:
    """Apply a Gaussian blur with sigma drawn from [0, sigma_max]."""
    sigma = rng.uniform(0, sigma_max)
    if sigma < 0.1:
        return image
    return cv2.GaussianBlur(image, (0, 0), sigmaX=sigma)


def add_noise(image: np.ndarray, std_max: float, rng: np.random.Generator) -> np.ndarray:
    """Add Gaussian noise with a standard deviation drawn from [0, std_max] grey levels."""
    std = rng.uniform(0, std_max)
    return image + rng.normal(0.0, std, size=image.shape)


def jpeg_roundtrip(image: np.ndarray, quality_min: int, rng: np.random.Generator) -> np.ndarray:
    """Add JPEG block artefacts by encoding with a quality drawn from [quality_min, 95]."""
    quality = int(rng.integers(quality_min, 96))
    ok, encoded = cv2.imencode(".jpg", image[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError(
            f"OpenCV failed to JPEG-encode a {image.shape} glyph at quality {quality}"
        )
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR)[:, :, ::-1]


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Round and clip a float image to uint8."""
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)
