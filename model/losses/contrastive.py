"""Contrastive loss over pairs with the Euclidean distance (Hadsell, Chopra and LeCun, CVPR 2006)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def check_pairs(x1: torch.Tensor, x2: torch.Tensor, same: torch.Tensor) -> None:
    """Raise ValueError unless x1 and x2 share a shape [B, D] and ``same`` has B entries."""
    if x1.shape != x2.shape or len(same) != len(x1):
        raise ValueError(
            f"expected x1 and x2 of one shape [B, D] and same [B], got {tuple(x1.shape)}, "
            f"{tuple(x2.shape)} and {tuple(same.shape)}"
        )


def contrastive_terms(distance: torch.Tensor, same: torch.Tensor, margin: float) -> torch.Tensor:
    """Return per-pair losses: d^2 for positives and max(0, margin - d)^2 for negatives."""
    same = same.to(distance.dtype)
    return same * distance.pow(2) + (1 - same) * F.relu(margin - distance).pow(2)


class ContrastiveLoss(nn.Module):
    """Compute ``y * d^2 + (1 - y) * max(0, margin - d)^2`` per pair, averaged over pairs.

    ``d`` is the Euclidean distance between ``x1[i]`` and ``x2[i]`` and ``y`` is 1 for a positive
    pair (same class). A batch of only negative pairs still has a loss, since the negative term is
    defined on its own; an empty batch returns zero.
    """

    def __init__(self, margin: float = 1.0) -> None:
        super().__init__()
        if margin <= 0:
            raise ValueError(f"margin must be > 0, got {margin}")
        self.margin = margin

    def forward(self, x1: torch.Tensor, x2: torch.Tensor, same: torch.Tensor) -> torch.Tensor:
        check_pairs(x1, x2, same)
        if len(x1) == 0:
            return x1.sum() * 0.0
        # The small eps keeps the gradient of the norm finite when a pair coincides exactly.
        d = F.pairwise_distance(x1, x2, eps=1e-9)
        losses = contrastive_terms(d, same, self.margin)
        return losses.mean()
