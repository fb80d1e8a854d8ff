"""Method and phase records, and the objectives that several methods share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn
from torch.nn import functional as F

from model.losses import SupConLoss
from model.networks.base import BackboneNet

BatchKind = Literal["images", "views", "pairs"]


@dataclass
class Phase:
    """One training phase: an objective, the batches it takes, and its epoch budget.

    ``objective(batch)`` returns a dict with the scalar ``loss`` and any logged terms.
    ``trainable`` names the network attributes whose parameters this phase updates (all when None).
    ``selects_model``: evaluate on validation after every epoch and keep the best macro-F1 weights.
    """

    name: str
    objective: nn.Module
    batches: BatchKind
    epochs: int
    lr: float
    trainable: tuple[str, ...] | None = None
    selects_model: bool = False


@dataclass
class Method:
    """A named network and its ordered phases."""

    name: str
    network: BackboneNet
    phases: list[Phase]


class CrossEntropyObjective(nn.Module):
    """Cross-entropy on the network's class logits (``forward``)."""

    def __init__(self, network: BackboneNet, label_smoothing: float = 0.0) -> None:
        super().__init__()
        self.network = network
        self.label_smoothing = label_smoothing

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        logits = self.network(batch["images"])
        loss = F.cross_entropy(logits, batch["labels"], label_smoothing=self.label_smoothing)
        return {"loss": loss}


class SupConObjective(nn.Module):
    """Supervised contrastive loss on the projections of two augmented views of each image."""

    def __init__(self, network: BackboneNet, temperature: float = 0.07) -> None:
        super().__init__()
        self.network = network
        self.criterion = SupConLoss(temperature)

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        views = torch.cat([batch["views1"], batch["views2"]])
        labels = torch.cat([batch["labels"], batch["labels"]])
        return {"loss": self.criterion(self.network.project(views), labels)}
