"""Render synthetic glyphs in every covering font face onto real backgrounds, then distort them."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.common.fonts import FontFace, faces_covering, list_faces
from pipeline.common.images import encode_png
from pipeline.common.logs import SkipCounter
from pipeline.synth import augment
from pipeline.synth.backgrounds import list_backgrounds, load_background, random_patch
from pipeline.synth.masks import render_mask, rendering_defect

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SynthGlyph:
    """One rendered glyph: its character, PNG bytes, font face key and background photo path."""

    label: str
    image: bytes
    font: str
    background: str


def render_glyphs(
    chars: str,
    instances_per_char: int,
    params: dict[str, Any],
    seed: int,
    *,
    skips: SkipCounter | None = None,
) -> Iterator[SynthGlyph]:
    """Yield ``instances_per_char`` rendered glyphs of each character in ``chars``.

    Instances cycle through every installed face whose cmap covers the character (at most
    ``params['max_fonts_per_char']`` of them when that is above 0). Faces that draw a blank or
    the .notdef box for a character are dropped for it and counted in ``skips``. With the same
    installed fonts and background photos, the same arguments give byte-identical PNGs.
    """
    skips = skips if skips is not None else SkipCounter(logger, "synthetic glyphs")
    backgrounds = list_backgrounds(params["backgrounds"])
    all_faces = list_faces()
    for char in chars:
        faces = usable_faces(char, all_faces, params, skips)
        if not faces:
            continue
        for instance in range(instances_per_char):
            face = faces[instance % len(faces)]
            rng = np.random.default_rng([seed, ord(char), instance])
            background = backgrounds[int(rng.integers(len(backgrounds)))]
            pixels = load_background(background)
            if pixels is None:
                skips.skip("unreadable_background", background)
                continue
            image = render_one(face, char, pixels, params, rng)
            yield SynthGlyph(char, encode_png(image), face.key, str(background))


def usable_faces(
    char: str, all_faces: list[FontFace], params: dict[str, Any], skips: SkipCounter
) -> list[FontFace]:
    """Return the faces that cover ``char`` and draw a real glyph for it, in a per-character order.

    The order starts at an offset derived from the character, so that with fewer instances
    than faces different characters still use different faces. Every face dropped, and a
    character left without faces, is counted in ``skips``.
    """
    item = f"character {char!r} (U+{ord(char):04X})"
    covering = faces_covering(char, all_faces)
    if not covering:
        skips.skip("no_font_covers_char", item)
        return []
    offset = zlib.crc32(char.encode("utf-8")) % len(covering)
    covering = covering[offset:] + covering[:offset]
    faces = []
    for face in covering:
        defect = rendering_defect(face, char, render_mask(face, char))
        if defect:
            skips.skip(defect, f"{char!r} in {face.key}")
            continue
        faces.append(face)
    if not faces:
        skips.skip("no_font_renders_char", item, f"all {len(covering)} covering faces failed")
    cap = int(params.get("max_fonts_per_char") or 0)
    return faces[:cap] if cap > 0 else faces


def render_one(
    face: FontFace,
    char: str,
    background: np.ndarray,
    params: dict[str, Any],
    rng: np.random.Generator,
) -> np.ndarray:
    """Render one augmented glyph as an RGB uint8 array of ``params['image_size']`` pixels."""
    size = int(params["image_size"])
    patch = random_patch(background, size, rng)

    mask = augment.place_mask(render_mask(face, char), size, rng)
    mask = augment.warp_mask(mask, params["perspective"], params["rotation_degrees"], rng)
    colour = augment.contrasting_colour(patch, mask, rng)
    image = augment.composite(patch, mask, colour)

    image = augment.adjust_lighting(image, params["lighting"], rng)
    image = augment.occlude(image, params["occlusion_probability"], rng)
    image = augment.blur(image, params["blur_sigma_max"], rng)
    image = augment.add_noise(image, params["noise_std_max"], rng)
    return augment.jpeg_roundtrip(augment.to_uint8(image), int(params["jpeg_quality_min"]), rng)
