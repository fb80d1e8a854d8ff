"""Synthetic source: glyphs rendered by ``pipeline.synth`` for a charset.

Config keys: ``charset`` (a ``load_charset`` spec), ``instances_per_char``, ``synth`` (the
params ``synth`` section, which the stage fills in) and optional ``seed``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.common.charsets import load_charset
from pipeline.common.logs import SkipCounter
from pipeline.crawl.rows import make_row
from pipeline.synth import render_glyphs

logger = logging.getLogger(__name__)


def iter_synthetic_source(
    source: dict[str, Any], *, skips: SkipCounter, max_pixels: int, cache_dir: Path
) -> Iterator[dict[str, Any]]:
    """Yield one ``glyph`` row per rendered glyph, with a ``synth://<font>/<char>/<n>`` uri."""
    for key in ("charset", "instances_per_char", "synth"):
        if key not in source:
            raise ValueError(
                f"crawl source '{source.get('name')}' of type 'synthetic' needs '{key}'"
            )
    chars = load_charset(source["charset"])
    size = int(source["synth"]["image_size"])
    seed = int(source.get("seed", 0))
    counts: dict[str, int] = {}
    glyphs = render_glyphs(
        chars, int(source["instances_per_char"]), source["synth"], seed, skips=skips
    )
    for glyph in glyphs:
        number = counts[glyph.label] = counts.get(glyph.label, -1) + 1
        yield make_row(
            glyph.image,
            source=source,
            uri=f"synth://{glyph.font}/{glyph.label}/{number}",
            width=size,
            height=size,
            kind="glyph",
            label=glyph.label,
            synthetic=True,
            fetched_at=None,
        )
