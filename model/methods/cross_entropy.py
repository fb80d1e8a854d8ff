"""Baseline: a linear classifier trained with plain cross-entropy."""

from __future__ import annotations

from typing import Any

from torch import nn

from model.methods.base import CrossEntropyObjective, Method, Phase
from model.networks.classifier import LinearClassifier


def build_cross_entropy(backbone: nn.Module, num_classes: int, params: dict[str, Any]) -> Method:
    network = LinearClassifier(backbone, num_classes)
    phase = Phase(
        "cross_entropy",
        CrossEntropyObjective(network),
        batches="images",
        epochs=int(params["epochs"]),
        lr=float(params["lr"]),
        trainable=("backbone", "classifier"),
        selects_model=True,
    )
    return Method("cross_entropy", network, [phase])
