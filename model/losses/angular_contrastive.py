"""Contrastive loss over pairs with the cosine (angular) distance ``1 - cos(theta)``."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from model.losses.contrastive import check_pairs, contrastive_terms


class AngularContrastiveLoss(nn.Module):
    """Compute ``y * d^2 + (1 - y) * max(0, margin - d)^2`` with ``d = 1 - cos(x1[i], x2[i])``.

    This is the contrastive loss of Hadsell et al. (2006) on the unit sphere, which matches the
    geometry of a CosFace embedding: ``d`` lies in [0, 2], and ``margin = 1`` pushes negative pairs
    to orthogonal or wider angles. An empty batch returns zero.
    """

    def __init__(self, margin: float = 1.0) -> None:
        super().__init__()
        if not 0 < margin <= 2:
            raise ValueError(f"margin must be in (0, 2] for the cosine distance, got {margin}")
        self.margin = margin

    def forward(self, x1: torch.Tensor, x2: torch.Tensor, same: torch.Tensor) -> torch.Tensor:
        check_pairs(x1, x2, same)
        if len(x1) == 0:
            return x1.sum() * 0.0
        d = 1 - F.cosine_similarity(x1, x2, dim=1)
        losses = contrastive_terms(d, same, self.margin)
        return losses.mean()
