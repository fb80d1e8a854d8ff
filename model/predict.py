"""Print the top-k characters with scores for each image, using a trained ``model.pt``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np
import torch

from model.checkpoint import CheckpointMismatchError, load_model
from model.cli import positive_int
from model.data import to_square_array
from model.transforms import normalize
from pipeline.common.images import ImageDecodeError
from pipeline.common.logs import SkipCounter, setup_logging

logger = logging.getLogger(__name__)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m model.predict", description=__doc__)
    parser.add_argument("--checkpoint", required=True, help="model.pt written by model.train")
    parser.add_argument(
        "--top-k", type=positive_int, default=5, help="characters printed per image (default: 5)"
    )
    parser.add_argument("images", nargs="+", help="image files, one glyph crop each")
    return parser.parse_args(argv)


@torch.no_grad()
def predict_files(
    checkpoint: str | Path, paths: list[str], top_k: int = 5
) -> tuple[list[tuple[str, list[tuple[str, float]]]], dict[str, int]]:
    """Return ``(path, [(character, probability), ...])`` per readable image, and skip counts."""
    network, meta = load_model(checkpoint)
    skips = SkipCounter(logger, "images")
    names, arrays = [], []
    for path in paths:
        try:
            size, grayscale = int(meta["image_size"]), bool(meta.get("grayscale", False))
            arrays.append(to_square_array(Path(path).read_bytes(), size, path, grayscale))
            names.append(path)
        except (OSError, ImageDecodeError) as error:
            skips.skip("unreadable_image", path, str(error))
    skips.log_summary()
    if not arrays:
        return [], skips.as_dict()
    images = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2)
    probs = network.predict_proba(normalize(images))
    scores, indices = probs.topk(min(top_k, probs.shape[1]), dim=1)
    classes = meta["class_names"]
    results = [
        (name, [(classes[i], float(s)) for s, i in zip(row_scores, row_indices, strict=True)])
        for name, row_scores, row_indices in zip(
            names, scores.tolist(), indices.tolist(), strict=True
        )
    ]
    return results, skips.as_dict()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_logging("WARNING")
    try:
        results, skipped = predict_files(args.checkpoint, args.images, args.top_k)
    except (FileNotFoundError, CheckpointMismatchError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path, top in results:
        print(path + "\t" + "  ".join(f"{char} {score:.3f}" for char, score in top))
    return 1 if skipped and not results else 0


if __name__ == "__main__":
    sys.exit(main())
