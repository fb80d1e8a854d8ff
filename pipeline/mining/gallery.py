"""Draw a PNG gallery of mined groups, each member shown in several fonts."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.common.images import encode_png
from pipeline.common.io import atomic_path

GAP = 4


def gallery_image(
    groups: list[dict], renderings: dict[str, list[np.ndarray]], max_groups: int, max_fonts: int
) -> np.ndarray:
    """Return an RGB image with one row per group and, per member, its first ``max_fonts`` glyphs.

    Glyphs are drawn black on white; a grey bar separates members so look-alikes sit side by side.
    """
    rows = []
    for group in groups[:max_groups]:
        cells = []
        for member in group["members"]:
            glyphs = renderings.get(member, [])[:max_fonts]
            if not glyphs:
                continue
            cells.append(np.concatenate([255 - g for g in glyphs], axis=1))
            cells.append(np.full((glyphs[0].shape[0], GAP), 160, np.uint8))
        if cells:
            rows.append(np.concatenate(cells[:-1], axis=1))
    if not rows:
        return np.full((32, 32, 3), 255, np.uint8)
    width = max(r.shape[1] for r in rows)
    padded = []
    for row in rows:
        padded.append(np.pad(row, ((0, GAP), (0, width - row.shape[1])), constant_values=255))
    grey = np.concatenate(padded, axis=0)
    return np.repeat(grey[:, :, None], 3, axis=2)


def write_gallery(path: str | Path, image: np.ndarray) -> None:
    """Write the gallery PNG atomically."""
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(encode_png(image))
