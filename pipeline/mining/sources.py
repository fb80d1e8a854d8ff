"""Compute per-character embeddings from each configured source: pixel, cnn or crops."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from pipeline.common.logs import SkipCounter
from pipeline.mining.crops import read_crop_glyphs
from pipeline.mining.glyphs import mean_embeddings, pixel_embed
from pipeline.mining.vectors import clean_embeddings, l2_normalize

logger = logging.getLogger(__name__)

SOURCES = ("pixel", "cnn", "crops")


def center(x: np.ndarray) -> np.ndarray:
    """Subtract the mean embedding and L2-normalise again.

    Glyph features are non-negative, so raw cosines crowd near 1; centring spreads them out,
    which makes one similarity threshold meaningful across the set.
    """
    return l2_normalize(x - x.mean(axis=0, keepdims=True)) if len(x) > 1 else x


def pixel_source(
    renderings: dict[str, list[np.ndarray]], grid: int
) -> tuple[list[str], np.ndarray]:
    """Return the baseline pixel-and-distance embedding of each rendered character."""
    return mean_embeddings(renderings, lambda images: pixel_embed(images, grid))


def cnn_source(
    renderings: dict[str, list[np.ndarray]], config: dict, seed: int
) -> tuple[list[str], np.ndarray]:
    """Train the small CNN encoder on the renderings and return each character's mean embedding."""
    from pipeline.mining.encoder import encode, train_encoder  # torch only when this source is used

    model = train_encoder(
        renderings,
        embedding_size=int(config.get("embedding_size", 128)),
        epochs=int(config.get("epochs", 2)),
        batch_size=int(config.get("batch_size", 256)),
        learning_rate=float(config.get("learning_rate", 1e-3)),
        temperature=float(config.get("temperature", 0.05)),
        seed=seed,
        input_size=int(config.get("input_size", 32)),
    )
    return mean_embeddings(renderings, lambda images: encode(model, images))


def crops_source(
    crops_dir: str | Path,
    chars: list[str],
    size: int,
    grid: int,
    min_crops: int,
    skips: SkipCounter,
) -> tuple[list[str], np.ndarray]:
    """Return centroids of the pixel features of real crops, for classes with >= ``min_crops``."""
    try:
        glyphs = read_crop_glyphs(crops_dir, set(chars), size, skips)
    except FileNotFoundError as error:
        logger.warning("crops source is empty: %s", error)
        return [], np.zeros((0, 2 * grid * grid), np.float32)
    kept = {c: images for c, images in glyphs.items() if len(images) >= min_crops}
    for char, images in glyphs.items():
        if char not in kept:
            skips.skip("crops_below_min_crops", repr(char), f"{len(images)} < {min_crops} crops")
    if not kept:
        return [], np.zeros((0, 2 * grid * grid), np.float32)
    return pixel_source(kept, grid)


def compute_source(
    name: str,
    renderings: dict[str, list[np.ndarray]],
    params: dict,
    skips: SkipCounter,
) -> tuple[list[str], np.ndarray]:
    """Compute, clean and centre one source's embeddings for the rendered characters."""
    grid = int(params.get("feature_grid", 16))
    if name == "pixel":
        chars, x = pixel_source(renderings, grid)
    elif name == "cnn":
        chars, x = cnn_source(renderings, params.get("cnn") or {}, int(params.get("seed", 0)))
    elif name == "crops":
        chars, x = crops_source(
            params.get("crops_dir") or "",
            list(renderings),
            int(params.get("glyph_size", 64)),
            grid,
            int(params.get("min_crops", 20)),
            skips,
        )
    else:
        raise ValueError(f"unknown embedding source '{name}'; expected one of {', '.join(SOURCES)}")
    if not chars:
        return [], np.zeros((0, x.shape[1] if x.ndim == 2 else 1), np.float32)
    chars, x = clean_embeddings(chars, x, skips, name)
    # Crop centroids usually cover a handful of classes, whose own mean is no estimate of the
    # mean glyph, so they stay uncentred.
    if name == "crops" or not params.get("center", True):
        return chars, x
    return chars, center(x)
