"""Small generated images in the formats cameras and annotation tools produce."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from pipeline.common.logs import SkipCounter


def encode(image: Image.Image, fmt: str = "PNG", **save_args) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save_args)
    return buffer.getvalue()


def photo(width: int = 40, height: int = 30, seed: int = 0) -> Image.Image:
    """Return a noisy RGB image, different for each seed so that SHA-256 keys differ."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8))


def write_photo(path: Path, width: int = 40, height: int = 30, seed: int = 0) -> bytes:
    """Write a PNG or JPEG (by suffix) and return its bytes."""
    fmt = "JPEG" if path.suffix.lower() in (".jpg", ".jpeg") else "PNG"
    data = encode(photo(width, height, seed), fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def read_kwargs(tmp_path: Path, skips: SkipCounter, max_pixels: int = 10_000_000) -> dict:
    """Return the keyword arguments every source reader takes."""
    return {"skips": skips, "max_pixels": max_pixels, "cache_dir": tmp_path / "cache"}
