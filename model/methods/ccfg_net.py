"""CCFG-Net: supervised contrastive warm-up, then Siamese training of both heads on image pairs."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from model.losses import AngularContrastiveLoss, ContrastiveLoss, CosFaceLoss, FocalLoss
from model.methods.base import Method, Phase, SupConObjective
from model.networks.ccfg_net import CCFGNet


class CCFGObjective(nn.Module):
    """Sum the four CCFG-Net terms over a batch of pairs ``(images1[i], images2[i])``.

    ``focal + cosface + pair_weight * (contrastive + angular)``: the two classification terms see
    both images of every pair. The Euclidean contrastive term compares the softmax outputs of
    head 1, whose distances lie in [0, sqrt(2)] so a margin of 1 is meaningful. The angular term
    compares the embeddings of head 2.
    """

    def __init__(self, network: CCFGNet, settings: dict[str, Any]) -> None:
        super().__init__()
        self.network = network
        self.focal = FocalLoss(float(settings["focal_gamma"]))
        self.cosface = CosFaceLoss(
            float(settings["cosface_scale"]), float(settings["cosface_margin"])
        )
        self.contrastive = ContrastiveLoss(float(settings["contrastive_margin"]))
        self.angular = AngularContrastiveLoss(float(settings["angular_margin"]))
        self.pair_weight = float(settings["pair_weight"])

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        labels = torch.cat([batch["labels1"], batch["labels2"]])
        same = batch["labels1"] == batch["labels2"]
        # One forward pass over both halves, so batch norm normalises them with shared statistics.
        out = self.network.forward_heads(torch.cat([batch["images1"], batch["images2"]]))
        half = len(batch["labels1"])

        focal = self.focal(out.logits, labels)
        cosface = self.cosface(out.cosine, labels)
        probs = out.logits.softmax(dim=1)
        contrastive = self.contrastive(probs[:half], probs[half:], same)
        angular = self.angular(out.embeddings[:half], out.embeddings[half:], same)
        loss = focal + cosface + self.pair_weight * (contrastive + angular)
        return {
            "loss": loss,
            "focal": focal,
            "cosface": cosface,
            "contrastive": contrastive,
            "angular": angular,
        }


def build_ccfg_net(backbone: nn.Module, num_classes: int, params: dict[str, Any]) -> Method:
    settings = params["ccfg_net"]
    network = CCFGNet(
        backbone,
        num_classes,
        embedding_dim=int(settings["embedding_dim"]),
        projection_dim=int(settings["projection_dim"]),
        scale=float(settings["cosface_scale"]),
    )
    warmup = Phase(
        "supcon_warmup",
        SupConObjective(network, float(settings["temperature"])),
        batches="views",
        epochs=int(settings["warmup_epochs"]),
        lr=float(params["lr"]),
        trainable=("backbone", "projection"),
    )
    siamese = Phase(
        "siamese",
        CCFGObjective(network, settings),
        batches="pairs",
        epochs=int(params["epochs"]),
        lr=float(params["lr"]),
        trainable=("backbone", "classifier", "embedding", "cosine_classifier"),
        selects_model=True,
    )
    return Method("ccfg_net", network, [warmup, siamese])
