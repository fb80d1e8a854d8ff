"""Defensive image decoding: EXIF orientation, CMYK, 16-bit, alpha, truncation and pixel limits."""

from __future__ import annotations

import hashlib
import io
import warnings

import numpy as np
from PIL import Image, ImageOps

# A photo above this many pixels is rejected as a possible decompression bomb (about 16k x 12k).
MAX_PIXELS = 200_000_000


class ImageDecodeError(ValueError):
    """Raised when bytes cannot be decoded into a usable image; the message names the reason."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_image(data: bytes, max_pixels: int = MAX_PIXELS, name: str = "<bytes>") -> Image.Image:
    """Decode bytes into an 8-bit RGB PIL image with EXIF rotation applied.

    Raises ImageDecodeError for empty, truncated or corrupt data, images over ``max_pixels``,
    and zero-sized images. Alpha is composited on white; CMYK, palette, 16-bit and float modes
    are converted to 8-bit RGB.
    """
    if not data:
        raise ImageDecodeError(f"{name}: empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise ImageDecodeError(
                    f"{name}: {width}x{height} = {width * height} pixels exceeds the limit of "
                    f"{max_pixels}; raise max_pixels if this photo is genuine"
                )
            image.load()
    except ImageDecodeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageDecodeError(f"{name}: rejected as a decompression bomb ({error})") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageDecodeError(f"{name}: cannot decode image ({error})") from error
    if image.width == 0 or image.height == 0:
        raise ImageDecodeError(f"{name}: zero-sized image")
    try:
        image = ImageOps.exif_transpose(image)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ImageDecodeError(f"{name}: invalid EXIF orientation ({error})") from error
    return to_rgb(image)


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any PIL mode to 8-bit RGB, compositing transparency on white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        peak = array.max() if array.size and array.max() > 255 else 255.0
        image = Image.fromarray(np.clip(array * (255.0 / peak), 0, 255).astype(np.uint8), mode="L")
    elif image.mode == "F":
        array = np.asarray(image, dtype=np.float64)
        span = array.max() - array.min()
        scaled = (array - array.min()) / span * 255.0 if span > 0 else np.zeros_like(array)
        image = Image.fromarray(scaled.astype(np.uint8), mode="L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        background.alpha_composite(image.convert("RGBA"))
        return background.convert("RGB")
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


def to_bgr_array(image: Image.Image) -> np.ndarray:
    """Return an OpenCV BGR uint8 array for an RGB PIL image."""
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])


def encode_png(image: Image.Image | np.ndarray) -> bytes:
    """Encode an image (PIL RGB/L or RGB uint8 array) as PNG bytes without timestamps."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()
