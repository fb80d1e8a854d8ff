"""Create timm backbones by name, from scratch or from a local checkpoint (never a download)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import timm
import torch
from torch import nn

logger = logging.getLogger(__name__)

# Small-resolution, from-scratch settings for the five backbones of the full comparison. Vision
# transformers need the input size and a patch size that divides it; convolutional nets take any size.
SMALL_INPUT_KWARGS: dict[str, dict[str, Any]] = {
    "deit_tiny_patch16_224": {"patch_size": 4},
    "vit_small_patch16_224": {"patch_size": 4},
    "swin_tiny_patch4_window7_224": {"window_size": 4},
}
NEEDS_IMG_SIZE = ("deit_", "vit_", "swin_")
# The five backbones of the full comparison: three CNN families, a ConvNeXt and a vision transformer.
COMPARISON_BACKBONES = (
    "resnet50",
    "densenet121",
    "efficientnet_b0",
    "convnext_tiny",
    "deit_tiny_patch16_224",
)


def backbone_kwargs(
    name: str, image_size: int, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return the timm keyword arguments that fit ``name`` to ``image_size`` inputs."""
    kwargs: dict[str, Any] = dict(SMALL_INPUT_KWARGS.get(name, {}))
    if name.startswith(NEEDS_IMG_SIZE):
        kwargs["img_size"] = image_size
    kwargs.update(extra or {})
    return kwargs


def create_backbone(
    name: str,
    image_size: int,
    checkpoint_path: str | None = None,
    extra_kwargs: dict[str, Any] | None = None,
) -> nn.Module:
    """Create a timm feature extractor (``num_classes=0``) that returns pooled features.

    ``checkpoint_path`` loads pretrained weights from a local file (a timm or torchvision state
    dict); classifier weights in it are ignored. Nothing is ever downloaded.
    """
    if not timm.is_model(name):
        raise ValueError(
            f"unknown timm backbone '{name}'; pick a name from timm.list_models(), e.g. resnet18"
        )
    kwargs = backbone_kwargs(name, image_size, extra_kwargs)
    backbone = timm.create_model(name, pretrained=False, num_classes=0, in_chans=3, **kwargs)
    if checkpoint_path:
        load_local_weights(backbone, checkpoint_path)
    return backbone


def load_local_weights(backbone: nn.Module, checkpoint_path: str | Path) -> None:
    """Load a local state dict into ``backbone``, skipping classifier keys, and log what was missed."""
    path = Path(checkpoint_path)
    if not path.is_file():
        raise FileNotFoundError(
            f"backbone checkpoint not found: {path}; set train.checkpoint_path to a local file or to null"
        )
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    own = backbone.state_dict()
    usable = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    if not usable:
        raise ValueError(
            f"{path} shares no weights with backbone {type(backbone).__name__}; "
            "was it saved from another architecture?"
        )
    missing, _ = backbone.load_state_dict(usable, strict=False)
    logger.info(
        "loaded %d tensors from %s (%d left at initialisation)", len(usable), path, len(missing)
    )
