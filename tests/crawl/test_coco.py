"""Tests for the COCO JSON source: text from the annotation, its attributes or its category."""

from __future__ import annotations

import json

from pipeline.crawl.coco import iter_coco_source
from tests.crawl.images import read_kwargs, write_photo


def test_text_sources_and_bad_boxes(tmp_path, skips):
    write_photo(tmp_path / "images" / "sign.jpg", 100, 60)
    write_photo(tmp_path / "images" / "blank.jpg", 30, 30, seed=1)
    record = {
        "images": [
            {"id": 1, "file_name": "sign.jpg", "width": 100, "height": 60},
            {"id": 2, "file_name": "blank.jpg", "width": 30, "height": 30},
            {"id": 3, "file_name": "gone.jpg", "width": 30, "height": 30},
        ],
        "categories": [{"id": 7, "name": "未"}, {"id": 8, "name": "text"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 7, "bbox": [10, 10, 20, 20]},
            {"id": 2, "image_id": 1, "category_id": 8, "bbox": [35, 10, 40, 20], "text": "EXIT"},
            {
                "id": 3,
                "image_id": 1,
                "category_id": 8,
                "bbox": [80, 10, 10, 20],
                "attributes": {"text": "ｌ"},
            },
            {"id": 4, "image_id": 1, "category_id": 8, "bbox": [500, 500, 10, 10], "text": "x"},
            {"id": 5, "image_id": 1, "category_id": 8, "text": "no box"},
        ],
    }
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    source = {
        "name": "coco",
        "type": "coco",
        "licence": "CC BY 4.0",
        "annotations": str(path),
        "images": str(tmp_path / "images"),
    }

    rows = list(iter_coco_source(source, **read_kwargs(tmp_path, skips)))

    assert [row["uri"] for row in rows] == ["blank.jpg", "sign.jpg"]
    assert json.loads(rows[0]["annotations"]) == []
    assert json.loads(rows[1]["annotations"]) == [
        {"points": [[10, 10], [30, 10], [30, 30], [10, 30]], "text": "未", "level": "char"},
        {"points": [[35, 10], [75, 10], [75, 30], [35, 30]], "text": "EXIT", "level": "word"},
        {"points": [[80, 10], [90, 10], [90, 30], [80, 30]], "text": "l", "level": "char"},
    ]
    assert skips.as_dict() == {
        "box_outside_image": 1,
        "image_not_found": 1,
        "malformed_annotation": 1,
    }
    assert dict(skips.notes) == {"label_normalized": 1}
