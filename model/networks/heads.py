"""Heads on pooled features: projection (SupCon), embedding, linear and cosine classifiers."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class ProjectionHead(nn.Module):
    """Map features to the unit sphere for supervised contrastive learning (MLP, as in SupCon)."""

    def __init__(self, in_features: int, projection_dim: int = 128) -> None:
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(in_features, in_features),
            nn.ReLU(inplace=True),
            nn.Linear(in_features, projection_dim),
        )

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.mlp(features), dim=1)


class EmbeddingHead(nn.Module):
    """Project features to an embedding for margin-based classification (linear + batch norm)."""

    def __init__(self, in_features: int, embedding_dim: int = 128) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, embedding_dim)
        self.norm = nn.BatchNorm1d(embedding_dim)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.norm(self.linear(features))


class CosineClassifier(nn.Module):
    """Return the cosine between each embedding and each class weight, ``[B, num_classes]``.

    The scale and margin of CosFace live in the loss, so inference uses the plain cosines.
    """

    def __init__(self, embedding_dim: int, num_classes: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num_classes, embedding_dim))
        nn.init.xavier_uniform_(self.weight)

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        return F.linear(F.normalize(embeddings, dim=1), F.normalize(self.weight, dim=1))
