"""Tests for the COCO-Text source on a JSON file in COCO-Text's layout."""

from __future__ import annotations

import json

from pipeline.crawl.cocotext import iter_cocotext_source
from tests.crawl.images import read_kwargs, write_photo


def cocotext_source(tmp_path, record) -> dict:
    path = tmp_path / "cocotext.v2.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return {
        "name": "cocotext",
        "type": "cocotext",
        "licence": "COCO-Text: CC BY 4.0",
        "annotations": str(path),
        "images": str(tmp_path / "train2014"),
    }


def test_legible_words_only(tmp_path, skips):
    write_photo(tmp_path / "train2014" / "COCO_train2014_000000000009.jpg", 64, 48)
    write_photo(tmp_path / "train2014" / "COCO_train2014_000000000010.jpg", 64, 48, seed=1)
    record = {
        "imgs": {
            "9": {
                "id": 9,
                "file_name": "COCO_train2014_000000000009.jpg",
                "width": 64,
                "height": 48,
            },
            "10": {
                "id": 10,
                "file_name": "COCO_train2014_000000000010.jpg",
                "width": 64,
                "height": 48,
            },
            "11": {
                "id": 11,
                "file_name": "COCO_train2014_000000000011.jpg",
                "width": 64,
                "height": 48,
            },
        },
        "anns": {
            "1": {
                "id": 1,
                "image_id": 9,
                "bbox": [4, 5, 20, 10],
                "utf8_string": "EXIT",
                "legibility": "legible",
                "language": "english",
                "class": "machine printed",
            },
            "2": {"id": 2, "image_id": 9, "bbox": [30, 5, 10, 10], "legibility": "illegible"},
            "3": {
                "id": 3,
                "image_id": 9,
                "bbox": [30, 20, 0, 10],
                "utf8_string": "I",
                "legibility": "legible",
            },
            "4": {"id": 4, "image_id": 9, "bbox": "wide", "legibility": "legible"},
        },
        "imgToAnns": {"9": [1, 2, 3, 4], "10": [], "11": []},
    }

    (row,) = iter_cocotext_source(cocotext_source(tmp_path, record), **read_kwargs(tmp_path, skips))

    assert row["uri"] == "COCO_train2014_000000000009.jpg"
    assert json.loads(row["annotations"]) == [
        {"points": [[4, 5], [24, 5], [24, 15], [4, 15]], "text": "EXIT", "level": "word"}
    ]
    assert skips.as_dict() == {
        "dont_care_region": 1,
        "malformed_annotation": 1,
        "no_text_annotations": 2,
        "zero_area_box": 1,
    }


def test_missing_keys_skip_the_file(tmp_path, skips):
    source = cocotext_source(tmp_path, {"images": []})

    assert list(iter_cocotext_source(source, **read_kwargs(tmp_path, skips))) == []
    assert skips.as_dict() == {"malformed_annotation": 1}
