"""Near-duplicate search against brute force and leak-free, stratified split assignment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.export.splits import assign_splits, leakage_report, near_duplicate_pairs


def _random_hashes(count: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 2**63, size=count // 2, dtype=np.int64).astype(np.uint64)
    # Half the hashes are copies of the others with a few bits flipped.
    flips = rng.integers(0, 64, size=(count // 2, 3))
    near = base.copy()
    for i, bits in enumerate(flips):
        for bit in bits[: rng.integers(0, 4)]:
            near[i] ^= np.uint64(1) << np.uint64(bit)
    return [f"{int(v):016x}" for v in np.concatenate([base, near])]


def test_near_duplicates_match_brute_force():
    hashes = _random_hashes(200, seed=1)
    values = [int(h, 16) for h in hashes]
    expected = [
        (i, j)
        for i in range(len(values))
        for j in range(i + 1, len(values))
        if bin(values[i] ^ values[j]).count("1") <= 2
    ]
    assert sorted(near_duplicate_pairs(pd.Series(hashes), max_distance=2)) == expected
    assert expected  # the generator made some pairs within two bits


def _crops(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for label in "abcd":
        for i in range(30):
            rows.append(
                {
                    "crop_id": f"{label}{i}",
                    "label": label,
                    "source_sha256": f"photo-{label}-{i // 3}",
                    "phash": f"{int(rng.integers(0, 2**62)):016x}",
                }
            )
    crops = pd.DataFrame(rows)
    # A near-duplicate of a crop of photo-a-0 from another photo must follow it.
    crops.loc[len(crops)] = {
        "crop_id": "dup",
        "label": "b",
        "source_sha256": "photo-x",
        "phash": crops.phash[0],
    }
    return crops


def test_splits_keep_sources_and_near_duplicates_together():
    crops = _crops(seed=0)
    crops["split"], links = assign_splits(
        crops, {"train": 0.6, "validation": 0.2, "test": 0.2}, 4, seed=0
    )
    assert links >= 1
    assert crops.loc[crops.crop_id == "dup", "split"].item() == crops.loc[0, "split"]
    report = leakage_report(crops, 4)
    assert report["sources_in_several_splits"] == 0
    assert report["near_duplicate_pairs_across_splits"] == 0


def test_splits_are_stratified_per_class():
    crops = _crops(seed=0)
    crops["split"], _ = assign_splits(
        crops, {"train": 0.6, "validation": 0.2, "test": 0.2}, 4, seed=0
    )
    per_class = crops[crops.crop_id != "dup"].groupby(["label", "split"]).size().unstack()
    assert (per_class["train"] >= 15).all()
    assert (per_class["train"] <= 21).all()
    assert (per_class["validation"] >= 3).all()
    assert (per_class["test"] >= 3).all()


def test_same_seed_same_splits():
    first, _ = assign_splits(_crops(0), {"train": 0.5, "test": 0.5}, 4, seed=3)
    second, _ = assign_splits(_crops(0), {"train": 0.5, "test": 0.5}, 4, seed=3)
    assert first.tolist() == second.tolist()


@pytest.mark.parametrize(
    ("fractions", "message"),
    [
        ({"train": 0.5, "dev": 0.5}, r"unknown split names \['dev'\]"),
        ({"train": 0.7, "test": 0.2}, r"must be >= 0 and sum to 1"),
    ],
)
def test_invalid_fractions_rejected(fractions, message):
    with pytest.raises(ValueError, match=message):
        assign_splits(_crops(0), fractions, 4, seed=0)


def test_leakage_report_counts_split_sources():
    crops = pd.DataFrame(
        {
            "source_sha256": ["s1", "s1", "s2"],
            "phash": ["0" * 16, "f" * 16, "0" * 15 + "1"],
            "split": ["train", "test", "test"],
        }
    )
    report = leakage_report(crops, 2)
    assert report == {
        "sources_in_several_splits": 1,
        "near_duplicate_pairs_across_splits": 1,
        "near_duplicate_pairs": 1,
    }


def test_real_photos_spread_over_splits():
    rows = []
    for label in "abcde":
        for i in range(30):
            rows.append((f"{label}{i}", label, f"render-{label}-{i}", True))
        for photo in range(5):
            rows.append((f"{label}-photo{photo}", label, f"photo-{photo}", False))
    crops = pd.DataFrame(rows, columns=["crop_id", "label", "source_sha256", "synthetic"])
    rng = np.random.default_rng(0)
    crops["phash"] = [f"{int(v):016x}" for v in rng.integers(0, 2**62, size=len(crops))]
    fractions = {"train": 0.6, "validation": 0.2, "test": 0.2}
    crops["split"], _ = assign_splits(crops, fractions, 0, seed=0)
    photos = crops[~crops["synthetic"]].groupby("source_sha256")["split"].first()
    assert photos.value_counts().to_dict() == {"train": 3, "validation": 1, "test": 1}


def test_one_decision_moves_few_crops():
    fractions = {"train": 0.6, "validation": 0.2, "test": 0.2}
    crops = _crops(seed=0)
    before = pd.Series(assign_splits(crops, fractions, 4, seed=0)[0].to_numpy(), crops.crop_id)

    rejected = crops[crops.crop_id != "c7"].reset_index(drop=True)
    after = pd.Series(assign_splits(rejected, fractions, 4, seed=0)[0].to_numpy(), rejected.crop_id)
    moved = (before[after.index] != after).sum()
    # Only photos next to a split boundary in class c can move: at most two of three crops each.
    assert moved <= 6

    relabelled = crops.copy()
    relabelled.loc[relabelled.crop_id == "d4", "label"] = "a"
    after = pd.Series(assign_splits(relabelled, fractions, 4, seed=0)[0].to_numpy(), crops.crop_id)
    assert (before != after).sum() <= 12


def test_empty_input_gives_empty_splits():
    crops = _crops(seed=0).iloc[:0]
    splits, links = assign_splits(crops, {"train": 0.8, "test": 0.2}, 4, seed=0)
    assert splits.empty
    assert links == 0


def test_split_shares_unbiased_over_classes():
    # 200 classes of 12 single-crop sources: 60/20/20 of 12 is 7.2/2.4/2.4 per class.
    rows = [
        (f"{label}-{i}", f"class{label}", f"photo-{label}-{i}", f"{label * 12 + i:016x}")
        for label in range(200)
        for i in range(12)
    ]
    crops = pd.DataFrame(rows, columns=["crop_id", "label", "source_sha256", "phash"])
    fractions = {"train": 0.6, "validation": 0.2, "test": 0.2}
    crops["split"], _ = assign_splits(crops, fractions, 0, seed=0)
    shares = crops["split"].value_counts(normalize=True)
    for name, target in fractions.items():
        assert shares[name] == pytest.approx(target, abs=0.01), name
    per_class = crops.groupby(["label", "split"]).size().unstack(fill_value=0)
    # Each class gets its fraction rounded down or up, never further off.
    assert per_class["train"].between(7, 8).all()
    assert per_class["validation"].between(2, 3).all()
    assert per_class["test"].between(2, 3).all()
