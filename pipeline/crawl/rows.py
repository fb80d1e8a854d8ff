"""The ``data/crawl`` row schema and helpers that build rows from image bytes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.common.images import ImageDecodeError, decode_image, sha256_bytes
from pipeline.common.logs import SkipCounter

CRAWL_SCHEMA = pa.schema(
    [
        ("sha256", pa.string()),
        ("image", pa.binary()),
        ("source", pa.string()),
        ("source_type", pa.string()),
        ("uri", pa.string()),
        ("licence", pa.string()),
        ("fetched_at", pa.string()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("num_bytes", pa.int64()),
        ("kind", pa.string()),
        ("label", pa.string()),
        ("annotations", pa.string()),
        ("synthetic", pa.bool_()),
    ]
)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def utc_now() -> str:
    """Return the current UTC time as ISO 8601 with seconds, e.g. 2026-12-04T20:00:00Z."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def file_time(path: Path) -> str:
    """Return the modification time of ``path`` as ISO 8601 UTC, e.g. 2026-12-04T20:00:00Z.

    Rows read from local files carry this time, so re-crawling files whose modification times
    are unchanged writes identical shards, and DVC does not re-run the stages after crawl.
    """
    stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_row(
    data: bytes,
    *,
    source: dict[str, Any],
    uri: str,
    width: int,
    height: int,
    kind: str = "photo",
    label: str | None = None,
    annotations: list[dict[str, Any]] | None = None,
    synthetic: bool = False,
    fetched_at: str | None = None,
) -> dict[str, Any]:
    """Build one ``data/crawl`` row with provenance taken from the source config.

    ``fetched_at`` is ``utc_now()`` for downloads, the file time (``file_time``) for local files
    and None for rendered glyphs, which are not fetched from anywhere.
    """
    return {
        "sha256": sha256_bytes(data),
        "image": data,
        "source": source["name"],
        "source_type": source["type"],
        "uri": uri,
        "licence": source["licence"],
        "fetched_at": fetched_at,
        "width": width,
        "height": height,
        "num_bytes": len(data),
        "kind": kind,
        "label": label,
        "annotations": None if annotations is None else json.dumps(annotations, ensure_ascii=False),
        "synthetic": synthetic,
    }


def read_image(
    path: Path, uri: str, *, skips: SkipCounter, max_pixels: int
) -> tuple[bytes, int, int] | None:
    """Read and decode an image file into (raw bytes, width, height), or None after a counted skip.

    Width and height are those after EXIF rotation, as the crawl schema requires.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        skips.skip("image_not_found", uri, f"expected a file at {path}")
        return None
    except OSError as error:
        skips.skip("unreadable_file", uri, str(error))
        return None
    try:
        image = decode_image(data, max_pixels=max_pixels, name=uri)
    except ImageDecodeError as error:
        skips.skip(decode_skip_reason(error), uri, str(error))
        return None
    return data, image.width, image.height


def decode_skip_reason(error: ImageDecodeError) -> str:
    """Return the skip reason for a decoding error: over the pixel limit or undecodable."""
    message = str(error)
    if "exceeds the limit" in message or "decompression bomb" in message:
        return "over_pixel_limit"
    return "undecodable_image"
