"""Write the dataset card (README.md with YAML metadata), the licence file and the sample gallery."""

from __future__ import annotations

import copy
import io
import re
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
from pipeline.export.splits import SPLIT_NAMES

GALLERY_NAME = "gallery.png"
LICENCE_FILE = "LICENSE.md"
# With `license: other`, the Hub's dataset card spec (hub-docs datasetcard.md) expects
# `license_name` (an id) and `license_link` (a file in the repository or a URL).
LICENCE_ID = "per-source-licences"
CELL = 56  # gallery cell size in pixels, crop plus a caption line
CITATION = """@misc{{KEY},
  title  = {{{DATASET}}: {DESCRIPTION} for fine-grained visual classification},
  author = {{glyph-fgvc contributors}},
  note   = {Built with the glyph-fgvc pipeline, export fingerprint {FINGERPRINT}},
  year   = {2026}
}"""
CONFIG_DESCRIPTIONS = {
    "default": "one row per crop, with `label` (the character) and `group` (its look-alike set)",
    "pairs": "anchor/other crop ids of `default` from the same split and group, with `same` "
    "telling whether the labels match (for Siamese training)",
    "real-only": "`default` without rendered (synthetic) crops",
}
DESCRIPTIONS = {
    "han": "resembling Chinese characters",
    "latin": "look-alike Latin letters and digits",
}
LANGUAGES = {"han": ["zh"], "latin": ["en"]}
# The Hub's `size_categories` buckets as (exclusive upper bound of the row count, bucket name).
SIZE_CATEGORIES = [
    (10**3, "n<1K"),
    (10**4, "1K<n<10K"),
    (10**5, "10K<n<100K"),
    (10**6, "100K<n<1M"),
    (10**7, "1M<n<10M"),
    (10**8, "10M<n<100M"),
    (10**9, "100M<n<1B"),
    (10**10, "1B<n<10B"),
    (10**11, "10B<n<100B"),
    (10**12, "100B<n<1T"),
]
MAX_GROUPS_SHOWN = 3


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


def card_metadata(configs: list[ConfigFiles], script: str) -> dict:
    """Return the YAML header: Hub tags, ``configs`` with data files per split, and ``dataset_info``.

    ``size_categories`` counts the rows of the ``default`` configuration, one row per crop.
    """
    num_rows = sum(
        sum(config.num_examples.values()) for config in configs if config.name == "default"
    )
    card_data = DatasetCardData(
        language=LANGUAGES.get(script),
        license="other",
        license_name=LICENCE_ID,
        license_link=LICENCE_FILE,
        size_categories=[size_category(num_rows)],
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


def size_category(num_rows: int) -> str:
    """Return the Hub ``size_categories`` bucket of a row count, for example ``1K<n<10K``."""
    for upper, name in SIZE_CATEGORIES:
        if num_rows < upper:
            return name
    return "n>1T"


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
    """Return the README.md text: YAML header, description, composition, statistics, licence."""
    header = dump_card_yaml(card_metadata(configs, script))
    description = DESCRIPTIONS.get(script, script)
    sections = [
        f"---\n{header}---",
        f"# {name}",
        f"Single-glyph crops of {description}, grouped into look-alike sets for extremely "
        "fine-grained visual classification. A crop is either real (cut from a source "
        "image) or rendered (drawn from an installed font, with `synthetic` set to true)."
        + _largest_groups(rows),
        f"Export fingerprint: `{fingerprint_hex}` (SHA-256 of this dataset's rows and images, "
        "the export parameters and the export code). It is part of every shard name, so a "
        "changed export never reuses a stale `datasets` cache.",
        "## Composition\n\n" + _composition(rows, configs),
        "## Configurations\n\n" + _config_list(configs),
        "## Label status\n\n"
        "`verified` means a person confirmed or relabelled the crop; `annotation` comes from a "
        "dataset's own boxes, `ocr` from the recognisers, `synthetic` from rendering.",
        "## Splits\n\n"
        "Crops of one source photo, and near-duplicate crops (perceptual-hash distance "
        f"<= {report['phash_max_distance']} bits), are never in two splits. Leakage check: "
        f"{report['leakage']['sources_in_several_splits']} sources and "
        f"{report['leakage']['near_duplicate_pairs_across_splits']} near-duplicate pairs span "
        "two splits. The rows of each split are in a fixed pseudo-random order, sorted by "
        "SHA-256 of the export seed and the crop ids, so streamed batches mix the classes even "
        "with a small shuffle buffer.",
        "## Statistics\n\n" + _statistics(rows),
        "## Licence\n\n"
        f"The card metadata calls these terms `{LICENCE_ID}` and links to {LICENCE_FILE}, "
        "which holds the same table.\n\n" + _licence_text(rows),
        f"## Sample gallery\n\n![samples from the training split]({GALLERY_NAME})",
        f"## Citation\n\n```bibtex\n{_citation(name, description, fingerprint_hex)}\n```",
    ]
    return "\n\n".join(sections) + "\n"


def _largest_groups(rows: pd.DataFrame) -> str:
    """Return a sentence naming the groups with the most classes, or nothing without rows."""
    if rows.empty:
        return ""
    groups = rows.groupby("group").agg(
        members=("label", lambda labels: "/".join(sorted(set(labels)))),
        classes=("label", "nunique"),
        crops=("crop_id", "size"),
    )
    largest = groups.reset_index().sort_values(
        ["classes", "crops", "group"], ascending=[False, False, True]
    )
    examples = "; ".join(
        f"{group.members} (`{group.group}`, {_count(group.crops, 'crop')})"
        for group in largest.head(MAX_GROUPS_SHOWN).itertuples()
    )
    count = _count(len(groups), "group")
    if len(groups) <= MAX_GROUPS_SHOWN:
        return f" This export has {count}: {examples}."
    return f" This export has {count}. The {MAX_GROUPS_SHOWN} largest: {examples}."


def _composition(rows: pd.DataFrame, configs: list[ConfigFiles]) -> str:
    """Return real and rendered crop counts, overall and per split, and the ``real-only`` splits.

    Splits where rendered glyphs outnumber real crops get a warning, because scores on them
    measure recognition of rendered glyphs rather than of photographs.
    """
    if rows.empty:
        return "This export has no rows."
    rendered_mask = rows["synthetic"].astype(bool)
    total, rendered = len(rows), int(rendered_mask.sum())
    real = total - rendered
    classes = rows["label"].nunique()
    classes_without_real = classes - rows.loc[~rendered_mask, "label"].nunique()
    per_split = _split_composition(rows)
    paragraphs = [
        f"Rendered glyphs: {rendered:,} of {total:,} crops ({_percent(rendered, total)}). "
        f"Real crops: {real:,} ({_percent(real, total)}). "
        f"Classes without a real crop: {classes_without_real:,} of {classes:,}.",
        _table(per_split),
    ]
    mostly_rendered = per_split.loc[per_split["rendered"] > per_split["real"], "split"].tolist()
    if mostly_rendered:
        has_real_only = any(config.name == "real-only" for config in configs)
        paragraphs.append(_rendered_majority_warning(mostly_rendered, has_real_only))
    paragraphs.append(_real_only_splits(configs))
    return "\n\n".join(paragraphs)


def _split_composition(rows: pd.DataFrame) -> pd.DataFrame:
    """Count crops, real crops and rendered crops per split, in train/validation/test order."""
    table = []
    for split in _split_order(rows["split"]):
        rendered = int(rows.loc[rows["split"] == split, "synthetic"].astype(bool).sum())
        crops = int((rows["split"] == split).sum())
        table.append(
            {
                "split": split,
                "crops": crops,
                "real": crops - rendered,
                "rendered": rendered,
                "rendered share": _percent(rendered, crops),
            }
        )
    return pd.DataFrame(table)


def _rendered_majority_warning(splits: list[str], has_real_only: bool) -> str:
    named = _join(splits) + (" split" if len(splits) == 1 else " splits")
    reference = "that split" if len(splits) == 1 else "those splits"
    text = (
        f"**Rendered glyphs are the majority of the {named}.** Scores on {reference} measure "
        "recognition of rendered glyphs, not of photographs."
    )
    if has_real_only:
        text += " To score on real crops only, use the `real-only` configuration."
    return text


def _real_only_splits(configs: list[ConfigFiles]) -> str:
    """Say which splits the ``real-only`` configuration has, and which it lacks."""
    config = next((c for c in configs if c.name == "real-only"), None)
    if config is None:
        return "This export has no `real-only` configuration, because it has no real crop."
    present = [f"{split} ({_count(n, 'crop')})" for split, n in config.num_examples.items()]
    text = f"The `real-only` configuration has the splits {_join(present)}."
    missing = [split for split in SPLIT_NAMES if split not in config.num_examples]
    if missing:
        named = _join(missing) + (" split" if len(missing) == 1 else " splits")
        text += (
            f" It has no {named}, because no real crop is in "
            f"{'it' if len(missing) == 1 else 'them'}. "
            f'`load_dataset(path, "real-only")["{missing[0]}"]` therefore raises a KeyError.'
        )
    return text


def _percent(part: int, whole: int) -> str:
    """Format a share with one decimal, never rounding a partial share to 0% or 100%."""
    share = 100 * part / whole if whole else 0.0
    if 0 < share < 0.1:
        return "<0.1%"
    if 99.9 < share < 100:
        return ">99.9%"
    return f"{share:.1f}%"


def _count(number: int, noun: str) -> str:
    """Return ``1 crop`` or ``1,056 crops``: the number and the noun, plural unless one."""
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def _join(words: list[str]) -> str:
    """Join words as English prose: ``a``, ``a and b``, ``a, b and c``."""
    if len(words) <= 2:
        return " and ".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _split_order(splits: pd.Series) -> list[str]:
    """Return the distinct split names in train/validation/test order, any others after them."""
    present = set(splits)
    return [s for s in SPLIT_NAMES if s in present] + sorted(present - set(SPLIT_NAMES))


def _config_list(configs: list[ConfigFiles]) -> str:
    written = {config.name: config for config in configs}
    lines = []
    for name, description in CONFIG_DESCRIPTIONS.items():
        if name in written:
            splits = [f"{s} ({_count(n, 'row')})" for s, n in written[name].num_examples.items()]
            note = f" Splits: {', '.join(splits)}."
        else:
            note = " Not in this export because it would have no rows."
        lines.append(f"- `{name}`: {description}.{note}")
    return "\n".join(lines)


def _statistics(rows: pd.DataFrame) -> str:
    order = _split_order(rows["split"])
    per_split = (
        rows.groupby("split")
        .agg(crops=("crop_id", "size"), classes=("label", "nunique"))
        .reindex(order)
    )
    per_group = _per_split_counts(rows, "group", order)
    per_group.insert(
        0, "members", rows.groupby("group")["label"].agg(lambda s: " ".join(sorted(set(s))))
    )
    per_status = _per_split_counts(rows, "label_status", order)
    return "\n\n".join(
        [
            "Per split:\n\n" + _table(per_split.reset_index()),
            "Per group (crops per split):\n\n" + _table(per_group.fillna(0).reset_index()),
            "Per label status:\n\n" + _table(per_status.fillna(0).reset_index()),
        ]
    )


def _per_split_counts(rows: pd.DataFrame, column: str, order: list[str]) -> pd.DataFrame:
    """Count crops per value of ``column`` (index) and split (columns, in ``order``)."""
    table = rows.pivot_table(index=column, columns="split", values="crop_id", aggfunc="size")
    return table.reindex(columns=order)


def _licence_text(rows: pd.DataFrame) -> str:
    """Return the licence statement with the crop count per source and licence."""
    per_source = rows.groupby(["source", "licence"]).size().rename("crops").reset_index()
    return (
        "Each row carries the licence of its source in the `licence` column. The export adds "
        "no terms of its own.\n\n" + _table(per_source)
    )


def render_licence(name: str, rows: pd.DataFrame) -> str:
    """Return the LICENSE.md text that the card's ``license_link`` points to."""
    return f"# Licence of {name}\n\n{_licence_text(rows)}\n"


def _citation(name: str, description: str, fingerprint_hex: str) -> str:
    """Return a BibTeX entry whose key is the dataset name, for example ``rcc_fgvc``."""
    key = re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_") or "glyph_fgvc"
    fields = {
        "{KEY}": key,
        "{DATASET}": name,
        "{DESCRIPTION}": description,
        "{FINGERPRINT}": fingerprint_hex,
    }
    text = CITATION
    for placeholder, value in fields.items():
        text = text.replace(placeholder, value)
    return text


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


def write_card(directory: Path, text: str, licence: str, gallery_png: bytes) -> None:
    """Write README.md, the licence file and the gallery into an export directory."""
    (directory / "README.md").write_text(text, encoding="utf-8")
    (directory / LICENCE_FILE).write_text(licence, encoding="utf-8")
    (directory / GALLERY_NAME).write_bytes(gallery_png)
