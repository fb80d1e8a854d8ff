"""Each loss against a value computed by hand, and against pytorch-metric-learning where it matches."""

from __future__ import annotations

import math

import pytest
import torch
from pytorch_metric_learning import losses as pml
from pytorch_metric_learning.reducers import MeanReducer

from model.losses import (
    AngularContrastiveLoss,
    ContrastiveLoss,
    CosFaceLoss,
    FocalLoss,
    PairwiseRankingLoss,
    SupConLoss,
)


def test_supcon_matches_hand_value():
    # Three unit vectors: 0 and 1 share a class, 2 is alone. Only anchors 0 and 1 have positives.
    z = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    labels = torch.tensor([0, 0, 1])
    t = 0.5
    # Anchor 0: sims to 1 and 2 are 0 and -1; anchor 1: sims to 0 and 2 are 0 and 0.
    l0 = -(0 / t - math.log(math.exp(0 / t) + math.exp(-1 / t)))
    l1 = -(0 / t - math.log(math.exp(0 / t) + math.exp(0 / t)))
    loss = SupConLoss(temperature=t)(z, labels)
    assert loss.item() == pytest.approx((l0 + l1) / 2, rel=1e-6)


def test_supcon_matches_pytorch_metric_learning():
    generator = torch.Generator().manual_seed(0)
    embeddings = torch.randn(24, 16, generator=generator)
    labels = torch.randint(0, 5, (24,), generator=generator)
    ours = SupConLoss(temperature=0.07)(embeddings, labels)
    reference = pml.SupConLoss(temperature=0.07)(embeddings, labels)
    assert ours.item() == pytest.approx(reference.item(), rel=1e-5)


def test_supcon_without_positives_is_zero():
    embeddings = torch.randn(4, 8, requires_grad=True)
    loss = SupConLoss()(embeddings, torch.tensor([0, 1, 2, 3]))
    loss.backward()
    assert loss.item() == 0.0
    assert torch.isfinite(embeddings.grad).all()


def test_supcon_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"expected embeddings \[N, D\] and labels \[N\]"):
        SupConLoss()(torch.randn(4, 8), torch.tensor([0, 1]))


def test_focal_matches_hand_value():
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    labels = torch.tensor([0, 0])
    p0 = math.exp(2) / (math.exp(2) + 1)
    p1 = 1 / (1 + math.e)
    expected = (-((1 - p0) ** 2) * math.log(p0) - (1 - p1) ** 2 * math.log(p1)) / 2
    assert FocalLoss(gamma=2.0)(logits, labels).item() == pytest.approx(expected, rel=1e-6)


def test_focal_with_zero_gamma_is_cross_entropy():
    logits = torch.randn(10, 4, generator=torch.Generator().manual_seed(1))
    labels = torch.arange(10) % 4
    expected = torch.nn.functional.cross_entropy(logits, labels)
    assert FocalLoss(gamma=0.0)(logits, labels).item() == pytest.approx(expected.item(), rel=1e-6)


def test_contrastive_matches_hand_value():
    x1 = torch.tensor([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    x2 = torch.tensor([[3.0, 4.0], [0.3, 0.4], [3.0, 4.0]])
    same = torch.tensor([True, False, False])
    # Distances 5, 0.5, 5: positive 25; negatives (1 - 0.5)^2 = 0.25 and 0.
    expected = (25.0 + 0.25 + 0.0) / 3
    assert ContrastiveLoss(margin=1.0)(x1, x2, same).item() == pytest.approx(expected, rel=1e-6)


def test_contrastive_negatives_only_is_finite():
    x = torch.zeros(3, 4, requires_grad=True)
    loss = ContrastiveLoss()(x, x.detach().clone(), torch.zeros(3, dtype=torch.bool))
    loss.backward()
    assert loss.item() == pytest.approx(1.0)
    assert torch.isfinite(x.grad).all()


def test_contrastive_empty_batch_is_zero():
    empty = torch.zeros(0, 4)
    assert ContrastiveLoss()(empty, empty, torch.zeros(0, dtype=torch.bool)).item() == 0.0


def test_angular_contrastive_matches_hand_value():
    x1 = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    x2 = torch.tensor([[0.0, 2.0], [1.0, 1.0], [-1.0, 0.0]])
    same = torch.tensor([True, False, False])
    # Cosine distances 1, 1 - 1/sqrt(2), 2: positive 1; negatives (1/sqrt(2))^2 = 0.5 and 0.
    expected = (1.0 + 0.5 + 0.0) / 3
    assert AngularContrastiveLoss(margin=1.0)(x1, x2, same).item() == pytest.approx(
        expected, rel=1e-6
    )


def test_angular_contrastive_rejects_margin_above_two():
    with pytest.raises(ValueError, match=r"margin must be in \(0, 2\]"):
        AngularContrastiveLoss(margin=2.5)


def test_cosface_matches_hand_value():
    cosine = torch.tensor([[0.5, 0.3]])
    s, m = 30.0, 0.4
    # The margin turns a correct ranking (0.5 > 0.3) into a loss: logits 3 and 9.
    logit_true, logit_other = s * (0.5 - m), s * 0.3
    expected = -math.log(math.exp(logit_true) / (math.exp(logit_true) + math.exp(logit_other)))
    loss = CosFaceLoss(scale=s, margin=m)(cosine, torch.tensor([0]))
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_cosface_matches_pytorch_metric_learning():
    generator = torch.Generator().manual_seed(2)
    embeddings = torch.randn(16, 8, generator=generator)
    weight = torch.randn(5, 8, generator=generator)
    labels = torch.randint(0, 5, (16,), generator=generator)
    reference = pml.CosFaceLoss(
        num_classes=5, embedding_size=8, margin=0.4, scale=30, reducer=MeanReducer()
    )
    reference.W.data = weight.T.clone()
    cosine = (
        torch.nn.functional.normalize(embeddings, dim=1)
        @ torch.nn.functional.normalize(weight, dim=1).T
    )
    ours = CosFaceLoss(scale=30.0, margin=0.4)(cosine, labels)
    assert ours.item() == pytest.approx(reference(embeddings, labels).item(), rel=1e-5)


def test_pairwise_ranking_matches_hand_value():
    logits_self = torch.tensor([[1.0, 0.0]])
    logits_other = torch.tensor([[0.0, 0.0]])
    p_self = math.e / (math.e + 1)
    expected = max(0.0, 0.5 - p_self + 0.05)
    loss = PairwiseRankingLoss(margin=0.05)(logits_self, logits_other, torch.tensor([0]))
    assert loss.item() == pytest.approx(expected)
    # The reverse order violates the margin: 0.731 - 0.5 + 0.05.
    reverse = PairwiseRankingLoss(margin=0.05)(logits_other, logits_self, torch.tensor([0]))
    assert reverse.item() == pytest.approx(p_self - 0.5 + 0.05, rel=1e-6)
