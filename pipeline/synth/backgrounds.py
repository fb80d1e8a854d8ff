"""Background photos that synthetic glyphs are drawn onto."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import cv2
import numpy as np

from pipeline.common.images import ImageDecodeError, decode_image

logger = logging.getLogger(__name__)

BACKGROUND_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")

# mate-backgrounds wallpapers are up to 5640x3172 pixels, but a glyph patch is at most
# 4 x image_size pixels wide, so the cached copy is downscaled to keep memory low.
MAX_BACKGROUND_SIDE = 1024


class BackgroundsError(FileNotFoundError):
    """Raised when no usable background photo is found."""


def list_backgrounds(directories: list[str] | tuple[str, ...]) -> list[Path]:
    """List the background photo files under ``directories`` (recursive, sorted)."""
    missing = [d for d in directories if not Path(d).is_dir()]
    if missing:
        raise BackgroundsError(
            f"background directory not found: {', '.join(missing)}; install the Debian package "
            "mate-backgrounds (apt-get install mate-backgrounds) or set synth.backgrounds to "
            "folders of photos"
        )
    paths = sorted(
        path
        for directory in directories
        for path in Path(directory).rglob("*")
        if path.is_file() and path.suffix.lower() in BACKGROUND_SUFFIXES
    )
    if not paths:
        raise BackgroundsError(
            f"no background photos ({', '.join(BACKGROUND_SUFFIXES)}) under "
            f"{', '.join(directories)}; install mate-backgrounds or point synth.backgrounds "
            "to another folder"
        )
    return paths


@functools.lru_cache(maxsize=256)
def load_background(path: Path) -> np.ndarray | None:
    """Decode one background photo into a downscaled RGB uint8 array (None if unreadable)."""
    try:
        image = decode_image(path.read_bytes(), name=str(path))
    except (OSError, ImageDecodeError) as error:
        logger.warning("skipped background photo %s: %s", path, error)
        return None
    image.thumbnail((MAX_BACKGROUND_SIDE, MAX_BACKGROUND_SIDE))
    return np.asarray(image)


def random_patch(background: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Cut a random square patch of 1x to 4x ``size`` pixels and resize it to ``size``."""
    height, width = background.shape[:2]
    side = int(min(rng.integers(size, 4 * size + 1), height, width))
    top = int(rng.integers(0, height - side + 1))
    left = int(rng.integers(0, width - side + 1))
    patch = background[top : top + side, left : left + side]
    return cv2.resize(patch, (size, size), interpolation=cv2.INTER_AREA)
