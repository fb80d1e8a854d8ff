"""Pair sampling: positives within a class, hard negatives within a look-alike group."""

from __future__ import annotations

import numpy as np
import pytest

from model.pairs import PairSampler

# Classes 0, 1 in group 0 and classes 2, 3 in group 1; class 3 has a single image.
LABELS = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 3])
CLASS_TO_GROUP = np.array([0, 0, 1, 1])


def sample(
    positive_fraction: float, hard_negative_ratio: float, repeats: int = 20
) -> tuple[PairSampler, np.ndarray]:
    sampler = PairSampler(LABELS, CLASS_TO_GROUP, positive_fraction, hard_negative_ratio)
    anchors = np.tile(np.arange(len(LABELS)), repeats)
    return sampler, sampler.sample(anchors, np.random.default_rng(0))


def test_positive_pairs_share_class():
    _, pairs = sample(positive_fraction=1.0, hard_negative_ratio=0.0)
    assert (LABELS[pairs[:, 0]] == LABELS[pairs[:, 1]]).all()
    others = pairs[pairs[:, 0] != 9]
    assert (others[:, 0] != others[:, 1]).all()


def test_singleton_class_pairs_with_itself():
    sampler, pairs = sample(positive_fraction=1.0, hard_negative_ratio=0.0)
    assert (pairs[pairs[:, 0] == 9, 1] == 9).all()
    assert sampler.counts["positive_self"] == 20


def test_hard_negatives_stay_in_group():
    _, pairs = sample(positive_fraction=0.0, hard_negative_ratio=1.0)
    a, b = LABELS[pairs[:, 0]], LABELS[pairs[:, 1]]
    assert (a != b).all()
    assert (CLASS_TO_GROUP[a] == CLASS_TO_GROUP[b]).all()


def test_random_negatives_cross_groups():
    sampler, pairs = sample(positive_fraction=0.0, hard_negative_ratio=0.0)
    a, b = LABELS[pairs[:, 0]], LABELS[pairs[:, 1]]
    assert (a != b).all()
    assert (CLASS_TO_GROUP[a] != CLASS_TO_GROUP[b]).any()
    assert sampler.counts["negative_hard"] == 0


def test_positive_fraction_is_respected():
    _, pairs = sample(positive_fraction=0.3, hard_negative_ratio=0.5, repeats=200)
    share = (LABELS[pairs[:, 0]] == LABELS[pairs[:, 1]]).mean()
    # 2,000 draws: the binomial standard deviation is 0.01, so 0.03 is three of them.
    assert share == pytest.approx(0.3, abs=0.03)


def test_hard_negative_falls_back_without_group_mates():
    sampler = PairSampler(np.array([0, 0, 1, 1]), np.array([0, 1]), 0.0, 1.0)
    pairs = sampler.sample(np.arange(4), np.random.default_rng(0))
    assert (pairs[:2, 1] >= 2).all()
    assert sampler.counts["negative_hard_unavailable"] == 4


def test_sampler_rejects_bad_ratio():
    with pytest.raises(ValueError, match=r"hard_negative_ratio must be in \[0, 1\], got 1.5"):
        PairSampler(LABELS, CLASS_TO_GROUP, 0.5, 1.5)
