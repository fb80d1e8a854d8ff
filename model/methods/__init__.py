"""Training methods: a network plus the phases (objective, batch kind, epochs) that train it."""

from __future__ import annotations

from typing import Any

from torch import nn

from model.methods.api_net import build_api_net
from model.methods.base import Method, Phase
from model.methods.ccfg_net import build_ccfg_net
from model.methods.cosface import build_cosface
from model.methods.cross_entropy import build_cross_entropy
from model.methods.supcon_linear import build_supcon_linear

BUILDERS = {
    "ccfg_net": build_ccfg_net,
    "cross_entropy": build_cross_entropy,
    "cosface": build_cosface,
    "supcon_linear": build_supcon_linear,
    "api_net": build_api_net,
}


def build_method(
    name: str, backbone: nn.Module, num_classes: int, params: dict[str, Any]
) -> Method:
    """Build method ``name`` on ``backbone`` with its settings from the ``train`` params section."""
    if name not in BUILDERS:
        raise ValueError(
            f"unknown model '{name}' in train.models; expected one of {sorted(BUILDERS)}"
        )
    return BUILDERS[name](backbone, num_classes, params)


__all__ = ["BUILDERS", "Method", "Phase", "build_method"]
