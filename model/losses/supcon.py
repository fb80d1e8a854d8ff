"""Supervised contrastive loss (Khosla et al., "Supervised Contrastive Learning", NeurIPS 2020)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class SupConLoss(nn.Module):
    """Compute L_out of SupCon over a batch of embeddings, usually two augmented views per image.

    For anchor i with positives P(i) (same label, i excluded) and all other samples A(i):
    ``l_i = -1/|P(i)| * sum_{p in P(i)} log(exp(z_i.z_p / t) / sum_{a in A(i)} exp(z_i.z_a / t))``.
    The loss is the mean of ``l_i`` over anchors that have at least one positive. A batch where no
    anchor has a positive returns an exact zero, which still carries a gradient path.
    """

    def __init__(self, temperature: float = 0.07) -> None:
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.temperature = temperature

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if embeddings.ndim != 2 or embeddings.shape[0] != labels.shape[0]:
            raise ValueError(
                f"expected embeddings [N, D] and labels [N], got {tuple(embeddings.shape)} "
                f"and {tuple(labels.shape)}"
            )
        z = F.normalize(embeddings, dim=1)
        logits = z @ z.T / self.temperature
        self_mask = torch.eye(len(z), dtype=torch.bool, device=z.device)
        pos_mask = (labels[:, None] == labels[None, :]) & ~self_mask
        has_positive = pos_mask.any(dim=1)
        if not has_positive.any():
            return embeddings.sum() * 0.0

        logits = logits.masked_fill(self_mask, float("-inf"))
        log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
        log_prob = log_prob.masked_fill(self_mask, 0.0)
        mean_log_prob_pos = (log_prob * pos_mask).sum(dim=1) / pos_mask.sum(dim=1).clamp(min=1)
        return -mean_log_prob_pos[has_positive].mean()
