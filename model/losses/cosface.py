"""CosFace / large margin cosine loss (Wang et al., "CosFace", CVPR 2018)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class CosFaceLoss(nn.Module):
    """Compute cross-entropy over ``scale * (cos(theta_j) - margin * [j == y])``.

    Takes the cosines between normalised embeddings and normalised class weights (see
    ``model.networks.heads.CosineClassifier``), so the weights stay in the network for inference.
    """

    def __init__(self, scale: float = 30.0, margin: float = 0.4) -> None:
        super().__init__()
        if scale <= 0 or margin < 0:
            raise ValueError(
                f"expected scale > 0 and margin >= 0, got scale={scale}, margin={margin}"
            )
        self.scale = scale
        self.margin = margin

    def forward(self, cosine: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if len(cosine) == 0:
            return cosine.sum() * 0.0
        one_hot = F.one_hot(labels, num_classes=cosine.shape[1]).to(cosine.dtype)
        return F.cross_entropy(self.scale * (cosine - self.margin * one_hot), labels)
