"""Save and load trained networks with the metadata needed to rebuild and check them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from model.backbones import create_backbone
from model.methods import build_method
from model.networks.base import BackboneNet
from pipeline.common.io import atomic_path

FORMAT_VERSION = 1


class CheckpointMismatchError(ValueError):
    """A checkpoint was saved for another backbone, method or label space than the one requested."""


def save_checkpoint(path: str | Path, payload: dict[str, Any]) -> None:
    """Write a torch checkpoint atomically, so an interrupted save never truncates the last one."""
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}; run `python -m model.train` first")
    # weights_only=True unpickles only tensors and plain containers, so a checkpoint from elsewhere
    # cannot run code; the metadata next to the tensors is strings, lists and numbers.
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format_version") != FORMAT_VERSION:
        raise CheckpointMismatchError(
            f"{path} is not a checkpoint of this project (expected format_version {FORMAT_VERSION})"
        )
    return payload


def check_compatible(
    meta: dict[str, Any],
    path: str | Path,
    backbone: str | None = None,
    class_names: list[str] | None = None,
) -> None:
    """Raise CheckpointMismatchError when ``meta`` differs in backbone or classes from the request."""
    if backbone is not None and meta["backbone"] != backbone:
        raise CheckpointMismatchError(
            f"{path} was trained with backbone '{meta['backbone']}', but '{backbone}' was requested; "
            "retrain or point to a checkpoint of that backbone"
        )
    if class_names is not None and list(meta["class_names"]) != list(class_names):
        raise CheckpointMismatchError(
            f"{path} has {len(meta['class_names'])} classes "
            f"({''.join(meta['class_names'][:40])}), but the dataset has {len(class_names)} "
            f"({''.join(class_names[:40])}); retrain on this dataset"
        )


def build_network(meta: dict[str, Any], params: dict[str, Any] | None = None) -> BackboneNet:
    """Rebuild an untrained network of the method, backbone and class count in ``meta``."""
    backbone = create_backbone(
        meta["backbone"], meta["image_size"], extra_kwargs=meta.get("backbone_kwargs")
    )
    return build_method(
        meta["method"], backbone, len(meta["class_names"]), params or meta["params"]
    ).network


def load_model(
    path: str | Path, backbone: str | None = None, class_names: list[str] | None = None
) -> tuple[BackboneNet, dict[str, Any]]:
    """Load a trained network in eval mode and its metadata, checking backbone and classes."""
    payload = read_checkpoint(path)
    if "meta" not in payload:
        raise CheckpointMismatchError(
            f"{path} is a training state for resuming, not a trained model; "
            "load the model.pt next to it"
        )
    meta = payload["meta"]
    check_compatible(meta, path, backbone, class_names)
    network = build_network(meta)
    try:
        network.load_state_dict(payload["state_dict"])
    except RuntimeError as error:
        raise CheckpointMismatchError(
            f"{path} does not fit a {meta['method']} network on {meta['backbone']}: {error}"
        ) from error
    return network.eval(), meta
