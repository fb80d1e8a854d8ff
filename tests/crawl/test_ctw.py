"""Tests for the CTW source on a small JSON-lines file in CTW's layout."""

from __future__ import annotations

import json

from pipeline.crawl.ctw import iter_ctw_source
from tests.crawl.images import read_kwargs, write_photo


def ctw_char(polygon, text):
    xs = [x for x, _ in polygon]
    ys = [y for _, y in polygon]
    return {
        "polygon": polygon,
        "text": text,
        "is_chinese": True,
        "attributes": ["distorted"],
        "adjusted_bbox": [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)],
    }


def write_ctw(tmp_path, lines):
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {
        "name": "ctw",
        "type": "ctw",
        "licence": "CC BY-NC-SA 4.0",
        "annotations": str(path),
        "images": str(tmp_path / "images"),
    }


def test_characters_of_every_sentence(tmp_path, skips):
    write_photo(tmp_path / "images" / "0000172.jpg", 100, 80)
    record = {
        "image_id": "0000172",
        "file_name": "0000172.jpg",
        "width": 100,
        "height": 80,
        "annotations": [
            [
                ctw_char([[10, 10], [30, 11], [30, 31], [10, 30]], "未"),
                ctw_char([[32, 10], [52, 10], [52, 30], [32, 30]], "末"),
            ],
            [
                ctw_char([[90, 70], [110, 70], [110, 90], [90, 90]], "己"),  # clipped to the image
                ctw_char([[5, 5], [5, 5], [5, 5], [5, 5]], "已"),  # zero area
                ctw_char([[200, 200], [220, 200], [220, 220], [200, 220]], "巳"),  # outside
            ],
        ],
        "ignore": [],
    }
    source = write_ctw(tmp_path, [json.dumps(record, ensure_ascii=False)])

    (row,) = iter_ctw_source(source, **read_kwargs(tmp_path, skips))

    assert (row["uri"], row["kind"], row["source_type"]) == ("0000172.jpg", "photo", "ctw")
    assert json.loads(row["annotations"]) == [
        {"points": [[10, 10], [30, 11], [30, 31], [10, 30]], "text": "未", "level": "char"},
        {"points": [[32, 10], [52, 10], [52, 30], [32, 30]], "text": "末", "level": "char"},
        {"points": [[90, 70], [100, 70], [100, 80], [90, 80]], "text": "己", "level": "char"},
    ]
    assert skips.as_dict() == {"box_outside_image": 1, "zero_area_box": 1}


def test_malformed_lines_and_missing_images(tmp_path, skips):
    write_photo(tmp_path / "images" / "ok.jpg", 20, 20)
    good = {"file_name": "ok.jpg", "annotations": [[{"text": "未"}]]}
    missing = {"file_name": "absent.jpg", "annotations": []}
    source = write_ctw(
        tmp_path,
        ["{not json", json.dumps({"image_id": "1"}), json.dumps(good), json.dumps(missing), ""],
    )

    rows = list(iter_ctw_source(source, **read_kwargs(tmp_path, skips)))

    assert [row["uri"] for row in rows] == ["ok.jpg"]
    assert json.loads(rows[0]["annotations"]) == []
    assert skips.as_dict() == {"image_not_found": 1, "malformed_annotation": 3}
