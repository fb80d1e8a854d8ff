"""Parsing of labels/overrides.tsv: valid rows, the last-row rule and line-numbered errors."""

from __future__ import annotations

import pytest

from pipeline.export.overrides import OverridesError, read_overrides
from tests.export.conftest import write_overrides

STAMP = ("ann", "2026-01-01T00:00:00Z")


def test_missing_file_means_no_decisions(tmp_path):
    overrides = read_overrides(tmp_path / "overrides.tsv")
    assert len(overrides) == 0


def test_last_row_for_a_crop_wins(tmp_path):
    path = tmp_path / "overrides.tsv"
    write_overrides(
        path,
        [
            ("abc", "relabel", "Ｏ", *STAMP, ""),
            ("abc", "confirm", "", *STAMP, ""),
            ("def", "reject", "", *STAMP, "bad_crop"),
            ("han-0001", "merge_groups", "han-0002", *STAMP, ""),
        ],
    )
    overrides = read_overrides(path)
    assert overrides.crops["abc"].action == "confirm"
    assert overrides.crops["abc"].line == 3
    assert overrides.crops["def"].reason == "bad_crop"
    assert [(g.target, g.value) for g in overrides.groups] == [("han-0001", "han-0002")]


def test_relabel_value_is_nfkc_normalised(tmp_path):
    path = tmp_path / "overrides.tsv"
    write_overrides(path, [("abc", "relabel", "Ｏ", *STAMP, "")])
    assert read_overrides(path).crops["abc"].value == "O"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("abc", "relabel", "OO", *STAMP, ""), r":2: relabel of abc needs exactly one character"),
        (("abc", "rename", "O", *STAMP, ""), r":2: unknown action 'rename'"),
        (("abc", "reject", "", *STAMP, "blurry"), r":2: reject of abc has reason 'blurry'"),
        (("han-0001", "merge_groups", "", *STAMP, ""), r":2: merge_groups of han-0001 needs"),
        (("", "confirm", "", *STAMP, ""), r":2: empty target"),
        (("abc", "confirm", ""), r":2: expected 6 tab-separated fields"),
    ],
)
def test_malformed_row_names_line(tmp_path, row, message):
    path = tmp_path / "overrides.tsv"
    write_overrides(path, [row])
    with pytest.raises(OverridesError, match=message):
        read_overrides(path)


def test_invalid_header_rejected(tmp_path):
    path = tmp_path / "overrides.tsv"
    path.write_text("crop\taction\nabc\tconfirm\n", encoding="utf-8")
    with pytest.raises(OverridesError, match=r"overrides.tsv:1: invalid header"):
        read_overrides(path)
