"""Write the dataset card (README.md with YAML metadata) and the sample gallery of an export."""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml
from datasets import DatasetInfo, Features, SplitDict, SplitInfo
from datasets.info import DatasetInfosDict
from fontTools.ttLib import TTLibError
from huggingface_hub import DatasetCardData
from PIL import Image, ImageDraw, ImageFont

from pipeline.common.fonts import face_cmap, list_faces
from pipeline.common.images import decode_image

GALLERY_NAME = "gallery.png"
CELL = 56  # gallery cell size in pixels, crop plus a caption line
CITATION = """@misc{glyph_fgvc,
  title  = {{DATASET}: extremely fine-grained recognition of resembling glyphs in the wild},
  note   = {Built with the glyph-fgvc pipeline; export fingerprint {FINGERPRINT}},
  year   = {2026}
}"""
CONFIG_DESCRIPTIONS = {
    "default": "one row per crop, with `label` (the character) and `group` (its look-alike set)",
    "pairs": "anchor/other crop ids of `default` from the same split and group, with `same` "
    "telling whether the labels match (for Siamese training)",
    "real-only": "`default` without rendered (synthetic) crops",
}
DESCRIPTIONS = {
    "han": "look-alike Chinese characters (for example 未/末 and 己/已/巳)",
    "latin": "look-alike Latin letters and digits (for example O/0/Q and 1/I/l)",
}


class _FlowList(list):
    """A YAML list written on one line: ``[a, b, c]``."""


class _CardDumper(yaml.SafeDumper):
    """Safe dumper that writes ``_FlowList`` values in flow style."""


_CardDumper.add_representer(
    _FlowList,
    lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True),
)


@dataclass
class ConfigFiles:
    """The shards and sizes of one configuration, per split."""

    name: str
    features: Features
    files: dict[str, list[str]] = field(default_factory=dict)
    num_examples: dict[str, int] = field(default_factory=dict)
    num_bytes: dict[str, int] = field(default_factory=dict)
    download_size: int = 0


def card_metadata(configs: list[ConfigFiles]) -> dict:
    """Return the YAML header: ``configs`` with data files per split, and ``dataset_info``."""
    card_data = DatasetCardData(
        license="other",
        task_categories=["image-classification"],
        tags=["fine-grained", "ocr", "characters", "look-alike"],
    )
    infos = {}
    for config in configs:
        splits = SplitDict()
        for split, count in config.num_examples.items():
            splits.add(SplitInfo(name=split, num_bytes=config.num_bytes[split], num_examples=count))
        infos[config.name] = DatasetInfo(
            features=config.features,
            splits=splits,
            download_size=config.download_size,
            dataset_size=sum(config.num_bytes.values()),
            config_name=config.name,
        )
    DatasetInfosDict(infos).to_dataset_card_data(card_data)
    metadata = card_data.to_dict()
    metadata["configs"] = [
        {
            "config_name": config.name,
            "data_files": [{"split": s, "path": paths} for s, paths in config.files.items()],
            **({"default": True} if config.name == "default" else {}),
        }
        for config in configs
    ]
    return metadata


def _flow_class_names(node: object) -> None:
    """Turn every ClassLabel ``names: {'0': a, ...}`` mapping into a one-line list in place.

    `datasets` reads both forms. The card YAML is parsed by pure-Python PyYAML on every
    ``load_dataset``, and a one-line list of 1,843 class names parses about 2.5x faster than
    the one-entry-per-line mapping that ``DatasetInfo`` writes.
    """
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "names" and isinstance(value, dict):
                node[key] = _FlowList(value[str(i)] for i in range(len(value)))
            else:
                _flow_class_names(value)
    elif isinstance(node, list):
        for value in node:
            _flow_class_names(value)


def dump_card_yaml(metadata: dict) -> str:
    """Return the YAML header text, with class names as one-line lists that never wrap."""
    metadata = copy.deepcopy(metadata)
    _flow_class_names(metadata.get("dataset_info"))
    return yaml.dump(
        metadata, Dumper=_CardDumper, allow_unicode=True, sort_keys=False, width=1 << 30
    )


def render_card(
    name: str,
    script: str,
    fingerprint_hex: str,
    configs: list[ConfigFiles],
    rows: pd.DataFrame,
    report: dict,
) -> str:
    """Return the README.md text: YAML header, description, statistics, licence and citation."""
    header = dump_card_yaml(card_metadata(configs))
    citation = CITATION.replace("{DATASET}", name).replace("{FINGERPRINT}", fingerprint_hex)
    sections = [
        f"---\n{header}---",
        f"# {name}",
        f"Single-glyph crops of {DESCRIPTIONS.get(script, script)}, grouped into sets of "
        "resembling characters for extremely fine-grained visual classification.",
        f"Export fingerprint: `{fingerprint_hex}` (SHA-256 of this dataset's rows and images, "
        "the export parameters and the export code). It is part of every shard name, so a "
        "changed export never reuses a stale `datasets` cache.",
        "## Configurations\n\n" + _config_list(configs),
        "## Label status\n\n"
        "`verified` means a person confirmed or relabelled the crop; `annotation` comes from a "
        "dataset's own boxes, `ocr` from the recognisers, `synthetic` from rendering.",
        "## Splits\n\n"
        "Crops of one source photo, and near-duplicate crops (perceptual-hash distance "
        f"<= {report['phash_max_distance']} bits), are never in two splits. Leakage check: "
        f"{report['leakage']['sources_in_several_splits']} sources and "
        f"{report['leakage']['near_duplicate_pairs_across_splits']} near-duplicate pairs span "
        "two splits.",
        "## Statistics\n\n" + _statistics(rows),
        "## Licence\n\nEach row carries the licence of its source; the export adds no terms.\n\n"
        + _table(rows.groupby(["source", "licence"]).size().rename("crops").reset_index()),
        f"## Sample gallery\n\n![samples from the training split]({GALLERY_NAME})",
        f"## Citation\n\n```bibtex\n{citation}\n```",
    ]
    return "\n\n".join(sections) + "\n"


def _config_list(configs: list[ConfigFiles]) -> str:
    written = {config.name for config in configs}
    lines = []
    for name, description in CONFIG_DESCRIPTIONS.items():
        note = "" if name in written else " Not in this export because it would have no rows."
        lines.append(f"- `{name}`: {description}.{note}")
    return "\n".join(lines)


def _statistics(rows: pd.DataFrame) -> str:
    per_split = rows.groupby("split").agg(crops=("crop_id", "size"), classes=("label", "nunique"))
    per_group = rows.pivot_table(index="group", columns="split", values="crop_id", aggfunc="size")
    per_group.insert(
        0, "members", rows.groupby("group")["label"].agg(lambda s: " ".join(sorted(set(s))))
    )
    per_status = rows.pivot_table(
        index="label_status", columns="split", values="crop_id", aggfunc="size"
    )
    return "\n\n".join(
        [
            "Per split:\n\n" + _table(per_split.reset_index()),
            "Per group (crops per split):\n\n" + _table(per_group.fillna(0).reset_index()),
            "Per label status:\n\n" + _table(per_status.fillna(0).reset_index()),
        ]
    )


def _table(frame: pd.DataFrame) -> str:
    """Format a frame as a Markdown table (integers without decimals)."""
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |"]
    lines.append("|" + " --- |" * len(frame.columns))
    for values in frame.itertuples(index=False):
        cells = [str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in values]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_gallery(rows: pd.DataFrame, images: dict[str, bytes], per_class: int) -> bytes:
    """Return a PNG grid: one line per group, ``per_class`` training crops of each member."""
    train = rows[rows["split"] == "train"].sort_values(["group", "label", "crop_id"])
    lines = []
    for _, members in train.groupby("group", sort=True):
        lines.append(list(members.groupby("label", sort=True).head(per_class).itertuples()))
    width = max((len(line) for line in lines), default=1) * CELL
    gallery = Image.new("RGB", (max(width, CELL), max(len(lines), 1) * CELL), "white")
    draw = ImageDraw.Draw(gallery)
    font = _caption_font("".join(sorted(set(rows["label"]))))
    for y, line in enumerate(lines):
        for x, row in enumerate(line):
            crop = decode_image(images[row.crop_id], name=row.crop_id)
            crop.thumbnail((CELL - 4, CELL - 16))
            gallery.paste(crop, (x * CELL + 2, y * CELL + 2))
            draw.text((x * CELL + 2, y * CELL + CELL - 14), row.label, fill="black", font=font)
    buffer = io.BytesIO()
    gallery.save(buffer, format="PNG")
    return buffer.getvalue()


def _caption_font(chars: str) -> ImageFont.ImageFont:
    """Return the first installed face that covers every caption character, at 12 px."""
    wanted = {ord(c) for c in chars}
    # Stop at the first match: reading the cmap of every installed face takes seconds.
    for face in list_faces():
        try:
            if wanted <= face_cmap(face.path, face.index):
                return ImageFont.truetype(face.path, size=12, index=face.index)
        except (OSError, KeyError, AssertionError, TTLibError):
            continue
    return ImageFont.load_default()


def write_card(directory: Path, text: str, gallery_png: bytes) -> None:
    """Write README.md and the gallery into an export directory."""
    (directory / "README.md").write_text(text, encoding="utf-8")
    (directory / GALLERY_NAME).write_bytes(gallery_png)
