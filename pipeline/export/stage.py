"""Run the export stage: crops, groups and labeling decisions in, two datasets and metrics out."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.common.io import write_json
from pipeline.common.logs import SkipCounter
from pipeline.export.crops import (
    apply_crop_decisions,
    read_crop_metadata,
    read_images,
    warn_rendered_relabel,
    warn_unmatched_decisions,
)
from pipeline.export.dataset import write_dataset
from pipeline.export.groups import Group, apply_group_edits, assign_characters, read_groups
from pipeline.export.overrides import Override, read_overrides
from pipeline.export.selection import Selection, cap_per_class, select_classes
from pipeline.export.settings import check_export_params
from pipeline.export.splits import assign_splits, leakage_report
from pipeline.export.topup import DEFAULT_LICENCE, TOPUP_SOURCE, needy_classes, render_topup
from pipeline.export.writer import content_fingerprint

logger = logging.getLogger(__name__)


class LeakageError(RuntimeError):
    """A source photo or a near-duplicate crop ended up in two splits."""


class EmptyExportError(ValueError):
    """No group of any script passed the selection, so every dataset would be empty."""


@dataclass
class Assembled:
    """The selected, split rows of one dataset and what the selection dropped, before writing."""

    script: str
    output_dir: Path
    rows: pd.DataFrame
    images: dict[str, bytes]
    selection: Selection
    dropped: dict[str, int]
    links: int
    leakage: dict[str, int]


def run_export(params: dict, synth_params: dict | None = None) -> dict:
    """Export every dataset named in ``export.output_dirs`` and write the stage metrics.

    Every dataset is assembled before any is written, so settings that leave all of them empty
    raise EmptyExportError and the previous datasets stay in place.
    """
    check_export_params(params)
    synth_params = synth_params or {}
    skips = SkipCounter(logger, "crops")
    overrides = read_overrides(params["overrides_path"])
    raw = read_crop_metadata(params["crops_dir"], skips)
    decisions: Counter = Counter()
    crops, pending = apply_crop_decisions(raw, overrides, decisions)
    groups = apply_group_edits(read_groups(params["groups_path"]), overrides.groups, decisions)
    assembled = [
        assemble_script(
            script, Path(output_dir), crops, raw, groups, params, synth_params, pending, decisions
        )
        for script, output_dir in params["output_dirs"].items()
    ]
    if all(part.rows.empty for part in assembled):
        raise EmptyExportError(
            "no group of any script passed the selection, so every dataset would be empty and "
            "the previous ones were kept. Lower export.min_instances_per_class (now "
            f"{params['min_instances_per_class']}) or export.min_classes_per_group (now "
            f"{params['min_classes_per_group']}), or check data/crops and the mined groups"
        )
    datasets = {
        part.output_dir.name: write_script(part, params, synth_params) for part in assembled
    }
    warn_unmatched_decisions(pending, decisions)
    skips.log_summary()
    metrics = {
        "skipped_crops": skips.as_dict(),
        "overrides": dict(sorted(decisions.items())),
        "datasets": datasets,
    }
    write_json(params["metrics_path"], metrics)
    return metrics


def assemble_script(
    script: str,
    output_dir: Path,
    crops: pd.DataFrame,
    raw: pd.DataFrame,
    groups: list[Group],
    params: dict,
    synth_params: dict,
    pending: dict[str, Override],
    decisions: Counter,
) -> Assembled:
    """Select and split the dataset of one script.

    Decisions in ``pending`` that name this script's top-up glyphs are applied and removed.
    """
    seed = int(params.get("seed", 0))
    groups = [g for g in groups if g.script == script]
    group_of = assign_characters(groups)
    crops = crops[crops["script"] == script]
    crops, images = _top_up(crops, script, group_of, params, synth_params, seed)
    crops = apply_topup_decisions(crops, pending, decisions)
    before = _classes_before_decisions(raw[raw["label"].map(group_of).notna()], group_of, params)
    selection = select_classes(crops, group_of, params, before)

    rows, dropped, links = _cap_and_split(selection, params, seed)
    leakage = leakage_report(rows, int(params["phash_max_distance"]))
    if leakage["sources_in_several_splits"] or leakage["near_duplicate_pairs_across_splits"]:
        raise LeakageError(f"{output_dir}: split assignment leaks across splits: {leakage}")
    return Assembled(script, output_dir, rows, images, selection, dropped, links, leakage)


def write_script(part: Assembled, params: dict, synth_params: dict) -> dict:
    """Write one assembled dataset and return its metrics."""
    rows, images, selection = part.rows, part.images, part.selection
    if rows.empty:
        # NOTE: `datasets` cannot load a dataset without rows. It is still written, because
        # DVC expects both output directories and the other script has rows.
        logger.warning(
            "%s: no group passed the selection; writing an empty dataset. Lower "
            "export.min_instances_per_class or export.min_classes_per_group, or check the groups",
            part.output_dir,
        )
    missing = [c for c in rows["crop_id"] if c not in images]
    images.update(read_images(params["crops_dir"], missing))
    fingerprint_hex = content_fingerprint(
        rows, images, _fingerprint_params(params, synth_params, part.script), _source_paths()
    )
    report = {"phash_max_distance": int(params["phash_max_distance"]), "leakage": part.leakage}
    counts = write_dataset(
        part.output_dir, part.script, rows, images, fingerprint_hex, params, report
    )
    return {
        "fingerprint": fingerprint_hex,
        "rows": counts,
        "classes": int(rows["label"].nunique()),
        "groups": int(rows["group"].nunique()),
        "topup_crops": int((rows["source"] == TOPUP_SOURCE).sum()),
        "label_status": {
            k: int(v) for k, v in rows["label_status"].value_counts().sort_index().items()
        },
        # Counts per reason keep `dvc metrics show` to a few columns; the log names each class.
        "dropped_classes": _count_reasons(selection.dropped_classes),
        "dropped_groups": _count_reasons(selection.dropped_groups),
        "groups_without_crops": selection.groups_without_crops,
        "dropped_crops": part.dropped,
        "near_duplicate_links": part.links,
        "leakage": part.leakage,
    }


def _count_reasons(dropped: dict[str, str]) -> dict[str, int]:
    """Count dropped items per reason, ignoring the numbers in brackets after a reason."""
    counts: dict[str, int] = {}
    for reason in dropped.values():
        key = reason.split(" (")[0]
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def _cap_and_split(selection: Selection, params: dict, seed: int):
    """Cap each class, assign splits, then keep ``train_shots`` training crops per class.

    Returns the rows with a ``split`` column, the dropped crop counts per reason and the number
    of near-duplicate links between sources.
    """
    rows, capped = cap_per_class(selection.crops, params.get("max_instances_per_class"), seed)
    rows = rows.reset_index(drop=True)
    rows["split"], links = assign_splits(
        rows, params["splits"], int(params["phash_max_distance"]), seed
    )
    train = rows["split"] == "train"
    kept_train, shots_dropped = cap_per_class(rows[train], params.get("train_shots"), seed)
    rows = pd.concat([kept_train, rows[~train]]).sort_index().reset_index(drop=True)
    dropped = dict(selection.dropped_crops)
    dropped.update({"max_instances_per_class": capped, "train_shots": shots_dropped})
    return rows, {k: int(v) for k, v in dropped.items() if v}, links


def _top_up(crops, script, group_of, params, synth_params, seed):
    topup = params.get("topup_synthetic")
    if not topup:
        return crops, {}
    needy = needy_classes(crops, group_of, int(topup["min_real"]))
    licence = topup.get("licence", DEFAULT_LICENCE)
    rows, images = render_topup(needy, int(topup["per_class"]), synth_params, seed, licence)
    if rows.empty:
        return crops, images
    rows["script"] = script
    return pd.concat([crops, rows], ignore_index=True), images


def apply_topup_decisions(
    crops: pd.DataFrame, pending: dict[str, Override], counts: Counter
) -> pd.DataFrame:
    """Apply the pending decisions that name rendered top-up glyphs, and take them off ``pending``.

    A reject drops the glyph and a confirm is counted. A relabel is not applied: a rendered
    glyph's label is the text it was drawn from, so a wrong-looking one should be rejected.
    """
    topup = crops["source"] == TOPUP_SOURCE
    matched = sorted(set(pending) & set(crops.loc[topup, "crop_id"]))
    rejected = set()
    for crop_id in matched:
        decision = pending.pop(crop_id)
        if decision.action == "relabel":
            label = crops.loc[crops["crop_id"] == crop_id, "label"].iloc[0]
            warn_rendered_relabel(decision, label, counts)
            continue
        counts[decision.action] += 1
        if decision.action == "reject":
            rejected.add(crop_id)
    return crops[~crops["crop_id"].isin(rejected)]


def _classes_before_decisions(raw: pd.DataFrame, group_of: dict[str, str], params: dict):
    counts = raw["label"].value_counts()
    enough = counts[counts >= int(params["min_instances_per_class"])].index
    classes: dict[str, set[str]] = {}
    for label in enough:
        classes.setdefault(group_of[label], set()).add(label)
    return classes


def _source_paths() -> list[Path]:
    """List the export's own source files: a change to how rows are written changes the shards."""
    return sorted(Path(__file__).parent.glob("*.py"))


# Locations are left out of the fingerprint because the rows and images they lead to are hashed,
# so the same inputs give the same shards wherever the repository is checked out.
LOCATION_KEYS = ("crops_dir", "groups_path", "overrides_path", "output_dirs", "metrics_path")


def _fingerprint_params(params: dict, synth_params: dict, script: str) -> dict:
    export = {k: v for k, v in params.items() if k not in LOCATION_KEYS}
    fingerprinted = {"export": export, "script": script}
    if params.get("topup_synthetic"):
        fingerprinted["synth"] = synth_params
    return fingerprinted
