"""API-Net: attentive pairwise interaction between the features of two images.

Zhuang, Wang and Qiao, "Learning Attentive Pairwise Interaction for Fine-Grained Classification",
AAAI 2020. A mutual vector learned from both features gates each feature channel-wise, so every
pair yields four features (each image under its own gate and under its partner's gate), all
classified by the same linear layer. Inference uses the plain pooled features.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from model.networks.base import BackboneNet


class PairLogits(NamedTuple):
    """Logits of the four attentive features of a pair, each ``[B, C]``."""

    self1: torch.Tensor
    other1: torch.Tensor
    self2: torch.Tensor
    other2: torch.Tensor


class APINet(BackboneNet):
    """Backbone, linear classifier and the mutual-vector MLP of API-Net."""

    def __init__(
        self, backbone: nn.Module, num_classes: int, hidden_dim: int = 512, dropout: float = 0.5
    ) -> None:
        super().__init__(backbone, num_classes)
        self.mutual = nn.Sequential(
            nn.Linear(2 * self.num_features, hidden_dim),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden_dim, self.num_features),
        )
        self.classifier = nn.Linear(self.num_features, num_classes)

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        pooled = self.pool(x)
        return pooled if pre_logits else self.classifier(pooled)

    def forward_pair(self, x1: torch.Tensor, x2: torch.Tensor) -> PairLogits:
        """Return the logits of the four gated features of each pair ``(x1[i], x2[i])``."""
        f1 = self.pool(self.forward_features(x1))
        f2 = self.pool(self.forward_features(x2))
        mutual = self.mutual(torch.cat([f1, f2], dim=1))
        gate1 = torch.sigmoid(mutual * f1)
        gate2 = torch.sigmoid(mutual * f2)
        # Residual attention: each feature keeps itself and adds the channels a gate highlights.
        return PairLogits(
            self.classifier(f1 + f1 * gate1),
            self.classifier(f1 + f1 * gate2),
            self.classifier(f2 + f2 * gate2),
            self.classifier(f2 + f2 * gate1),
        )
