"""Build one epoch of training batches: single images, two views, or pairs."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torchvision.transforms import v2

from model.data import Split
from model.methods.base import BatchKind
from model.pairs import PairSampler
from model.transforms import augment_batch, normalize


def shard(indices: np.ndarray, rank: int, world_size: int) -> np.ndarray:
    """Return this rank's share of ``indices``; every rank gets the same count."""
    per_rank = len(indices) // world_size
    return indices[rank::world_size][:per_rank]


def epoch_batches(
    kind: BatchKind,
    split: Split,
    anchors: np.ndarray,
    batch_size: int,
    augment: v2.Compose,
    sampler: PairSampler | None,
    rng: np.random.Generator,
) -> Iterator[dict[str, torch.Tensor]]:
    """Yield augmented, normalised batches over ``anchors`` (indices into ``split``).

    A last batch of one sample is dropped, because batch norm cannot train on it.
    """
    for start in range(0, len(anchors), batch_size):
        chunk = anchors[start : start + batch_size]
        if len(chunk) < 2:
            continue
        yield make_batch(kind, split, chunk, augment, sampler, rng)


def make_batch(
    kind: BatchKind,
    split: Split,
    chunk: np.ndarray,
    augment: v2.Compose,
    sampler: PairSampler | None,
    rng: np.random.Generator,
) -> dict[str, torch.Tensor]:
    index = torch.from_numpy(chunk)
    labels = split.labels[index]
    if kind == "images":
        return {"images": normalize(augment_batch(split.images[index], augment)), "labels": labels}
    if kind == "views":
        images = split.images[index]
        return {
            "views1": normalize(augment_batch(images, augment)),
            "views2": normalize(augment_batch(images, augment)),
            "labels": labels,
        }
    if sampler is None:
        raise ValueError("pair batches need a PairSampler")
    pairs = torch.from_numpy(sampler.sample(chunk, rng))
    return {
        "images1": normalize(augment_batch(split.images[pairs[:, 0]], augment)),
        "images2": normalize(augment_batch(split.images[pairs[:, 1]], augment)),
        "labels1": split.labels[pairs[:, 0]],
        "labels2": split.labels[pairs[:, 1]],
    }
