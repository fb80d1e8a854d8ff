"""Stage entry: train every model in ``train.models`` on one exported dataset.

Writes ``<output_dir>/<dataset>/<model>/`` with ``model.pt`` (best validation macro-F1 weights and
metadata), ``last.pt`` (resumable state, written every epoch), ``history.json`` and
``training_curve.png``. Run under ``torchrun --nproc_per_node N`` for data-parallel training on CPU.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import time
from pathlib import Path
from typing import Any

import torch

from model import distributed
from model.backbones import create_backbone
from model.checkpoint import FORMAT_VERSION, save_checkpoint
from model.cli import dataset_parser
from model.data import GlyphData, load_glyph_data
from model.engine import Trainer
from model.methods import build_method
from model.plots import plot_training_curve
from pipeline.common.io import write_json
from pipeline.common.logs import setup_logging
from pipeline.common.params import load_section

logger = logging.getLogger(__name__)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = dataset_parser("python -m model.train", __doc__)
    parser.add_argument("--output-dir", help="models root (default: train.output_dir)")
    parser.add_argument("--models", nargs="+", help="models to train (default: train.models)")
    parser.add_argument("--seed", type=int, help="override the seed from params")
    return parser.parse_args(argv)


def dataset_fingerprint(data: GlyphData) -> str:
    """Return a short hash of the training crops and labels, so resume never mixes two datasets."""
    train = data.splits["train"]
    digest = hashlib.sha256("\n".join(train.crop_ids).encode())
    digest.update(train.labels.numpy().tobytes())
    return digest.hexdigest()[:16]


def model_metadata(name: str, params: dict[str, Any], data: GlyphData) -> dict[str, Any]:
    """Return what a checkpoint needs to rebuild its network and check it against a dataset."""
    return {
        "method": name,
        "backbone": params["backbone"],
        "backbone_kwargs": params.get("backbone_kwargs") or {},
        "image_size": int(params["image_size"]),
        "grayscale": bool(params.get("grayscale", False)),
        "class_names": data.class_names,
        "group_names": data.group_names,
        "class_to_group": data.class_to_group.tolist(),
        "params": params,
        "dataset_fingerprint": dataset_fingerprint(data),
    }


def train_model(
    name: str,
    data: GlyphData,
    params: dict[str, Any],
    out_dir: Path,
    rank: int = 0,
    world_size: int = 1,
) -> dict[str, Any]:
    """Train one model and write its outputs; return the best validation record."""
    torch.manual_seed(int(params["seed"]))
    backbone = create_backbone(
        params["backbone"],
        int(params["image_size"]),
        params.get("checkpoint_path"),
        params.get("backbone_kwargs"),
    )
    method = build_method(name, backbone, data.num_classes, params)
    meta = model_metadata(name, params, data)
    trainer = Trainer(
        method, data, params, out_dir, fingerprint=meta, rank=rank, world_size=world_size
    )
    started = time.perf_counter()
    result = trainer.fit()
    best = result["best"]
    summary = {
        "model": name,
        "best_val_macro_f1": best["macro_f1"],
        "best_phase": best["phase"],
        "best_epoch": best["epoch"],
        "seconds": round(time.perf_counter() - started, 1),
        "world_size": world_size,
        "pair_sampling": dict(sorted(trainer.sampler.counts.items())),
        "skipped_images": data.skipped,
    }
    if rank == 0:
        payload = {"format_version": FORMAT_VERSION, "meta": meta, "state_dict": best["state_dict"]}
        save_checkpoint(out_dir / "model.pt", payload)
        write_json(out_dir / "history.json", {"summary": summary, "epochs": result["history"]})
        plot_training_curve(
            result["history"], out_dir / "training_curve.png", f"{name} ({params['backbone']})"
        )
    logger.info(
        "%s: best validation macro-F1 %.4f (%s epoch %s)",
        name,
        best["macro_f1"],
        best["phase"],
        best["epoch"],
    )
    return summary


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    setup_logging()
    params = load_section("train", args.params)
    if args.seed is not None:
        params["seed"] = args.seed
    rank, world_size = distributed.init_from_env()
    if int(params.get("num_threads") or 0) > 0:
        torch.set_num_threads(int(params["num_threads"]))
    torch.use_deterministic_algorithms(True)
    data = load_glyph_data(
        args.data_dir or args.dataset,
        int(params["image_size"]),
        bool(params.get("grayscale", False)),
    )
    trainable = data.num_classes - len(data.classes_missing_from("train"))
    if trainable < 2:
        logger.error(
            "%s: %d of %d classes have training crops; a classifier needs at least 2. The export "
            "selected too little: lower export.min_instances_per_class or "
            "export.min_classes_per_group, or add crops, then run `dvc repro` again",
            args.data_dir or args.dataset,
            trainable,
            data.num_classes,
        )
        raise SystemExit(1)
    root = Path(args.output_dir or params["output_dir"]) / args.dataset
    try:
        for name in args.models or params["models"]:
            train_model(name, data, params, root / name, rank, world_size)
    finally:
        distributed.shutdown()


if __name__ == "__main__":
    main()
