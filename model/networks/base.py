"""Shared surface of every network here: a timm backbone plus task heads."""

from __future__ import annotations

import torch
from torch import nn


class BackboneNet(nn.Module):
    """Wrap a pooled timm backbone (``num_classes=0``) and expose timm's feature API.

    Subclasses add heads and implement ``forward_head(x, pre_logits=False)`` on top of the pooled
    features, and ``predict_proba(x)`` for inference.
    """

    def __init__(self, backbone: nn.Module, num_classes: int) -> None:
        super().__init__()
        if num_classes < 2:
            raise ValueError(f"num_classes must be >= 2 for classification, got {num_classes}")
        self.backbone = backbone
        self.num_features: int = backbone.num_features
        self.num_classes = num_classes

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Return the backbone's unpooled features."""
        return self.backbone.forward_features(x)

    def pool(self, features: torch.Tensor) -> torch.Tensor:
        """Pool unpooled backbone features into one ``num_features`` vector per image."""
        return self.backbone.forward_head(features, pre_logits=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """Return class probabilities ``[B, num_classes]``."""
        return self.forward(x).softmax(dim=1)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Return the L2-normalised vector used for nearest-neighbour plots (pooled features here)."""
        return nn.functional.normalize(self.pool(self.forward_features(x)), dim=1)
