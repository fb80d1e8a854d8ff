"""Stage entry: evaluate every trained model of one dataset on its test split.

Writes ``<metrics_dir>/<dataset>/<model>.json`` (accuracy, balanced accuracy, macro and weighted
F1, within-group confusion) and ``<plots_dir>/<dataset>/<model>_{confusion,group_confusion,
neighbours}.png``. The model named by ``evaluate.predictions_model`` also scores every crop of
every split into ``<predictions_dir>/<dataset>.parquet``, which the labeling UI reads to put
crops whose label the model disputes first.
"""

from __future__ import annotations

import argparse
import functools
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import torch

from model.checkpoint import load_model, read_checkpoint
from model.cli import dataset_parser
from model.data import GlyphData, load_glyph_data
from model.engine import predict_proba
from model.metrics import classification_metrics, confusion
from model.networks.base import BackboneNet
from model.plots import nearest_neighbours, plot_confusion, plot_group_confusion, plot_neighbours
from model.transforms import normalize
from pipeline.common.io import write_json, write_parquet
from pipeline.common.logs import setup_logging
from pipeline.common.params import load_section

logger = logging.getLogger(__name__)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = dataset_parser("python -m model.evaluate", __doc__)
    parser.add_argument("--models-dir", help="trained models root (default: evaluate.models_dir)")
    parser.add_argument("--metrics-dir", help="metrics root (default: evaluate.metrics_dir)")
    parser.add_argument("--plots-dir", help="plots root (default: evaluate.plots_dir)")
    parser.add_argument("--models", nargs="+", help="models to evaluate (default: evaluate.models)")
    parser.add_argument(
        "--predictions-dir", help="per-crop predictions root (default: evaluate.predictions_dir)"
    )
    return parser.parse_args(argv)


PREDICTION_SCHEMA = pa.schema(
    [
        ("crop_id", pa.string()),
        ("split", pa.string()),
        ("character", pa.string()),
        ("predicted", pa.string()),
        ("score", pa.float32()),
        ("label_score", pa.float32()),
        ("model", pa.string()),
    ]
)


@torch.no_grad()
def embed(network: BackboneNet, images: torch.Tensor, batch_size: int = 256) -> np.ndarray:
    """Return L2-normalised embeddings ``[N, D]`` of uint8 images as float32."""
    network.eval()
    chunks = [
        network.embed(normalize(images[i : i + batch_size]))
        for i in range(0, len(images), batch_size)
    ]
    return torch.cat(chunks).numpy().astype(np.float32)


@functools.lru_cache(maxsize=2)
def cached_glyph_data(data_dir: str, image_size: int, grayscale: bool) -> GlyphData:
    """Decode a dataset once for all models that share its input settings."""
    return load_glyph_data(data_dir, image_size, grayscale)


def evaluate_model(
    name: str,
    checkpoint: Path,
    data_dir: str,
    split: str,
    plots_dir: Path,
    settings: dict[str, Any],
    predictions_path: Path | None = None,
) -> dict[str, Any]:
    """Score one checkpoint on ``split`` and draw its plots; return the metrics record.

    With ``predictions_path``, also write the model's top-1 character for every crop of every split.
    """
    meta = read_checkpoint(checkpoint)["meta"]
    data = cached_glyph_data(data_dir, int(meta["image_size"]), bool(meta.get("grayscale", False)))
    network, meta = load_model(checkpoint, class_names=data.class_names)
    evaluated = data.splits[split]
    if len(evaluated) == 0:
        raise ValueError(
            f"{data_dir}: the '{split}' split is empty; set evaluate.split to a split with rows"
        )

    y_true = evaluated.labels.numpy()
    y_pred = predict_proba(network, evaluated.images).argmax(1).numpy()
    class_to_group = np.asarray(meta["class_to_group"])
    metrics = classification_metrics(y_true, y_pred, class_to_group)
    metrics.update(
        {
            "split": split,
            "backbone": meta["backbone"],
            # A string and a count, because `dvc metrics show` drops list values.
            "classes_absent_from_train": "".join(data.classes_missing_from("train")),
            "num_classes_absent_from_train": len(data.classes_missing_from("train")),
        }
    )
    draw_plots(name, network, data, evaluated, y_pred, plots_dir, settings)
    if predictions_path is not None:
        write_predictions(name, network, data, predictions_path)
    return metrics


def write_predictions(name: str, network: BackboneNet, data: GlyphData, path: Path) -> None:
    """Write the top-1 character, its probability and the labelled character's probability per crop.

    The model was fitted to the training labels, so it disputes a wrong training label less often
    than a wrong validation or test label. The ``split`` column separates the two.
    """
    columns: dict[str, list[Any]] = {field.name: [] for field in PREDICTION_SCHEMA}
    for split_name, split in data.splits.items():
        if len(split) == 0:
            continue
        probs = predict_proba(network, split.images)
        scores, top = probs.max(dim=1)
        label_scores = probs.gather(1, split.labels[:, None])[:, 0]
        columns["crop_id"] += split.crop_ids
        columns["split"] += [split_name] * len(split)
        columns["character"] += [data.class_names[i] for i in split.labels.tolist()]
        columns["predicted"] += [data.class_names[i] for i in top.tolist()]
        columns["score"] += scores.tolist()
        columns["label_score"] += label_scores.tolist()
        columns["model"] += [name] * len(split)
    table = pa.table(columns, schema=PREDICTION_SCHEMA)
    write_parquet(path, table)
    disputed = sum(a != b for a, b in zip(columns["character"], columns["predicted"], strict=True))
    logger.info(
        "%s disputes the label of %d of %d crops; wrote %s", name, disputed, len(table), path
    )


def draw_plots(
    name: str,
    network: BackboneNet,
    data: GlyphData,
    evaluated: Any,
    y_pred: np.ndarray,
    plots_dir: Path,
    settings: dict[str, Any],
) -> None:
    y_true = evaluated.labels.numpy()
    matrix = confusion(y_true, y_pred, data.num_classes)
    plot_confusion(matrix, data.class_names, plots_dir / f"{name}_confusion.png", name)
    plot_group_confusion(
        matrix,
        data.class_names,
        data.class_to_group,
        data.group_names,
        plots_dir / f"{name}_group_confusion.png",
        name,
    )
    train = data.splits["train"]
    if len(train) == 0:
        return
    # The first test crop of each class (up to the query budget) gives one row per character.
    _, first = np.unique(y_true, return_index=True)
    queries = np.sort(first)[: int(settings["neighbours_queries"])]
    xb = embed(network, train.images)
    xq = embed(network, evaluated.images[torch.from_numpy(queries)])
    _, neighbours = nearest_neighbours(xb, xq, int(settings["neighbours_k"]))
    plot_neighbours(
        evaluated.images[torch.from_numpy(queries)].permute(0, 2, 3, 1).numpy(),
        y_true[queries],
        train.images.permute(0, 2, 3, 1).numpy(),
        train.labels.numpy(),
        neighbours,
        data.class_names,
        plots_dir / f"{name}_neighbours.png",
        f"{name}: nearest training crops by embedding (green = same class)",
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    setup_logging()
    settings = load_section("evaluate", args.params)
    models_root = Path(args.models_dir or settings["models_dir"]) / args.dataset
    metrics_root = Path(args.metrics_dir or settings["metrics_dir"]) / args.dataset
    plots_root = Path(args.plots_dir or settings["plots_dir"]) / args.dataset
    models = args.models or settings["models"]
    predictions_model = settings.get("predictions_model")
    if predictions_model is not None and predictions_model not in models:
        raise ValueError(
            f"evaluate.predictions_model is '{predictions_model}', which is not among the models "
            f"evaluated ({', '.join(models)}); add it to evaluate.models or set it to null"
        )
    predictions_path = None
    if predictions_model is not None:
        predictions_root = Path(
            args.predictions_dir or settings.get("predictions_dir", "predictions")
        )
        predictions_path = predictions_root / f"{args.dataset}.parquet"
    metrics_root.mkdir(parents=True, exist_ok=True)
    plots_root.mkdir(parents=True, exist_ok=True)
    for name in models:
        metrics = evaluate_model(
            name,
            models_root / name / "model.pt",
            args.data_dir or args.dataset,
            settings["split"],
            plots_root,
            settings,
            predictions_path if name == predictions_model else None,
        )
        write_json(metrics_root / f"{name}.json", metrics)
        logger.info(
            "%s on %s/%s: accuracy %.4f, macro-F1 %.4f, within-group confusion %.4f",
            name,
            args.dataset,
            settings["split"],
            metrics["accuracy"],
            metrics["macro_f1"],
            metrics["within_group_confusion"],
        )


if __name__ == "__main__":
    main()
