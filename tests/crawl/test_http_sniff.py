"""Tests of magic-byte format detection on images encoded by Pillow."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from pipeline.crawl.http_sniff import media_type, sniff_image_type


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("GIF", "image/gif"),
        ("WEBP", "image/webp"),
        ("BMP", "image/bmp"),
        ("TIFF", "image/tiff"),
    ],
)
def test_sniff_pillow_encodings(fmt, mime):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buffer, format=fmt)
    assert sniff_image_type(buffer.getvalue()) == mime


@pytest.mark.parametrize(
    "data", [b"", b"<!doctype html>", b"RIFF\x00\x00\x00\x00WAVE", b"\xff\xd8"]
)
def test_sniff_rejects_non_images(data):
    assert sniff_image_type(data) is None


def test_media_type_drops_parameters():
    assert media_type("Image/JPEG; charset=binary") == "image/jpeg"
    assert media_type(None) == ""
