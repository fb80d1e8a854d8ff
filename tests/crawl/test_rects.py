"""Tests for the ReCTS source on JSON files in ReCTS's layout."""

from __future__ import annotations

import json

from pipeline.crawl.rects import iter_rects_source
from tests.crawl.images import read_kwargs, write_photo


def rects_source(tmp_path) -> dict:
    return {
        "name": "rects",
        "type": "rects",
        "licence": "ICDAR 2019 ReCTS: research use",
        "annotations": str(tmp_path / "gt"),
        "images": str(tmp_path / "img"),
    }


def test_chars_and_lines_with_dont_care(tmp_path, skips):
    write_photo(tmp_path / "img" / "train_ReCTS_000001.jpg", 120, 60)
    (tmp_path / "gt").mkdir()
    record = {
        "chars": [
            {"points": [10, 10, 30, 10, 30, 30, 10, 30], "transcription": "已", "ignore": 0},
            {"points": [32, 10, 52, 10, 52, 30, 32, 30], "transcription": "###", "ignore": 1},
            {"points": [1, 2, 3], "transcription": "巳", "ignore": 0},
        ],
        "lines": [
            {"points": [10, 10, 52, 10, 52, 30, 10, 30], "transcription": "已经", "ignore": 0},
        ],
    }
    (tmp_path / "gt" / "train_ReCTS_000001.json").write_text(
        json.dumps(record, ensure_ascii=False), encoding="utf-8"
    )

    (row,) = iter_rects_source(rects_source(tmp_path), **read_kwargs(tmp_path, skips))

    assert row["uri"] == "train_ReCTS_000001.jpg"
    assert json.loads(row["annotations"]) == [
        {"points": [[10, 10], [30, 10], [30, 30], [10, 30]], "text": "已", "level": "char"},
        {"points": [[10, 10], [52, 10], [52, 30], [10, 30]], "text": "已经", "level": "line"},
    ]
    assert skips.as_dict() == {"dont_care_region": 1, "malformed_annotation": 1}


def test_bad_files_are_counted(tmp_path, skips):
    (tmp_path / "gt").mkdir()
    write_photo(tmp_path / "img" / "a.jpg", 20, 20)
    write_photo(tmp_path / "img" / "c.jpg", 20, 20)
    (tmp_path / "gt" / "a.json").write_text("{broken", encoding="utf-8")
    (tmp_path / "gt" / "b.json").write_text('{"chars": [], "lines": []}', encoding="utf-8")
    (tmp_path / "gt" / "c.json").write_text("[1, 2]", encoding="utf-8")

    rows = list(iter_rects_source(rects_source(tmp_path), **read_kwargs(tmp_path, skips)))

    assert rows == []
    assert skips.as_dict() == {
        "image_not_found": 1,
        "invalid_json": 1,
        "malformed_annotation": 1,
    }


def test_gbk_annotation_file_is_decoded(tmp_path, skips):
    (tmp_path / "gt").mkdir()
    write_photo(tmp_path / "img" / "a.jpg", 40, 40)
    record = {
        "chars": [{"points": [0, 0, 20, 0, 20, 20, 0, 20], "transcription": "巳"}],
        "lines": [{"points": [0, 0, 40, 0, 40, 20, 0, 20], "transcription": "辰巳午未"}],
    }
    (tmp_path / "gt" / "a.json").write_bytes(json.dumps(record, ensure_ascii=False).encode("gbk"))

    (row,) = iter_rects_source(rects_source(tmp_path), **read_kwargs(tmp_path, skips))

    assert [a["text"] for a in json.loads(row["annotations"])] == ["巳", "辰巳午未"]
    assert dict(skips.notes) == {"decoded_as_gb18030": 1}
