"""Reference loaders: pycorrector groups, held-out split, TR39 pairs from the installed package."""

import pytest

from pipeline.mining.references import (
    group_pairs,
    held_out_groups,
    read_groups,
    resolve_reference,
    tr39_ascii_pairs,
)


def test_read_groups_tab_separated(tmp_path):
    path = tmp_path / "same_stroke.txt"
    path.write_text("未\t末\n己\t已\t巳\n孤\n", encoding="utf-8")
    groups = read_groups(path)
    assert groups == [["未", "末"], ["己", "已", "巳"]]
    assert len(group_pairs(groups)) == 4


def test_held_out_is_full_minus_tuning():
    full = [["未", "末"], ["己", "已", "巳"], ["土", "士"]]
    assert held_out_groups(full, [["巳", "已", "己"]]) == [["未", "末"], ["土", "士"]]


def test_package_reference_resolves():
    groups = read_groups(resolve_reference("package:pycorrector/data/same_stroke.txt"))
    assert len(groups) == 831


def test_tr39_ascii_pairs_from_package():
    pairs = tr39_ascii_pairs(resolve_reference("package:confusable_homoglyphs/confusables.json"))
    assert pairs == {frozenset("0O"), frozenset("Il"), frozenset("1l")}


def test_missing_reference_file_rejected(tmp_path):
    with pytest.raises(FileNotFoundError, match="reference file not found: .*nope.txt"):
        resolve_reference(str(tmp_path / "nope.txt"))


def test_shared_half_is_half_of_package(realdata):
    tuning = read_groups(realdata / "confusables" / "pycorrector-1.1.4" / "same_stroke.txt")
    full = read_groups(resolve_reference("package:pycorrector/data/same_stroke.txt"))
    held_out = held_out_groups(full, tuning)
    tuning_sets = {frozenset(g) for g in tuning}
    assert tuning_sets <= {frozenset(g) for g in full}
    assert not tuning_sets & {frozenset(g) for g in held_out}
    # The package file repeats some groups, so sets, not lines, must add up.
    assert {frozenset(g) for g in held_out} | tuning_sets == {frozenset(g) for g in full}
