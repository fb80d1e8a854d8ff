"""Baseline: API-Net, pairwise interaction with cross-entropy on four gated features and score ranking."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from model.losses import PairwiseRankingLoss
from model.methods.base import Method, Phase
from model.networks.api_net import APINet


class APINetObjective(nn.Module):
    def __init__(self, network: APINet, rank_margin: float, rank_weight: float) -> None:
        super().__init__()
        self.network = network
        self.ranking = PairwiseRankingLoss(rank_margin)
        self.rank_weight = rank_weight

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        out = self.network.forward_pair(batch["images1"], batch["images2"])
        y1, y2 = batch["labels1"], batch["labels2"]
        logits = torch.cat([out.self1, out.other1, out.self2, out.other2])
        ce = F.cross_entropy(logits, torch.cat([y1, y1, y2, y2]))
        rank = self.ranking(
            torch.cat([out.self1, out.self2]),
            torch.cat([out.other1, out.other2]),
            torch.cat([y1, y2]),
        )
        return {"loss": ce + self.rank_weight * rank, "ce": ce, "rank": rank}


def build_api_net(backbone: nn.Module, num_classes: int, params: dict[str, Any]) -> Method:
    settings = params["api_net"]
    network = APINet(backbone, num_classes, int(settings["hidden_dim"]))
    phase = Phase(
        "api_net",
        APINetObjective(network, float(settings["rank_margin"]), float(settings["rank_weight"])),
        batches="pairs",
        epochs=int(params["epochs"]),
        lr=float(params["lr"]),
        selects_model=True,
    )
    return Method("api_net", network, [phase])
