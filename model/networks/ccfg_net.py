"""CCFG-Net: a weight-sharing Siamese network with a class-logit head and a cosine-embedding head."""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

from model.networks.base import BackboneNet
from model.networks.heads import CosineClassifier, EmbeddingHead, ProjectionHead


class CCFGOutput(NamedTuple):
    """Outputs of both heads for one batch of images."""

    logits: torch.Tensor  # head 1: class logits [B, C]
    embeddings: torch.Tensor  # head 2: embeddings [B, D] (not normalised)
    cosine: torch.Tensor  # head 2: cosine to each class weight [B, C]


class CCFGNet(BackboneNet):
    """Run one backbone under two heads; both images of a pair go through the same weights.

    Head 1 is a linear classifier trained with a focal-modulated loss, and its logits also feed a
    Euclidean contrastive loss over the pair. Head 2 is an embedding trained with CosFace and an
    angular contrastive loss. The projection head serves only the supervised contrastive warm-up.
    Inference averages the softmax of the two heads and takes the argmax.
    """

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        embedding_dim: int = 128,
        projection_dim: int = 128,
        scale: float = 30.0,
    ) -> None:
        super().__init__(backbone, num_classes)
        self.classifier = nn.Linear(self.num_features, num_classes)
        self.embedding = EmbeddingHead(self.num_features, embedding_dim)
        self.cosine_classifier = CosineClassifier(embedding_dim, num_classes)
        self.projection = ProjectionHead(self.num_features, projection_dim)
        self.scale = scale

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        pooled = self.pool(x)
        return pooled if pre_logits else self.classifier(pooled)

    def forward_heads(self, x: torch.Tensor) -> CCFGOutput:
        """Return the outputs of both heads for a batch of images."""
        pooled = self.pool(self.forward_features(x))
        embeddings = self.embedding(pooled)
        return CCFGOutput(self.classifier(pooled), embeddings, self.cosine_classifier(embeddings))

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """Return unit-norm projections for the supervised contrastive warm-up."""
        return self.projection(self.pool(self.forward_features(x)))

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        out = self.forward_heads(x)
        # CosFace logits at inference are the scaled cosines, without the training margin.
        return (out.logits.softmax(dim=1) + (self.scale * out.cosine).softmax(dim=1)) / 2

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.forward_heads(x).embeddings, dim=1)
