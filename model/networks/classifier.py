"""Baseline networks: a linear classifier (cross-entropy, SupCon probe) and a CosFace network."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from model.networks.base import BackboneNet
from model.networks.heads import CosineClassifier, EmbeddingHead, ProjectionHead


class LinearClassifier(BackboneNet):
    """Backbone plus one linear layer; the projection head is used only by SupCon pre-training."""

    def __init__(self, backbone: nn.Module, num_classes: int, projection_dim: int = 128) -> None:
        super().__init__(backbone, num_classes)
        self.classifier = nn.Linear(self.num_features, num_classes)
        self.projection = ProjectionHead(self.num_features, projection_dim)

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        pooled = self.pool(x)
        return pooled if pre_logits else self.classifier(pooled)

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """Return unit-norm projections for supervised contrastive training."""
        return self.projection(self.pool(self.forward_features(x)))


class CosFaceNet(BackboneNet):
    """Backbone, embedding head and cosine classifier, trained with CosFace alone."""

    def __init__(
        self, backbone: nn.Module, num_classes: int, embedding_dim: int = 128, scale: float = 30.0
    ) -> None:
        super().__init__(backbone, num_classes)
        self.embedding = EmbeddingHead(self.num_features, embedding_dim)
        self.cosine_classifier = CosineClassifier(embedding_dim, num_classes)
        self.scale = scale

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        """Return scaled cosines (the logits of CosFace at inference, without margin)."""
        pooled = self.pool(x)
        if pre_logits:
            return pooled
        return self.scale * self.cosine_classifier(self.embedding(pooled))

    def forward_cosine(self, x: torch.Tensor) -> torch.Tensor:
        """Return the unscaled cosines ``[B, C]`` that CosFaceLoss takes."""
        return self.cosine_classifier(self.embedding(self.pool(self.forward_features(x))))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.embedding(self.pool(self.forward_features(x))), dim=1)
