"""Tests for the Label Studio source on a JSON export in Label Studio's layout."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipeline.crawl.labelstudio import iter_labelstudio_source, order_clockwise, region_quad
from tests.crawl.images import read_kwargs, write_photo


def rectangle(region_id, x, y, width, height, rotation=0.0):
    return {
        "id": region_id,
        "type": "rectangle",
        "from_name": "bbox",
        "to_name": "image",
        "original_width": 200,
        "original_height": 100,
        "image_rotation": 0,
        "value": {"x": x, "y": y, "width": width, "height": height, "rotation": rotation},
    }


def textarea(region_id, text):
    return {
        "id": region_id,
        "type": "textarea",
        "from_name": "transcription",
        "to_name": "image",
        "value": {"text": [text]},
    }


def test_rectangle_percent_to_pixels():
    quad = region_quad(rectangle("r", 10, 20, 25, 50))
    assert quad == [[20.0, 20.0], [70.0, 20.0], [70.0, 70.0], [20.0, 70.0]]


def test_rotated_rectangle_turns_about_top_left():
    quad = region_quad(rectangle("r", 10, 20, 10, 10, rotation=90))
    assert np.allclose(quad, [[20, 20], [20, 40], [10, 40], [10, 20]])


def test_polygon_with_five_points_becomes_min_area_quad():
    result = {
        "original_width": 100,
        "original_height": 100,
        "value": {"points": [[10, 10], [50, 10], [50, 30], [30, 30], [10, 30]]},
    }
    assert np.allclose(region_quad(result), [[10, 10], [50, 10], [50, 30], [10, 30]])


def test_polygon_needs_three_points():
    result = {"original_width": 100, "original_height": 100, "value": {"points": [[1, 1], [2, 2]]}}
    with pytest.raises(ValueError, match="polygon needs at least 3 points, got 2"):
        region_quad(result)


def test_order_clockwise_from_top_left():
    points = np.array([[10, 30], [50, 10], [10, 10], [50, 30]], dtype=float)
    assert order_clockwise(points) == [[10, 10], [50, 10], [50, 30], [10, 30]]


def test_export_regions_texts_and_labels(tmp_path, skips):
    write_photo(tmp_path / "upload" / "street.jpg", 200, 100)
    write_photo(tmp_path / "upload" / "other.png", 200, 100, seed=1)
    tasks = [
        {
            "id": 1,
            "data": {"image": "/data/upload/1/8f2c1a9b-street.jpg"},
            "annotations": [
                {
                    "was_cancelled": False,
                    "result": [
                        rectangle("a", 10, 20, 5, 30),
                        textarea("a", "末"),
                        rectangle("b", 30, 20, 20, 30),
                        textarea("b", "未来"),
                        {
                            "id": "c",
                            "type": "polygonlabels",
                            "original_width": 200,
                            "original_height": 100,
                            "value": {
                                "points": [[60, 20], [70, 20], [70, 50], [60, 50]],
                                "polygonlabels": ["O"],
                            },
                        },
                        textarea("d", "orphan text"),
                        rectangle("e", 150, 150, 10, 10),
                        textarea("e", "x"),
                    ],
                }
            ],
        },
        {
            "id": 2,
            "data": {"image": "other.png"},
            "annotations": [{"was_cancelled": True, "result": [rectangle("z", 1, 1, 5, 5)]}],
        },
        {"id": 3, "data": {"image": "/data/upload/1/missing.jpg"}, "annotations": []},
        {"id": 4, "data": {}},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    source = {
        "name": "ls",
        "type": "labelstudio",
        "licence": "own photos",
        "annotations": str(path),
        "images": str(tmp_path / "upload"),
    }

    rows = list(iter_labelstudio_source(source, **read_kwargs(tmp_path, skips)))

    assert [row["uri"] for row in rows] == ["street.jpg", "other.png"]
    assert json.loads(rows[0]["annotations"]) == [
        {"points": [[20, 20], [30, 20], [30, 50], [20, 50]], "text": "末", "level": "char"},
        {"points": [[60, 20], [100, 20], [100, 50], [60, 50]], "text": "未来", "level": "word"},
        {"points": [[120, 20], [140, 20], [140, 50], [120, 50]], "text": "O", "level": "char"},
    ]
    assert json.loads(rows[1]["annotations"]) == []
    assert skips.as_dict() == {
        "box_outside_image": 1,
        "image_not_found": 1,
        "malformed_annotation": 2,
    }
