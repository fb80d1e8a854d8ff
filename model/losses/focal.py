"""Focal loss (Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017), multi-class."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class FocalLoss(nn.Module):
    """Compute ``-(1 - p_t)^gamma * log(p_t)`` over softmax logits, averaged over the batch.

    ``gamma = 0`` gives plain cross-entropy. The modulating factor down-weights samples the
    classifier already gets right, so training concentrates on the look-alike confusions.
    """

    def __init__(self, gamma: float = 2.0) -> None:
        super().__init__()
        if gamma < 0:
            raise ValueError(f"gamma must be >= 0, got {gamma}")
        self.gamma = gamma

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if len(logits) == 0:
            return logits.sum() * 0.0
        log_pt = F.log_softmax(logits, dim=1).gather(1, labels[:, None]).squeeze(1)
        pt = log_pt.exp()
        return (-((1 - pt) ** self.gamma) * log_pt).mean()
