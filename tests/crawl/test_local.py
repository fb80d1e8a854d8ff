"""Tests for the local folder source, on generated images and the real Chars74K crops."""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pytest
from PIL import Image

from pipeline.crawl.local import iter_local_source
from pipeline.crawl.rows import CRAWL_SCHEMA
from tests.crawl.images import encode, photo, read_kwargs, write_photo


def local_source(path, **extra) -> dict:
    return {"name": "shelf", "type": "local", "path": str(path), "licence": "CC0", **extra}


def test_photos_are_sorted_with_schema_columns(tmp_path, skips):
    root = tmp_path / "photos"
    second = write_photo(root / "b" / "street.png", seed=2)
    first = write_photo(root / "a.jpg", 50, 20, seed=1)
    (root / "notes.txt").write_text("not an image")

    rows = list(iter_local_source(local_source(root), **read_kwargs(tmp_path, skips)))

    assert [row["uri"] for row in rows] == ["a.jpg", "b/street.png"]
    assert list(rows[0]) == CRAWL_SCHEMA.names
    assert rows[0]["image"] == first
    assert rows[1]["image"] == second
    assert rows[0]["sha256"] == hashlib.sha256(first).hexdigest()
    assert (rows[0]["width"], rows[0]["height"], rows[0]["num_bytes"]) == (50, 20, len(first))
    assert rows[0]["kind"] == "photo"
    assert rows[0]["label"] is None
    assert rows[0]["annotations"] is None
    assert rows[0]["synthetic"] is False
    assert (rows[0]["source"], rows[0]["source_type"], rows[0]["licence"]) == (
        "shelf",
        "local",
        "CC0",
    )
    assert rows[0]["fetched_at"].endswith("Z")
    assert skips.total == 0


def test_fetched_at_is_the_file_time(tmp_path, skips):
    root = tmp_path / "photos"
    write_photo(root / "a.png", seed=1)
    os.utime(root / "a.png", (1_700_000_000, 1_700_000_000))

    rows = list(iter_local_source(local_source(root), **read_kwargs(tmp_path, skips)))

    assert rows[0]["fetched_at"] == "2023-11-14T22:13:20Z"


def test_exif_rotation_swaps_size(tmp_path, skips):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    data = encode(photo(40, 20), "JPEG", exif=exif.tobytes())
    (tmp_path / "rotated.jpg").write_bytes(data)

    (row,) = iter_local_source(local_source(tmp_path), **read_kwargs(tmp_path, skips))

    assert (row["width"], row["height"]) == (20, 40)
    assert row["image"] == data, "raw bytes are stored as fetched, not re-encoded"


def test_cmyk_16bit_and_alpha_images_are_kept(tmp_path, skips):
    (tmp_path / "cmyk.jpg").write_bytes(encode(Image.new("CMYK", (12, 10), (0, 255, 0, 0)), "JPEG"))
    deep = Image.fromarray(np.full((9, 11), 40000, dtype=np.uint16))
    (tmp_path / "deep.png").write_bytes(encode(deep))
    (tmp_path / "alpha.png").write_bytes(encode(Image.new("RGBA", (8, 7), (255, 0, 0, 0))))

    rows = list(iter_local_source(local_source(tmp_path), **read_kwargs(tmp_path, skips)))

    sizes = {row["uri"]: (row["width"], row["height"]) for row in rows}
    assert sizes == {"alpha.png": (8, 7), "cmyk.jpg": (12, 10), "deep.png": (11, 9)}
    assert skips.total == 0


def test_corrupt_and_oversized_images_are_skipped(tmp_path, skips):
    good = write_photo(tmp_path / "good.png", seed=3)
    truncated = write_photo(tmp_path / "truncated.jpg", 60, 60, seed=4)
    (tmp_path / "truncated.jpg").write_bytes(truncated[: len(truncated) // 2])
    (tmp_path / "empty.png").write_bytes(b"")
    write_photo(tmp_path / "huge.png", 120, 100, seed=5)

    rows = list(iter_local_source(local_source(tmp_path), **read_kwargs(tmp_path, skips, 5000)))

    assert [row["image"] for row in rows] == [good]
    assert skips.as_dict() == {"over_pixel_limit": 1, "undecodable_image": 2}


def test_empty_folder_is_counted(tmp_path, skips):
    (tmp_path / "readme.md").write_text("no images here")

    rows = list(iter_local_source(local_source(tmp_path), **read_kwargs(tmp_path, skips)))

    assert rows == []
    assert skips.as_dict() == {"empty_folder": 1}


def test_missing_folder_raises(tmp_path, skips):
    with pytest.raises(
        FileNotFoundError, match=r"crawl source 'shelf': folder not found: .*nowhere"
    ):
        list(iter_local_source(local_source(tmp_path / "nowhere"), **read_kwargs(tmp_path, skips)))


def test_labels_make_glyph_rows(tmp_path, skips):
    for index, name in enumerate(["img/a.png", "img/b.png", "img/c.png", "img/d.png", "img/e.png"]):
        write_photo(tmp_path / name, 10, 10, seed=index)
    (tmp_path / "labels.tsv").write_text(
        "file\tlabel\toriginal_path\n"
        "img/a.png\t未\tA/1.png\n"
        "img/b.png\tＯ\tA/2.png\n"  # full-width O, normalised to O
        "img/c.png\tab\tA/3.png\n"
        "img/missing.png\t0\tA/4.png\n"
        "img/d.png\n",
        encoding="utf-8",
    )

    rows = list(
        iter_local_source(
            local_source(tmp_path, labels="labels.tsv"), **read_kwargs(tmp_path, skips)
        )
    )

    assert [(row["uri"], row["label"], row["kind"]) for row in rows] == [
        ("img/a.png", "未", "glyph"),
        ("img/b.png", "O", "glyph"),
    ]
    assert skips.as_dict() == {
        "label_not_one_character": 1,
        "labelled_file_not_found": 1,
        "malformed_label_row": 1,
        "unlabelled_image": 3,
    }
    assert dict(skips.notes) == {"label_normalized": 1}


def test_gb18030_labels_are_decoded(tmp_path, skips):
    write_photo(tmp_path / "x.png", 10, 10)
    # A GBK text this short could also be valid UTF-8, so the third column adds invalid bytes.
    (tmp_path / "labels.tsv").write_bytes("x.png\t末\t示例\n".encode("gb18030"))

    rows = list(
        iter_local_source(
            local_source(tmp_path, labels="labels.tsv"), **read_kwargs(tmp_path, skips)
        )
    )

    assert [row["label"] for row in rows] == ["末"]
    assert dict(skips.notes) == {"decoded_as_gb18030": 1}


def test_undecodable_labels_leave_source_empty(tmp_path, skips):
    write_photo(tmp_path / "x.png", 10, 10)
    (tmp_path / "labels.tsv").write_bytes(b"x.png\t\xff\xff\xff\n")

    rows = list(
        iter_local_source(
            local_source(tmp_path, labels="labels.tsv"), **read_kwargs(tmp_path, skips)
        )
    )

    assert rows == []
    assert skips.as_dict() == {"undecodable_text_file": 1}


def test_chars74k_crops_become_glyphs(realdata, tmp_path, skips):
    root = realdata / "chars74k_goodimg_subset"
    source = local_source(root, labels="labels.tsv", licence="research use only")

    rows = list(iter_local_source(source, **read_kwargs(tmp_path, skips)))

    expected = [line.split("\t") for line in (root / "labels.tsv").read_text().splitlines()[1:]]
    assert len(rows) == len(expected) == 1832
    assert {row["label"] for row in rows} == set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert {row["kind"] for row in rows} == {"glyph"}
    assert {(row["width"], row["height"]) for row in rows} == {(100, 100)}
    labels = {fields[0]: fields[1] for fields in expected}
    assert all(labels[row["uri"]] == row["label"] for row in rows)
    assert skips.total == 0
    assert json.dumps(skips.as_dict()) == "{}"
