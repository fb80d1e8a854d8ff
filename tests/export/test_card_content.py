"""Card text (composition, examples, split order, licence, citation) and shard row order."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
import yaml
from datasets import ClassLabel, Features, load_dataset

from pipeline.export.card import ConfigFiles, render_card
from pipeline.export.dataset import seeded_order
from pipeline.export.splits import SPLIT_NAMES
from pipeline.export.stage import run_export

REPORT = {
    "phash_max_distance": 4,
    "leakage": {"sources_in_several_splits": 0, "near_duplicate_pairs_across_splits": 0},
}


def _rows(spec: list[tuple[str, str, str, bool, int]]) -> pd.DataFrame:
    """Build card rows from (split, label, group, synthetic, count) entries."""
    rows = []
    for split, label, group, synthetic, count in spec:
        for _ in range(count):
            rows.append(
                {
                    "crop_id": f"{len(rows):016x}",
                    "split": split,
                    "label": label,
                    "group": group,
                    "synthetic": synthetic,
                    "source": "render" if synthetic else "photos",
                    "licence": "rendered from installed fonts" if synthetic else "CC BY 4.0",
                    "label_status": "synthetic" if synthetic else "annotation",
                }
            )
    return pd.DataFrame(rows)


def _configs(rows: pd.DataFrame) -> list[ConfigFiles]:
    """Describe ``default`` and, if any crop is real, ``real-only`` as write_dataset would."""
    features = Features({"label": ClassLabel(names=sorted(rows["label"].unique()))})
    configs = []
    for name, part in (("default", rows), ("real-only", rows[~rows["synthetic"]])):
        if part.empty:
            continue
        config = ConfigFiles(name, features)
        for split in SPLIT_NAMES:
            count = int((part["split"] == split).sum())
            if count == 0 and split != "train":
                continue
            config.files[split] = [f"data/{name}/{split}-00000-of-00001.parquet"]
            config.num_examples[split] = count
            config.num_bytes[split] = 100 * count
        configs.append(config)
    return configs


def _card(rows: pd.DataFrame, name: str = "rcc-fgvc", script: str = "han") -> str:
    return render_card(name, script, "0123456789ab", _configs(rows), rows, REPORT)


def _trial_rows() -> pd.DataFrame:
    """Rebuild the composition of a real rcc-fgvc run: 1,056 of 1,086 crops rendered."""
    labels = [chr(0x4E00 + i) for i in range(88)]
    spec = []
    # 30 real crops of 25 classes, all in train, so 63 classes have no real crop.
    for j in range(30):
        spec.append(("train", labels[j % 25], f"han-{j % 25 // 4:04d}", False, 1))
    for split, count in (("train", 970), ("validation", 43), ("test", 43)):
        for k in range(count):
            spec.append((split, labels[k % 88], f"han-{k % 88 // 4:04d}", True, 1))
    return _rows(spec)


def test_composition_of_mostly_rendered_export():
    text = _card(_trial_rows())
    assert (
        "Rendered glyphs: 1,056 of 1,086 crops (97.2%). Real crops: 30 (2.8%). "
        "Classes without a real crop: 63 of 88." in text
    )
    assert "| split | crops | real | rendered | rendered share |" in text
    assert "| train | 1000 | 30 | 970 | 97.0% |" in text
    assert "| validation | 43 | 0 | 43 | 100.0% |" in text
    assert "| test | 43 | 0 | 43 | 100.0% |" in text
    assert (
        "**Rendered glyphs are the majority of the train, validation and test splits.** "
        "Scores on those splits measure recognition of rendered glyphs, not of photographs. "
        "To score on real crops only, use the `real-only` configuration." in text
    )
    assert (
        "The `real-only` configuration has the splits train (30 crops). It has no validation "
        "and test splits, because no real crop is in them. "
        '`load_dataset(path, "real-only")["validation"]` therefore raises a KeyError.' in text
    )


def test_composition_near_top_of_card():
    text = _card(_trial_rows())
    body = text.split("\n---\n", 1)[1]
    headings = [line for line in body.splitlines() if line.startswith("#")]
    assert headings[:3] == ["# rcc-fgvc", "## Composition", "## Configurations"]


def test_composition_warns_for_mostly_rendered_splits_only():
    rows = _rows(
        [
            ("train", "A", "g-1", False, 3),
            ("train", "D", "g-2", False, 3),
            ("train", "B", "g-1", True, 2),
            ("train", "C", "g-1", True, 2),
            ("validation", "A", "g-1", False, 1),
            ("validation", "B", "g-1", True, 2),
            ("validation", "C", "g-1", True, 1),
            ("test", "B", "g-1", True, 1),
            ("test", "C", "g-1", True, 2),
        ]
    )
    text = _card(rows)
    assert (
        "Rendered glyphs: 10 of 17 crops (58.8%). Real crops: 7 (41.2%). "
        "Classes without a real crop: 2 of 4." in text
    )
    assert "| train | 10 | 6 | 4 | 40.0% |" in text
    assert "| validation | 4 | 1 | 3 | 75.0% |" in text
    assert "| test | 3 | 0 | 3 | 100.0% |" in text
    assert "**Rendered glyphs are the majority of the validation and test splits.**" in text
    assert (
        "The `real-only` configuration has the splits train (6 crops) and validation (1 crop). "
        "It has no test split, because no real crop is in it." in text
    )


def test_composition_tie_gives_no_warning():
    rows = _rows(
        [
            ("train", "A", "g-1", False, 4),
            ("train", "B", "g-1", False, 4),
            ("validation", "A", "g-1", False, 1),
            ("validation", "B", "g-1", True, 1),
            ("test", "B", "g-1", False, 1),
        ]
    )
    text = _card(rows)
    assert "| validation | 2 | 1 | 1 | 50.0% |" in text
    assert "majority" not in text
    assert (
        "The `real-only` configuration has the splits train (8 crops), validation (1 crop) "
        "and test (1 crop)." in text
    )


def test_composition_shares_never_round_to_bounds():
    rows = _rows([("train", "A", "g-1", True, 1999), ("train", "B", "g-1", False, 1)])
    text = _card(rows)
    assert "Rendered glyphs: 1,999 of 2,000 crops (>99.9%). Real crops: 1 (<0.1%)." in text
    assert "| train | 2000 | 1 | 1999 | >99.9% |" in text


def test_examples_are_largest_groups():
    rows = _rows(
        [
            ("train", "A", "g-a", False, 3),
            ("train", "B", "g-a", False, 2),
            ("train", "C", "g-b", False, 1),
            ("train", "D", "g-b", False, 1),
            ("train", "E", "g-b", False, 1),
            ("train", "F", "g-c", False, 5),
            ("train", "G", "g-c", False, 4),
            ("train", "H", "g-d", False, 1),
            ("train", "I", "g-d", False, 1),
        ]
    )
    text = _card(rows, "el-fgvc", "latin")
    assert (
        "This export has 4 groups. The 3 largest: C/D/E (`g-b`, 3 crops); "
        "F/G (`g-c`, 9 crops); A/B (`g-a`, 5 crops)." in text
    )
    assert "H/I" not in text


def test_card_tables_in_split_order():
    text = _card(_trial_rows())
    assert "| group | members | train | validation | test |" in text
    assert "| label_status | train | validation | test |" in text
    per_split = text.split("Per split:\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split(" | ")[0] for line in per_split[2:]] == [
        "| train",
        "| validation",
        "| test",
    ]
    composition = text.split("## Composition", 1)[1].split("## Configurations", 1)[0]
    assert composition.index("| train |") < composition.index("| validation |")
    assert composition.index("| validation |") < composition.index("| test |")


def test_citation_key_per_dataset():
    rows = _rows([("train", "A", "g-1", False, 2), ("train", "B", "g-1", False, 2)])
    han = _card(rows, "rcc-fgvc", "han")
    latin = _card(rows, "el-fgvc", "latin")
    assert "@misc{rcc_fgvc," in han
    assert (
        "  title  = {{rcc-fgvc}: resembling Chinese characters for fine-grained visual "
        "classification}," in han
    )
    assert "@misc{el_fgvc," in latin
    assert (
        "  title  = {{el-fgvc}: look-alike Latin letters and digits for fine-grained visual "
        "classification}," in latin
    )
    for text in (han, latin):
        assert "  author = {{glyph-fgvc contributors}}," in text
        assert "in the wild" not in text


def test_seeded_order_follows_sha256():
    frame = pd.DataFrame({"crop_id": list("fedcba"), "label": list("xxxyyy")})

    def expected(seed: int) -> list[str]:
        return sorted(
            frame["crop_id"], key=lambda c: hashlib.sha256(f"{seed}:{c}".encode()).digest()
        )

    assert seeded_order(frame, ["crop_id"], 0)["crop_id"].tolist() == expected(0)
    assert seeded_order(frame, ["crop_id"], 1)["crop_id"].tolist() == expected(1)
    assert expected(0) != expected(1)
    reversed_input = seeded_order(frame.iloc[::-1], ["crop_id"], 0)
    assert reversed_input["crop_id"].tolist() == expected(0)


@pytest.fixture
def exported(export_inputs) -> dict:
    run_export(export_inputs)
    return export_inputs


def _read_card(directory: str) -> tuple[str, dict]:
    text = (Path(directory) / "README.md").read_text(encoding="utf-8")
    return text, yaml.safe_load(text.split("---\n", 2)[1])


def test_han_card_warns_all_rendered(exported):
    han = exported["output_dirs"]["han"]
    text, _ = _read_card(han)
    dataset = load_dataset(han)
    assert (
        "Rendered glyphs: 50 of 50 crops (100.0%). Real crops: 0 (0.0%). "
        "Classes without a real crop: 5 of 5." in text
    )
    for split in SPLIT_NAMES:
        count = len(dataset[split])
        assert f"| {split} | {count} | 0 | {count} | 100.0% |" in text
    assert "**Rendered glyphs are the majority of the train, validation and test splits.**" in text
    assert "This export has no `real-only` configuration, because it has no real crop." in text
    assert "To score on real crops only" not in text
    assert (
        "This export has 2 groups: 己/已/巳 (`han-0002`, 30 crops); 未/末 (`han-0001`, 20 crops)."
        in text
    )


def test_latin_card_lists_real_only_splits(exported):
    latin = exported["output_dirs"]["latin"]
    text, _ = _read_card(latin)
    real_only = load_dataset(latin, "real-only")
    assert (
        "Rendered glyphs: 0 of 58 crops (0.0%). Real crops: 58 (100.0%). "
        "Classes without a real crop: 0 of 5." in text
    )
    assert "majority" not in text
    train, validation, test = (len(real_only[split]) for split in SPLIT_NAMES)
    assert (
        f"The `real-only` configuration has the splits train ({train} crops), validation "
        f"({validation} crops) and test ({test} crops)." in text
    )
    assert (
        "This export has 2 groups: 0/O/Q (`latin-0001`, 34 crops); 1/I (`latin-0002`, 24 crops)."
        in text
    )
    # Examples that are not in this export: l is not a class, and the hanzi are in rcc-fgvc.
    assert "1/I/l" not in text
    assert "未" not in text


def test_card_metadata_per_dataset(exported):
    for script, name, language, key in (
        ("han", "rcc-fgvc", ["zh"], "rcc_fgvc"),
        ("latin", "el-fgvc", ["en"], "el_fgvc"),
    ):
        directory = Path(exported["output_dirs"][script])
        text, metadata = _read_card(str(directory))
        assert metadata["language"] == language
        assert metadata["license"] == "other"
        assert metadata["license_name"] == "per-source-licences"
        assert metadata["size_categories"] == ["n<1K"]
        assert metadata["task_categories"] == ["image-classification"]
        assert f"@misc{{{key}," in text
        licence = directory / metadata["license_link"]
        assert licence.name == "LICENSE.md"
        assert licence.read_text(encoding="utf-8").startswith(f"# Licence of {name}\n")
        default = next(c for c in metadata["configs"] if c["config_name"] == "default")
        assert [entry["split"] for entry in default["data_files"]] == list(SPLIT_NAMES)
    han_licence = (Path(exported["output_dirs"]["han"]) / "LICENSE.md").read_text("utf-8")
    assert "| render | rendered from installed fonts | 50 |" in han_licence
    latin_licence = (Path(exported["output_dirs"]["latin"]) / "LICENSE.md").read_text("utf-8")
    assert "| chars74k | research only (test input) | 58 |" in latin_licence


def _sha256_order(keys: list[str], seed: int = 0) -> list[str]:
    return sorted(keys, key=lambda key: hashlib.sha256(f"{seed}:{key}".encode()).digest())


def test_shards_in_seeded_order(exported):
    latin = exported["output_dirs"]["latin"]
    assert exported["seed"] == 0
    for config in ("default", "real-only"):
        dataset = load_dataset(latin, config)
        for split in SPLIT_NAMES:
            crop_ids = list(dataset[split]["crop_id"])
            assert crop_ids == _sha256_order(crop_ids), (config, split)
    labels = list(load_dataset(latin)["train"]["character"])
    runs = 1 + sum(label != previous for previous, label in zip(labels, labels[1:], strict=False))
    # Rows sorted by class would give one run per class.
    assert runs > 2 * len(set(labels)), labels

    pairs = load_dataset(latin, "pairs")
    default = load_dataset(latin)
    for split in SPLIT_NAMES:
        anchors = list(pairs[split]["anchor_crop_id"])
        others = list(pairs[split]["other_crop_id"])
        keys = [f"{anchor}:{other}" for anchor, other in zip(anchors, others, strict=True)]
        assert keys == _sha256_order(keys), split
        split_ids = set(default[split]["crop_id"])
        assert set(anchors) <= split_ids
        assert set(others) <= split_ids
