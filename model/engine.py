"""Train one method through its phases with per-epoch checkpoints, resume and model selection."""

from __future__ import annotations

import copy
import logging
import math
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from model import distributed
from model.batches import epoch_batches, shard
from model.checkpoint import (
    FORMAT_VERSION,
    CheckpointMismatchError,
    read_checkpoint,
    save_checkpoint,
)
from model.data import GlyphData, Split
from model.methods.base import Method, Phase
from model.metrics import classification_metrics
from model.pairs import PairSampler
from model.transforms import build_augment, normalize

logger = logging.getLogger(__name__)

LAST_CHECKPOINT = "last.pt"


def seed_epoch(seed: int, phase_index: int, epoch: int, rank: int) -> np.random.Generator:
    """Seed torch for one epoch and return a numpy generator; a resumed epoch replays exactly."""
    state = np.random.SeedSequence([seed, phase_index, epoch, rank]).generate_state(2)
    torch.manual_seed(int(state[0]))
    return np.random.default_rng(int(state[1]))


def cosine_lr(base_lr: float, epoch: int, epochs: int) -> float:
    """Return the cosine-annealed learning rate for ``epoch`` of ``epochs`` (no warm restart)."""
    return base_lr * 0.5 * (1 + math.cos(math.pi * epoch / max(epochs, 1)))


@torch.no_grad()
def predict_proba(network: nn.Module, images: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Return class probabilities ``[N, C]`` for uint8 images, in eval mode."""
    was_training = network.training
    network.eval()
    chunks = [
        network.predict_proba(normalize(images[i : i + batch_size]))
        for i in range(0, len(images), batch_size)
    ]
    network.train(was_training)
    if not chunks:
        return torch.empty(0, network.num_classes)
    return torch.cat(chunks)


def set_trainable(network: nn.Module, phase: Phase) -> list[nn.Parameter]:
    """Freeze every parameter outside ``phase.trainable`` and return the trainable ones."""
    if phase.trainable is None:
        trainable = list(network.parameters())
    else:
        trainable = [p for name in phase.trainable for p in getattr(network, name).parameters()]
    chosen = {id(p) for p in trainable}
    for p in network.parameters():
        p.requires_grad_(id(p) in chosen)
    return trainable


class Trainer:
    """Run the phases of a method; rank 0 writes ``last.pt`` after every epoch.

    ``fingerprint`` describes the run (method, backbone, classes, params). A ``last.pt`` with the
    same fingerprint resumes where it stopped; one with another backbone or class count raises
    CheckpointMismatchError instead of being silently overwritten.
    """

    def __init__(
        self,
        method: Method,
        data: GlyphData,
        params: dict[str, Any],
        out_dir: Path,
        fingerprint: dict[str, Any],
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        self.method = method
        self.network = method.network
        self.data = data
        self.params = params
        self.out_dir = Path(out_dir)
        self.fingerprint = fingerprint
        self.rank = rank
        self.world_size = world_size
        self.augment = build_augment(
            float(params["augment_strength"]), float(params.get("invert_probability", 0.0))
        )
        train = data.splits["train"]
        self.sampler = PairSampler(
            train.labels.numpy(),
            data.class_to_group,
            float(params["positive_fraction"]),
            float(params["hard_negative_ratio"]),
        )
        self.history: list[dict[str, Any]] = []
        self.best: dict[str, Any] = {
            "macro_f1": -1.0,
            "phase": None,
            "epoch": None,
            "state_dict": None,
        }
        self.start = (0, 0)  # (phase index, epoch) to run next
        self.optimizer_state: dict[str, Any] | None = None

    def fit(self) -> dict[str, Any]:
        """Train every remaining epoch of every phase and return the best state and history."""
        self.resume()
        for phase_index, phase in enumerate(self.method.phases):
            if phase_index < self.start[0]:
                continue
            self.run_phase(phase_index, phase)
        if self.best["state_dict"] is None:
            self.best.update(state_dict=copy.deepcopy(self.network.state_dict()))
        return {"best": self.best, "history": self.history}

    def run_phase(self, phase_index: int, phase: Phase) -> None:
        trainable = set_trainable(self.network, phase)
        optimizer = torch.optim.AdamW(
            trainable, lr=phase.lr, weight_decay=float(self.params["weight_decay"])
        )
        first_epoch = self.start[1] if phase_index == self.start[0] else 0
        if first_epoch and self.optimizer_state is not None:
            optimizer.load_state_dict(self.optimizer_state)
        objective = phase.objective
        if self.world_size > 1:
            objective = DistributedDataParallel(objective)
        logger.info(
            "%s: phase %s, epochs %d-%d",
            self.method.name,
            phase.name,
            first_epoch + 1,
            phase.epochs,
        )
        for epoch in range(first_epoch, phase.epochs):
            record = self.run_epoch(phase_index, phase, epoch, objective, optimizer)
            self.history.append(record)
            self.save_last(phase_index, epoch + 1, phase, optimizer)

    def run_epoch(
        self,
        phase_index: int,
        phase: Phase,
        epoch: int,
        objective: nn.Module,
        optimizer: torch.optim.Optimizer,
    ) -> dict[str, Any]:
        started = time.perf_counter()
        rng = seed_epoch(int(self.params["seed"]), phase_index, epoch, self.rank)
        lr = cosine_lr(phase.lr, epoch, phase.epochs)
        for group in optimizer.param_groups:
            group["lr"] = lr

        train = self.data.splits["train"]
        # Every rank draws the same permutation, then takes its own share of it.
        order = np.random.default_rng([int(self.params["seed"]), phase_index, epoch]).permutation(
            len(train)
        )
        anchors = shard(order, self.rank, self.world_size)
        self.network.train()
        totals: dict[str, float] = defaultdict(float)
        steps = 0
        batches = epoch_batches(
            phase.batches,
            train,
            anchors,
            int(self.params["batch_size"]),
            self.augment,
            self.sampler,
            rng,
        )
        for batch in batches:
            terms = objective(batch)
            optimizer.zero_grad(set_to_none=True)
            terms["loss"].backward()
            optimizer.step()
            for name, value in terms.items():
                totals[name] += float(value.detach())
            steps += 1

        record: dict[str, Any] = {"phase": phase.name, "epoch": epoch + 1, "lr": lr}
        record.update(
            {name: distributed.average(total / max(steps, 1)) for name, total in totals.items()}
        )
        distributed.broadcast_buffers(self.network)
        if phase.selects_model:
            record.update(self.validate(phase, epoch))
        record["seconds"] = round(time.perf_counter() - started, 3)
        logger.info(
            "%s %s epoch %d/%d: %s",
            self.method.name,
            phase.name,
            epoch + 1,
            phase.epochs,
            " ".join(f"{k}={v:.4f}" for k, v in record.items() if isinstance(v, float)),
        )
        return record

    def validate(self, phase: Phase, epoch: int) -> dict[str, float]:
        """Score the validation split and keep the weights with the best macro-F1 so far.

        Without a validation split the last epoch is kept, since there is nothing to select on.
        """
        validation: Split = self.data.splits["validation"]
        if len(validation) == 0:
            if epoch == 0:
                logger.warning(
                    "validation split is empty; keeping the last epoch instead of the best"
                )
            self.keep_best(phase, epoch, -1.0, force=True)
            return {}
        probs = predict_proba(self.network, validation.images)
        scores = classification_metrics(
            validation.labels.numpy(), probs.argmax(1).numpy(), self.data.class_to_group
        )
        self.keep_best(phase, epoch, scores["macro_f1"])
        return {"val_macro_f1": scores["macro_f1"], "val_accuracy": scores["accuracy"]}

    def keep_best(self, phase: Phase, epoch: int, macro_f1: float, force: bool = False) -> None:
        if force or macro_f1 > self.best["macro_f1"]:
            self.best = {
                "macro_f1": macro_f1,
                "phase": phase.name,
                "epoch": epoch + 1,
                "state_dict": copy.deepcopy(self.network.state_dict()),
            }

    def save_last(
        self, phase_index: int, next_epoch: int, phase: Phase, optimizer: torch.optim.Optimizer
    ) -> None:
        """Write the resumable state after an epoch (rank 0 only; other ranks wait)."""
        if next_epoch >= phase.epochs:
            phase_index, next_epoch = phase_index + 1, 0
        if self.rank == 0:
            save_checkpoint(
                self.out_dir / LAST_CHECKPOINT,
                {
                    "format_version": FORMAT_VERSION,
                    "fingerprint": self.fingerprint,
                    "next": (phase_index, next_epoch),
                    "state_dict": self.network.state_dict(),
                    "optimizer": optimizer.state_dict() if next_epoch else None,
                    "best": self.best,
                    "history": self.history,
                },
            )
        distributed.barrier()

    def resume(self) -> None:
        """Restore ``last.pt`` when it belongs to this run; a finished run restores to the end."""
        path = self.out_dir / LAST_CHECKPOINT
        if not path.is_file():
            return
        payload = read_checkpoint(path)
        saved = payload["fingerprint"]
        for key in ("backbone", "class_names", "method"):
            if saved.get(key) != self.fingerprint.get(key):
                raise CheckpointMismatchError(
                    f"{path} belongs to a run with another {key} ({saved.get(key)!r}, now "
                    f"{self.fingerprint.get(key)!r}); delete {self.out_dir} to start over"
                )
        if saved != self.fingerprint:
            logger.warning(
                "params changed since %s was written; starting this model from scratch", path
            )
            return
        self.network.load_state_dict(payload["state_dict"])
        self.optimizer_state = payload["optimizer"]
        self.best = payload["best"]
        self.history = payload["history"]
        self.start = tuple(payload["next"])
        logger.info("resumed %s from %s at phase %d, epoch %d", self.method.name, path, *self.start)
