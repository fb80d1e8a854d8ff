"""Tests for the ICDAR 2013 and 2015 sources on ground-truth files in their layouts."""

from __future__ import annotations

import json

import pytest

from pipeline.crawl.icdar import iter_icdar_source, parse_line
from tests.crawl.images import read_kwargs, write_photo


def icdar_source(tmp_path) -> dict:
    return {
        "name": "icdar",
        "type": "icdar",
        "licence": "ICDAR Robust Reading: research use",
        "annotations": str(tmp_path / "gt"),
        "images": str(tmp_path / "images"),
    }


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('38 43 920 215 "Tiredness"', ([[38, 43], [920, 43], [920, 215], [38, 215]], "Tiredness")),
        ('38, 43, 920, 215, "kills"', ([[38, 43], [920, 43], [920, 215], [38, 215]], "kills")),
        (
            "377,117,463,117,465,130,378,130,Genaxis Theatre",
            ([[377, 117], [463, 117], [465, 130], [378, 130]], "Genaxis Theatre"),
        ),
        ("1,2,3,2,3,4,1,4,a,b", ([[1, 2], [3, 2], [3, 4], [1, 4]], "a,b")),
        ("1,2,3,2,3,4,1,4,###", ([[1, 2], [3, 2], [3, 4], [1, 4]], "###")),
        ("1 2 3 Tiredness", None),
        ("", None),
    ],
)
def test_parse_line(line, expected):
    assert parse_line(line) == expected


def test_icdar2015_file_with_bom_and_dont_care(tmp_path, skips):
    write_photo(tmp_path / "images" / "img_1.jpg", 100, 50)
    (tmp_path / "gt").mkdir()
    (tmp_path / "gt" / "gt_img_1.txt").write_text(
        "10,10,60,10,60,30,10,30,OPEN\r\n"
        "70,10,90,10,90,30,70,30,###\r\n"
        "10,35,10,35,10,35,10,35,DOT\r\n"
        "garbage line\r\n",
        encoding="utf-8-sig",
    )

    (row,) = iter_icdar_source(icdar_source(tmp_path), **read_kwargs(tmp_path, skips))

    assert row["uri"] == "img_1.jpg"
    assert json.loads(row["annotations"]) == [
        {"points": [[10, 10], [60, 10], [60, 30], [10, 30]], "text": "OPEN", "level": "word"}
    ]
    assert skips.as_dict() == {
        "dont_care_region": 1,
        "malformed_annotation": 1,
        "zero_area_box": 1,
    }


def test_icdar2013_file_and_missing_image(tmp_path, skips):
    write_photo(tmp_path / "images" / "100.png", 80, 40)
    (tmp_path / "gt").mkdir()
    (tmp_path / "gt" / "gt_100.txt").write_text('5 5 40 30 "Ｑ0"\n', encoding="utf-8")
    (tmp_path / "gt" / "gt_101.txt").write_text('5 5 40 30 "lost"\n', encoding="utf-8")

    rows = list(iter_icdar_source(icdar_source(tmp_path), **read_kwargs(tmp_path, skips)))

    assert [row["uri"] for row in rows] == ["100.png"]
    assert json.loads(rows[0]["annotations"]) == [
        {"points": [[5, 5], [40, 5], [40, 30], [5, 30]], "text": "Q0", "level": "word"}
    ]
    assert skips.as_dict() == {"image_not_found": 1}
    assert dict(skips.notes) == {"label_normalized": 1}


def test_undecodable_file_is_skipped(tmp_path, skips):
    write_photo(tmp_path / "images" / "1.jpg", 20, 20)
    (tmp_path / "gt").mkdir()
    (tmp_path / "gt" / "gt_1.txt").write_bytes(b"1,1,5,1,5,5,1,5,\xff\xfe\xff\n")

    rows = list(iter_icdar_source(icdar_source(tmp_path), **read_kwargs(tmp_path, skips)))

    assert rows == []
    assert skips.as_dict() == {"undecodable_text_file": 1}


def test_empty_annotation_folder_is_counted(tmp_path, skips):
    (tmp_path / "gt").mkdir()

    assert list(iter_icdar_source(icdar_source(tmp_path), **read_kwargs(tmp_path, skips))) == []
    assert skips.as_dict() == {"empty_folder": 1}
