"""Identify image formats by their leading bytes before anything is decoded."""

from __future__ import annotations

# (offset, signature, MIME type). WebP is checked separately because it needs two signatures.
SIGNATURES = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"BM", "image/bmp"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
)


def sniff_image_type(data: bytes) -> str | None:
    """Return the MIME type that the magic bytes of ``data`` indicate, or None if no format matches."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for offset, signature, mime in SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            return mime
    return None


def media_type(content_type: str | None) -> str:
    """Return the lower-case media type of a Content-Type header, without parameters."""
    return (content_type or "").split(";", 1)[0].strip().lower()
