"""Choose font faces per character and compute per-character glyph embeddings from renderings."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from pipeline.common.fonts import FontFace, covers
from pipeline.common.logs import SkipCounter, progress
from pipeline.mining.features import glyph_features
from pipeline.mining.render import GlyphError, render_glyph

logger = logging.getLogger(__name__)


def faces_for_char(char: str, faces: list[FontFace], max_faces: int) -> list[FontFace]:
    """Return the first ``max_faces`` faces (in the given preference order) whose cmap has ``char``.

    ``max_faces`` <= 0 means every covering face.
    """
    covering = []
    for face in faces:
        if covers(face, char):
            covering.append(face)
            if len(covering) == max_faces:
                break
    return covering


def render_all(
    chars: list[str], faces: list[FontFace], max_faces: int, size: int, skips: SkipCounter
) -> dict[str, list[np.ndarray]]:
    """Render each character in up to ``max_faces`` faces, skipping tofu, blanks and uncovered ones."""
    renderings: dict[str, list[np.ndarray]] = {}
    for char in progress(chars, desc="render glyphs", unit="char"):
        images = []
        for face in faces_for_char(char, faces, max_faces):
            try:
                images.append(render_glyph(char, face, size))
            except GlyphError as error:
                skips.skip("font_glyph_unusable", f"{char!r} in {face.key}", str(error))
        if images:
            renderings[char] = images
        else:
            skips.skip("char_without_font", repr(char), "no candidate font draws it; add a font")
    return renderings


def mean_embeddings(
    renderings: dict[str, list[np.ndarray]], embed: Callable[[list[np.ndarray]], np.ndarray]
) -> tuple[list[str], np.ndarray]:
    """Embed every rendering and average per character over fonts (rows not yet normalised).

    ``embed`` maps a list of glyph images to an (n, d) matrix. Each font's vector is L2-normalised
    before averaging, so a heavy bold face does not outweigh a light one.
    """
    chars = list(renderings)
    # One call over all images, so a network embeds full batches rather than 4-6 images at a time.
    x = embed([image for char in chars for image in renderings[char]])
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    counts = [len(renderings[char]) for char in chars]
    owner = np.repeat(np.arange(len(chars)), counts)
    sums = np.zeros((len(chars), x.shape[1]), np.float64)
    np.add.at(sums, owner, x)
    return chars, (sums / np.asarray(counts)[:, None]).astype(np.float32)


def pixel_embed(images: list[np.ndarray], grid: int = 16) -> np.ndarray:
    """Return the baseline pixel-and-distance features of each glyph image, one row each."""
    return np.stack([glyph_features(image, grid=grid) for image in images])
