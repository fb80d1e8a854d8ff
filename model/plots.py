"""Training curves, confusion matrices and nearest-neighbour grids as PNG files."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

import faiss
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402

from pipeline.common.fonts import faces_covering  # noqa: E402
from pipeline.common.io import atomic_path  # noqa: E402

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=8)
def label_font(chars: str) -> FontProperties | None:
    """Return an installed font that covers every label character (hanzi need a CJK face)."""
    if all(ord(c) < 128 for c in chars):
        return None
    faces = faces_covering(chars)
    if not faces:
        logger.warning(
            "no installed font covers all labels %s; tick labels may show boxes", chars[:20]
        )
        return None
    return FontProperties(fname=faces[0].path)


def save_figure(figure: plt.Figure, path: str | Path) -> None:
    """Save a figure as PNG atomically and close it."""
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)


def plot_training_curve(history: list[dict[str, Any]], path: str | Path, title: str) -> None:
    """Plot the loss of every phase and the validation macro-F1 against the global epoch."""
    figure, (ax_loss, ax_f1) = plt.subplots(1, 2, figsize=(10, 3.5))
    steps = np.arange(1, len(history) + 1)
    for phase in dict.fromkeys(r["phase"] for r in history):
        rows = [(s, r) for s, r in zip(steps, history, strict=True) if r["phase"] == phase]
        ax_loss.plot(
            [s for s, _ in rows], [r.get("loss", np.nan) for _, r in rows], marker=".", label=phase
        )
        scored = [(s, r["val_macro_f1"]) for s, r in rows if "val_macro_f1" in r]
        if scored:
            ax_f1.plot(*zip(*scored, strict=True), marker=".", label=phase)
    ax_loss.set(xlabel="epoch", ylabel="training loss", title=title)
    ax_f1.set(xlabel="epoch", ylabel="validation macro-F1", ylim=(0, 1))
    ax_loss.legend()
    save_figure(figure, path)


MAX_PLOTTED_CLASSES = 60
MAX_PLOTTED_GROUPS = 24


def most_confused(matrix: np.ndarray, count: int) -> np.ndarray:
    """Return the sorted indices of the ``count`` classes with the most errors as true or predicted."""
    errors = matrix.sum(axis=0) + matrix.sum(axis=1) - 2 * np.diag(matrix)
    return np.sort(np.argsort(-errors, kind="stable")[:count])


def plot_confusion(
    matrix: np.ndarray, class_names: list[str], path: str | Path, title: str
) -> None:
    """Plot a row-normalised confusion matrix with the characters as tick labels.

    Beyond ``MAX_PLOTTED_CLASSES`` classes the figure keeps the classes with the most errors, since
    a full matrix of thousands of classes would need gigabytes of memory and cannot be read.
    """
    if len(class_names) > MAX_PLOTTED_CLASSES:
        keep = most_confused(matrix, MAX_PLOTTED_CLASSES)
        matrix = matrix[np.ix_(keep, keep)]
        class_names = [class_names[i] for i in keep]
        title = f"{title} ({len(keep)} classes with the most errors)"
    rows = matrix.sum(axis=1, keepdims=True)
    normalised = np.divide(matrix, rows, out=np.zeros_like(matrix, dtype=float), where=rows > 0)
    size = max(4.0, 0.28 * len(class_names) + 2)
    figure, ax = plt.subplots(figsize=(size, size))
    ax.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    font = label_font("".join(class_names))
    ticks = np.arange(len(class_names))
    ax.set_xticks(ticks, class_names, fontproperties=font)
    ax.set_yticks(ticks, class_names, fontproperties=font)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    save_figure(figure, path)


def plot_group_confusion(
    matrix: np.ndarray,
    class_names: list[str],
    class_to_group: np.ndarray,
    group_names: list[str],
    path: str | Path,
    title: str,
) -> None:
    """Plot one small confusion matrix (counts) per look-alike group with two or more classes."""
    groups = [g for g in np.unique(class_to_group) if g >= 0 and (class_to_group == g).sum() >= 2]
    if not groups:
        groups = [g for g in np.unique(class_to_group) if g >= 0]
    if len(groups) > MAX_PLOTTED_GROUPS:
        # Keep the groups with the most confusions inside them, the ones a reader looks for.
        def within_errors(group: int) -> int:
            members = np.flatnonzero(class_to_group == group)
            sub = matrix[np.ix_(members, members)]
            return int(sub.sum() - np.trace(sub))

        groups = sorted(groups, key=lambda g: (-within_errors(g), g))[:MAX_PLOTTED_GROUPS]
        groups.sort()
    columns = min(4, max(len(groups), 1))
    rows = max(1, -(-len(groups) // columns))
    figure, axes = plt.subplots(rows, columns, figsize=(3 * columns, 3 * rows), squeeze=False)
    font = label_font("".join(class_names))
    for ax in axes.flat[len(groups) :]:
        ax.axis("off")
    for ax, group in zip(axes.flat, groups, strict=False):
        members = np.flatnonzero(class_to_group == group)
        sub = matrix[np.ix_(members, members)]
        ax.imshow(sub, cmap="Oranges")
        for (i, j), count in np.ndenumerate(sub):
            ax.text(j, i, str(count), ha="center", va="center", fontsize=8)
        labels = [class_names[m] for m in members]
        ax.set_xticks(range(len(members)), labels, fontproperties=font)
        ax.set_yticks(range(len(members)), labels, fontproperties=font)
        ax.set_title(group_names[group], fontsize=9)
    figure.suptitle(
        f"{title}: confusion inside each look-alike group (rows true, columns predicted)"
    )
    save_figure(figure, path)


def nearest_neighbours(xb: np.ndarray, xq: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return FAISS inner-product search results ``(D, I)`` for L2-normalised float32 vectors."""
    xb = np.ascontiguousarray(xb, dtype=np.float32)
    xq = np.ascontiguousarray(xq, dtype=np.float32)
    if xb.ndim != 2 or xq.ndim != 2 or xb.shape[1] != xq.shape[1]:
        raise ValueError(
            f"expected xb [n, d] and xq [m, d] of one d, got {xb.shape} and {xq.shape}"
        )
    faiss.normalize_L2(xb)
    faiss.normalize_L2(xq)
    index = faiss.IndexFlatIP(xb.shape[1])
    index.add(xb)
    return index.search(xq, min(k, len(xb)))


def plot_neighbours(
    query_images: np.ndarray,
    query_labels: np.ndarray,
    gallery_images: np.ndarray,
    gallery_labels: np.ndarray,
    neighbours: np.ndarray,
    class_names: list[str],
    path: str | Path,
    title: str,
) -> None:
    """Plot each query crop beside its nearest training crops; green titles share the query's class.

    Images are ``[N, S, S, 3]`` uint8 arrays; ``neighbours`` is FAISS's ``I`` matrix.
    """
    rows, k = neighbours.shape
    figure, axes = plt.subplots(rows, k + 1, figsize=(1.2 * (k + 1), 1.3 * rows), squeeze=False)
    font = label_font("".join(class_names))
    for row in range(rows):
        axes[row, 0].imshow(query_images[row])
        axes[row, 0].set_title(
            f"q {class_names[query_labels[row]]}", fontproperties=font, fontsize=8
        )
        for col, index in enumerate(neighbours[row], start=1):
            label = gallery_labels[index]
            colour = "green" if label == query_labels[row] else "red"
            axes[row, col].imshow(gallery_images[index])
            axes[row, col].set_title(
                class_names[label], color=colour, fontproperties=font, fontsize=8
            )
    for ax in axes.flat:
        ax.axis("off")
    figure.suptitle(title, fontsize=9)
    save_figure(figure, path)
