"""Process-group helpers for `torchrun` data-parallel training on CPU (gloo backend)."""

from __future__ import annotations

import os

import torch
import torch.distributed as dist
from torch import nn


def init_from_env() -> tuple[int, int]:
    """Join the process group that torchrun describes in the environment; return (rank, world size).

    A plain `python -m model.train` run has no WORLD_SIZE and stays a single process.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return 0, 1
    if not dist.is_initialized():
        dist.init_process_group("gloo")
    return dist.get_rank(), world_size


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def barrier() -> None:
    if is_distributed():
        dist.barrier()


def broadcast_buffers(module: nn.Module) -> None:
    """Copy rank 0's buffers (batch-norm statistics) to every rank before evaluation or saving."""
    if is_distributed():
        for buffer in module.buffers():
            dist.broadcast(buffer, src=0)


def average(value: float) -> float:
    """Return the mean of a float over all ranks."""
    if not is_distributed():
        return value
    tensor = torch.tensor([value], dtype=torch.float64)
    dist.all_reduce(tensor)
    return float(tensor.item()) / dist.get_world_size()


def shutdown() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()
