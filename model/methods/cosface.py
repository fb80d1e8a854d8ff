"""Baseline: an embedding head and cosine classifier trained with CosFace alone."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from model.losses import CosFaceLoss
from model.methods.base import Method, Phase
from model.networks.classifier import CosFaceNet


class CosFaceObjective(nn.Module):
    def __init__(self, network: CosFaceNet, scale: float, margin: float) -> None:
        super().__init__()
        self.network = network
        self.criterion = CosFaceLoss(scale, margin)

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {
            "loss": self.criterion(self.network.forward_cosine(batch["images"]), batch["labels"])
        }


def build_cosface(backbone: nn.Module, num_classes: int, params: dict[str, Any]) -> Method:
    ccfg = params["ccfg_net"]
    network = CosFaceNet(
        backbone, num_classes, int(ccfg["embedding_dim"]), float(ccfg["cosface_scale"])
    )
    phase = Phase(
        "cosface",
        CosFaceObjective(network, float(ccfg["cosface_scale"]), float(ccfg["cosface_margin"])),
        batches="images",
        epochs=int(params["epochs"]),
        lr=float(params["lr"]),
        selects_model=True,
    )
    return Method("cosface", network, [phase])
