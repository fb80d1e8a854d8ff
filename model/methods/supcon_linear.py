"""Baseline: supervised contrastive training of the backbone, then a linear probe on frozen features."""

from __future__ import annotations

from typing import Any

from torch import nn

from model.methods.base import CrossEntropyObjective, Method, Phase, SupConObjective
from model.networks.classifier import LinearClassifier


def build_supcon_linear(backbone: nn.Module, num_classes: int, params: dict[str, Any]) -> Method:
    settings = params["supcon_linear"]
    network = LinearClassifier(backbone, num_classes, int(params["ccfg_net"]["projection_dim"]))
    pretrain = Phase(
        "supcon",
        SupConObjective(network, float(params["ccfg_net"]["temperature"])),
        batches="views",
        epochs=int(settings["supcon_epochs"]),
        lr=float(params["lr"]),
        trainable=("backbone", "projection"),
    )
    # The probe trains only the classifier; the frozen backbone still runs in train mode, so its
    # batch-norm statistics keep adapting to the augmented images.
    probe = Phase(
        "linear_probe",
        CrossEntropyObjective(network),
        batches="images",
        epochs=int(settings["probe_epochs"]),
        lr=float(settings["probe_lr"]),
        trainable=("classifier",),
        selects_model=True,
    )
    return Method("supcon_linear", network, [pretrain, probe])
