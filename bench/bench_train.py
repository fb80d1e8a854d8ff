"""Benchmark training: stage-2 CCFG-Net throughput against a plain timm cross-entropy loop, and a
results grid (models x seeds) on EL-FGVC built from real Chars74K letter and digit crops.

    python bench/bench_train.py throughput [--backbone resnet18 --image-size 32 --batch-size 64]
    python bench/bench_train.py grid --chars74k DIR [--backbones ...] [--models ...] [--seeds 0 1 2]
    python bench/bench_train.py grid --dataset runs/real/rcc-fgvc --max-groups 80 [...]
    python bench/bench_train.py table [--work-dir runs/bench_train]

``grid`` builds ``<work>/el-fgvc-chars74k`` (a Hugging Face parquet dataset with the export
columns) from the Chars74K folder, or reads an exported dataset, trains and evaluates every
backbone x model x seed, and writes one JSON record per run (an interrupted grid resumes) plus a
markdown table of mean +- std per metric. ``table`` prints that table for every recorded run.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import timm
import torch
import yaml
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.backbones import COMPARISON_BACKBONES, create_backbone  # noqa: E402
from model.checkpoint import load_model  # noqa: E402
from model.cli import positive_int  # noqa: E402
from model.data import GlyphData, Split, load_glyph_data  # noqa: E402
from model.engine import predict_proba  # noqa: E402
from model.methods.ccfg_net import CCFGObjective  # noqa: E402
from model.metrics import classification_metrics  # noqa: E402
from model.networks.ccfg_net import CCFGNet  # noqa: E402
from model.train import train_model  # noqa: E402
from pipeline.common.io import write_text_atomic  # noqa: E402
from pipeline.common.logs import setup_logging  # noqa: E402
from pipeline.common.params import load_section  # noqa: E402

logger = logging.getLogger("bench_train")

# Look-alike groups over the Chars74K classes (upper-case letters and digits), after the Unicode
# TR39 confusables and common OCR confusions. Classes outside every group are not used.
CHARS74K_GROUPS = {
    "latin-0001": "0DOQ",
    "latin-0002": "1IJLT",
    "latin-0003": "27Z",
    "latin-0004": "5S",
    "latin-0005": "38B",
    "latin-0006": "6CG",
    "latin-0007": "EFPR",
    "latin-0008": "MNW",
    "latin-0009": "UVY",
}
SPLIT_SHARES = {"train": 0.6, "validation": 0.2}


def seconds_per_step(step, steps: int) -> float:
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - started) / steps


def interleaved_rates(
    step_a, step_b, batch_size: int, rounds: int, steps: int
) -> tuple[float, float]:
    """Return samples/s of two training steps, timed in alternating rounds (median per loop).

    Alternating rounds expose both loops to the same background load, so their ratio stays
    meaningful on a shared machine even when each absolute rate drifts.
    """
    for step in (step_a, step_b):
        seconds_per_step(step, 2)  # warm-up: allocator, autograd graph, oneDNN kernels
    times_a, times_b = [], []
    for _ in range(rounds):
        times_a.append(seconds_per_step(step_a, steps))
        times_b.append(seconds_per_step(step_b, steps))
    return batch_size / float(np.median(times_a)), batch_size / float(np.median(times_b))


def run_throughput(args: argparse.Namespace) -> dict:
    """Measure CCFG-Net stage-2 pairs/s and a plain timm cross-entropy loop's images/s."""
    torch.manual_seed(0)
    params = load_section("train", args.params)
    size, batch, classes = args.image_size, args.batch_size, 30
    x1, x2 = torch.randn(batch, 3, size, size), torch.randn(batch, 3, size, size)
    y1, y2 = torch.randint(0, classes, (batch,)), torch.randint(0, classes, (batch,))

    plain = timm.create_model(args.backbone, pretrained=False, num_classes=classes)
    plain_opt = torch.optim.AdamW(plain.parameters(), lr=1e-3)

    def plain_step():
        plain_opt.zero_grad()
        F.cross_entropy(plain(x1), y1).backward()
        plain_opt.step()

    network = CCFGNet(create_backbone(args.backbone, size), classes)
    objective = CCFGObjective(network, params["ccfg_net"])
    ccfg_opt = torch.optim.AdamW(network.parameters(), lr=1e-3)
    batch_pairs = {"images1": x1, "images2": x2, "labels1": y1, "labels2": y2}

    def ccfg_step():
        ccfg_opt.zero_grad()
        objective(batch_pairs)["loss"].backward()
        ccfg_opt.step()

    images_per_s, pairs_per_s = interleaved_rates(
        plain_step, ccfg_step, batch, args.rounds, args.steps
    )
    record = {
        "backbone": args.backbone,
        "image_size": size,
        "batch_size": batch,
        "threads": torch.get_num_threads(),
        "rounds": args.rounds,
        "steps_per_round": args.steps,
        "plain_ce_images_per_s": round(images_per_s, 1),
        "ccfg_stage2_pairs_per_s": round(pairs_per_s, 1),
        # A pair is two images, so 0.5 would mean equal cost per image.
        "ratio": round(pairs_per_s / images_per_s, 3),
    }
    logger.info("throughput: %s", record)
    return record


def build_chars74k_dataset(root: Path, out: Path, seed: int = 0) -> Path:
    """Write EL-FGVC from Chars74K crops: grouped classes, stratified 60/20/20 splits."""
    import datasets

    from pipeline.export.features import default_features

    if (out / "README.md").is_file():
        return out
    group_of = {char: group for group, chars in CHARS74K_GROUPS.items() for char in chars}
    rows_by_class: dict[str, list[dict]] = {}
    for line in (root / "labels.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        file, label, original = line.split("\t")
        if label not in group_of:
            continue
        rows_by_class.setdefault(label, []).append(
            {
                "image": {"bytes": (root / file).read_bytes()},
                "label": label,
                "character": label,
                "group": group_of[label],
                "crop_id": original,
                "source": "chars74k-goodimg",
                "source_sha256": original,
                "uri": original,
                "licence": "Chars74K, research use",
                "box": [0.0, 0.0, 100.0, 0.0, 100.0, 100.0, 0.0, 100.0],
                "ocr_score": None,
                "confidence": 1.0,
                "engines_agree": None,
                "label_status": "annotation",
                "synthetic": False,
                "phash": None,
            }
        )
    rng = np.random.default_rng(seed)
    splits: dict[str, list[dict]] = {"train": [], "validation": [], "test": []}
    for label in sorted(rows_by_class):
        rows = [rows_by_class[label][i] for i in rng.permutation(len(rows_by_class[label]))]
        n_train = round(SPLIT_SHARES["train"] * len(rows))
        n_val = round(SPLIT_SHARES["validation"] * len(rows))
        splits["train"] += rows[:n_train]
        splits["validation"] += rows[n_train : n_train + n_val]
        splits["test"] += rows[n_train + n_val :]
    features = default_features(sorted(rows_by_class), sorted(CHARS74K_GROUPS))
    data_files = []
    for split, rows in splits.items():
        columns = {name: [row[name] for row in rows] for name in features}
        (out / "data").mkdir(parents=True, exist_ok=True)
        name = f"data/{split}.parquet"
        datasets.Dataset.from_dict(columns, features=features).to_parquet(str(out / name))
        data_files.append({"split": split, "path": name})
    card = {"configs": [{"config_name": "default", "data_files": data_files}]}
    (out / "README.md").write_text(
        f"---\n{yaml.safe_dump(card)}---\n# EL-FGVC from Chars74K\n", encoding="utf-8"
    )
    logger.info("built %s: %s", out, {k: len(v) for k, v in splits.items()})
    return out


# Train params that the grid sets itself, with the option that sets each.
GRID_OWNED = {"backbone": "--backbones", "seed": "--seeds", "image_size": "--image-size"}


def apply_override(params: dict, assignment: str) -> None:
    """Set one existing train param from ``KEY=VALUE`` (YAML value), ``a.b=VALUE`` when nested."""
    key, sep, value = assignment.partition("=")
    if not sep or not key:
        raise SystemExit(f"--set expects KEY=VALUE, got '{assignment}'")
    if key in GRID_OWNED:
        raise SystemExit(f"--set {key}: the grid sets '{key}'; use {GRID_OWNED[key]} instead")
    *parents, leaf = key.split(".")
    node = params
    for part in parents:
        if not isinstance(node.get(part), dict):
            raise SystemExit(f"--set {key}: '{part}' is not a section of the train params")
        node = node[part]
    if leaf not in node:
        raise SystemExit(f"--set {key}: no such train param; check the spelling in params.yaml")
    node[leaf] = yaml.safe_load(value)


def restrict_to_groups(data: GlyphData, max_groups: int, seed: int = 0) -> GlyphData:
    """Keep ``max_groups`` look-alike groups drawn at random (with ``seed``) and renumber classes.

    Only groups with at least two classes that have training images are drawn, so every kept
    class can be learned and confused with a look-alike.
    """
    train_labels = set(data.splits["train"].labels.tolist())
    members: dict[int, list[int]] = {}
    for label, group in enumerate(data.class_to_group.tolist()):
        if group >= 0 and label in train_labels:
            members.setdefault(group, []).append(label)
    eligible = sorted(g for g, labels in members.items() if len(labels) >= 2)
    if len(eligible) < max_groups:
        logger.warning("only %d groups can be kept, fewer than %d", len(eligible), max_groups)
    rng = np.random.default_rng(seed)
    size = min(max_groups, len(eligible))
    kept_groups = sorted(rng.choice(eligible, size=size, replace=False).tolist())
    kept_labels = sorted(label for g in kept_groups for label in members[g])
    new_label = torch.full((data.num_classes,), -1, dtype=torch.int64)
    new_label[kept_labels] = torch.arange(len(kept_labels))
    splits = {}
    for name, split in data.splits.items():
        mask = new_label[split.labels] >= 0 if len(split) else torch.zeros(0, dtype=torch.bool)
        index = mask.nonzero().flatten().tolist()
        splits[name] = Split(
            split.images[mask], new_label[split.labels[mask]], [split.crop_ids[i] for i in index]
        )
    group_index = {g: i for i, g in enumerate(kept_groups)}
    return GlyphData(
        class_names=[data.class_names[i] for i in kept_labels],
        group_names=[data.group_names[g] for g in kept_groups],
        class_to_group=np.array(
            [group_index[int(data.class_to_group[i])] for i in kept_labels], dtype=np.int64
        ),
        splits=splits,
        skipped=data.skipped,
    )


def grid_data(args: argparse.Namespace, grayscale: bool) -> tuple[str, Path, GlyphData]:
    """Return the dataset name, its folder and its decoded splits (Chars74K build or an export)."""
    work = Path(args.work_dir)
    if args.dataset:
        path = Path(args.dataset)
        name = path.name
    else:
        path = build_chars74k_dataset(Path(args.chars74k), work / "el-fgvc-chars74k")
        name = "el-fgvc-chars74k"
    data = load_glyph_data(path, args.image_size, grayscale)
    if args.max_groups:
        data = restrict_to_groups(data, args.max_groups)
        name = f"{name}-{len(data.group_names)}groups"
    logger.info(
        "%s: %d classes in %d groups, %s images per split",
        name,
        data.num_classes,
        len(data.group_names),
        {split: len(rows) for split, rows in data.splits.items()},
    )
    return name, path, data


def check_record(path: Path, record: dict, params: dict, dataset_path: Path) -> None:
    """Raise when a stored run used other settings or another dataset folder than this grid."""
    expected = json.loads(json.dumps(params, default=str))
    stored = record.get("params", {})
    changed = sorted(k for k in set(expected) | set(stored) if expected.get(k) != stored.get(k))
    if changed:
        raise SystemExit(
            f"{path} was trained with other settings ({', '.join(changed)}); "
            "pass another --tag or --work-dir, or delete that file to re-run it"
        )
    stored_path = record.get("dataset_path")
    if stored_path and stored_path != str(dataset_path.resolve()):
        raise SystemExit(
            f"{path} was trained on {stored_path}, not {dataset_path.resolve()}; "
            "pass another --work-dir"
        )


def run_grid(args: argparse.Namespace) -> dict:
    """Train and test every backbone x model x seed; return per-run and aggregated metrics.

    Each run writes ``<work>/results/<dataset>/<backbone>/<model>-<tag>-s<seed>.json`` and is
    skipped when that file exists, so an interrupted grid resumes where it stopped.
    """
    params = load_section("train", args.params)
    params["image_size"] = args.image_size
    if args.epochs:
        params["epochs"] = args.epochs
    if args.hard_negative_ratio is not None:
        params["hard_negative_ratio"] = args.hard_negative_ratio
    for assignment in args.set:
        apply_override(params, assignment)
    work = Path(args.work_dir)
    dataset, dataset_path, data = grid_data(args, bool(params.get("grayscale", False)))
    test = data.splits["test"]
    runs = []
    for backbone in args.backbones:
        params["backbone"] = backbone
        for name in args.models:
            for seed in args.seeds:
                params["seed"] = seed
                run_id = f"{name}-{args.tag}-s{seed}"
                record_path = work / "results" / dataset / backbone / f"{run_id}.json"
                if record_path.is_file():
                    record = json.loads(record_path.read_text(encoding="utf-8"))
                    check_record(record_path, record, params, dataset_path)
                    runs.append(record)
                    logger.info("%s exists; skipping that run", record_path)
                    continue
                out = work / "models" / dataset / backbone / run_id
                started = time.perf_counter()
                summary = train_model(name, data, params, out)
                network, _ = load_model(out / "model.pt")
                y_pred = predict_proba(network, test.images).argmax(1).numpy()
                metrics = classification_metrics(test.labels.numpy(), y_pred, data.class_to_group)
                metrics.update(
                    dataset=dataset,
                    dataset_path=str(dataset_path.resolve()),
                    backbone=backbone,
                    model=name,
                    tag=args.tag,
                    seed=seed,
                    seconds=round(time.perf_counter() - started, 1),
                    best_val_macro_f1=summary["best_val_macro_f1"],
                    params=dict(params),
                )
                logger.info("%s/%s %s: %s", dataset, backbone, run_id, metrics)
                record_path.parent.mkdir(parents=True, exist_ok=True)
                write_json_atomic(record_path, metrics)
                runs.append(metrics)
                if not args.keep_models:
                    # Checkpoints average about 170 MB per run over the five backbones, and the
                    # record contains every figure that the table reports.
                    shutil.rmtree(out)
    return {"params": params, "runs": runs, "summary": summarise(runs)}


def write_json_atomic(path: Path, record: dict) -> None:
    write_text_atomic(path, json.dumps(record, indent=2, default=str) + "\n")


def run_key(run: dict) -> str:
    """Return the row name of a run: ``dataset / backbone / model [tag]``."""
    tag = run.get("tag", "")
    model = f"{run['model']} [{tag}]" if tag and tag != "default" else run["model"]
    return f"{run.get('dataset', 'el-fgvc-chars74k')} / {run.get('backbone', 'resnet18')} / {model}"


def summarise(runs: list[dict]) -> dict[str, dict[str, list[float]]]:
    """Return ``{row: {metric: [mean, std, n]}}`` with the sample standard deviation (ddof=1)."""
    summary: dict[str, dict[str, list[float]]] = {}
    for key in dict.fromkeys(run_key(r) for r in runs):
        rows = [r for r in runs if run_key(r) == key]
        summary[key] = {}
        for metric in ("accuracy", "macro_f1", "within_group_confusion", "seconds"):
            values = np.array([r[metric] for r in rows], dtype=float)
            std = float(values.std(ddof=1)) if len(values) > 1 else 0.0
            summary[key][metric] = [float(values.mean()), std, len(values)]
    return summary


def markdown_table(summary: dict) -> str:
    """Return a markdown table of mean +- std in percent, with seeds and minutes per run."""
    lines = [
        "| dataset / backbone / model | seeds | accuracy | macro-F1 | within-group confusion "
        "| minutes per run |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for key, metrics in summary.items():
        cells = [
            f"{100 * metrics[m][0]:.1f} ± {100 * metrics[m][1]:.1f}"
            for m in ("accuracy", "macro_f1", "within_group_confusion")
        ]
        minutes = metrics["seconds"][0] / 60
        lines.append(
            f"| {key} | {metrics['accuracy'][2]} | " + " | ".join(cells) + f" | {minutes:.1f} |"
        )
    return "\n".join(lines)


def collect_runs(work: Path) -> list[dict]:
    """Read every per-run record under ``<work>/results``."""
    return [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((work / "results").rglob("*.json"))
    ]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["throughput", "grid", "table"])
    parser.add_argument(
        "--params", default="params.yaml", help="params file whose train section is used"
    )
    parser.add_argument("--backbone", default="resnet18", help="throughput: timm backbone name")
    parser.add_argument(
        "--backbones",
        nargs="+",
        default=list(COMPARISON_BACKBONES),
        help="grid: timm backbones (default: the five of model.backbones.COMPARISON_BACKBONES)",
    )
    parser.add_argument("--image-size", type=int, default=32, help="input size in pixels")
    parser.add_argument(
        "--batch-size", type=int, default=64, help="throughput: images or pairs per step"
    )
    parser.add_argument("--steps", type=int, default=5, help="throughput: timed steps per round")
    parser.add_argument(
        "--rounds", type=int, default=5, help="throughput: alternating timing rounds"
    )
    parser.add_argument("--chars74k", help="grid: Chars74K folder with labels.tsv and img/")
    parser.add_argument("--dataset", help="grid: an exported dataset folder instead of --chars74k")
    parser.add_argument(
        "--max-groups",
        type=positive_int,
        help="grid: keep this many look-alike groups, drawn at random",
    )
    parser.add_argument(
        "--tag", default="default", help="grid: variant name in the run files and the table"
    )
    parser.add_argument(
        "--work-dir", default="runs/bench_train", help="grid: dataset and model folder"
    )
    parser.add_argument(
        "--models",
        nargs="+",
        default=["ccfg_net", "cross_entropy", "cosface", "supcon_linear", "api_net"],
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument(
        "--epochs", type=int, help="grid: main-phase epochs (default: train.epochs)"
    )
    parser.add_argument(
        "--hard-negative-ratio",
        type=float,
        help="grid: pair sampling (default: train.hard_negative_ratio)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="grid: override one train param with a YAML value, e.g. --set grayscale=false "
        "or --set ccfg_net.cosface_scale=16",
    )
    parser.add_argument(
        "--keep-models",
        action="store_true",
        help="grid: keep each run's checkpoints under <work>/models (deleted after scoring)",
    )
    parser.add_argument("--out", help="write the JSON record here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    setup_logging()
    if args.mode == "throughput":
        record = run_throughput(args)
    elif args.mode == "table":
        runs = collect_runs(Path(args.work_dir))
        record = {"runs": runs, "summary": summarise(runs)}
        print(markdown_table(record["summary"]))
    else:
        if not args.chars74k and not args.dataset:
            raise SystemExit(
                "grid needs --chars74k DIR (the folder with labels.tsv and img/) "
                "or --dataset DIR (an exported dataset)"
            )
        record = run_grid(args)
        print(markdown_table(record["summary"]))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(
            json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8"
        )
    print(json.dumps(record if args.mode == "throughput" else record["summary"], indent=2))


if __name__ == "__main__":
    main()
