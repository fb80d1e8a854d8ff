"""Local folder source: every image under a folder, optionally labelled as pre-cropped glyphs.

Without ``labels`` each image is a ``photo`` row. With ``labels`` (a TSV relative to the folder,
``file<TAB>label[<TAB>...]``, header line optional) each listed file becomes a ``glyph`` row with
that label, and images the file does not list are skipped as unlabelled.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.common.logs import SkipCounter
from pipeline.crawl.annotations import clean_text, source_path
from pipeline.crawl.rows import IMAGE_SUFFIXES, file_time, make_row, read_image
from pipeline.crawl.textfiles import read_text

logger = logging.getLogger(__name__)

HEADER_FILE_COLUMNS = ("file", "filename", "file_name", "path", "image")


def iter_local_source(
    source: dict[str, Any], *, skips: SkipCounter, max_pixels: int, cache_dir: Path
) -> Iterator[dict[str, Any]]:
    """Yield a row per image file under ``source['path']``, sorted by relative path."""
    root = source_path(source, "path")
    if not root.is_dir():
        raise FileNotFoundError(
            f"crawl source '{source['name']}': folder not found: {root}; fix its 'path'"
        )
    files = image_files(root)
    if not files:
        skips.skip("empty_folder", root, f"no {', '.join(IMAGE_SUFFIXES)} files")
        return
    labels = None
    if source.get("labels"):
        labels = read_labels(root / source["labels"], skips)
        if labels is None:
            return  # Without its labels a glyph folder has no usable row.
        listed = set(labels)
        for relative in sorted(set(labels) - set(files)):
            skips.skip("labelled_file_not_found", relative, f"listed in {source['labels']}")
        for relative in files:
            if relative not in listed:
                skips.skip("unlabelled_image", relative, f"not listed in {source['labels']}")
        files = [f for f in files if f in listed]
    for relative in files:
        image = read_image(root / relative, relative, skips=skips, max_pixels=max_pixels)
        if image is None:
            continue
        data, width, height = image
        stamp = file_time(root / relative)
        if labels is None:
            yield make_row(
                data, source=source, uri=relative, width=width, height=height, fetched_at=stamp
            )
        else:
            yield make_row(
                data,
                source=source,
                uri=relative,
                fetched_at=stamp,
                width=width,
                height=height,
                kind="glyph",
                label=labels[relative],
            )


def image_files(root: Path) -> list[str]:
    """Return the POSIX paths, relative to ``root``, of image files under it, sorted."""
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()
    )


def read_labels(path: Path, skips: SkipCounter) -> dict[str, str] | None:
    """Read a ``file<TAB>label`` TSV into {relative file: one-character label}.

    Rows whose label is not exactly one character after NFKC normalisation are skipped and
    counted. Returns None when the file itself cannot be read, which leaves the source empty.
    """
    text = read_text(path, skips=skips)
    if text is None:
        return None
    labels: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.rstrip("\r\n").split("\t")
        if not line.strip() or (number == 1 and is_header(fields)):
            continue
        item = f"{path}:{number}"
        if len(fields) < 2:
            skips.skip("malformed_label_row", item, f"expected 'file<TAB>label', got {line!r}")
            continue
        label = clean_text(fields[1], item, skips)
        if label is None:
            continue
        if len(label) != 1:
            skips.skip("label_not_one_character", item, f"label {label!r}")
            continue
        labels[Path(fields[0].strip()).as_posix()] = label
    return labels


def is_header(fields: list[str]) -> bool:
    return (
        len(fields) >= 2
        and fields[0].strip().lower() in HEADER_FILE_COLUMNS
        and (fields[1].strip().lower() in ("label", "char", "character", "text"))
    )
