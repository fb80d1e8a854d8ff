"""Score-ranking loss of API-Net (Zhuang et al., AAAI 2020)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class PairwiseRankingLoss(nn.Module):
    """Compute ``max(0, p_other[y] - p_self[y] + margin)`` averaged over samples.

    ``p_self`` is the softmax of an image's feature gated by its own attention and ``p_other`` of
    the same feature gated by its partner's. The loss is zero once the own gate scores the true
    class higher by at least ``margin``.
    """

    def __init__(self, margin: float = 0.05) -> None:
        super().__init__()
        self.margin = margin

    def forward(
        self, logits_self: torch.Tensor, logits_other: torch.Tensor, labels: torch.Tensor
    ) -> torch.Tensor:
        if len(labels) == 0:
            return logits_self.sum() * 0.0
        p_self = logits_self.softmax(dim=1).gather(1, labels[:, None]).squeeze(1)
        p_other = logits_other.softmax(dim=1).gather(1, labels[:, None]).squeeze(1)
        return F.relu(p_other - p_self + self.margin).mean()
