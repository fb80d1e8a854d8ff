"""Card YAML: Hub metadata, and ClassLabel names as one-line lists that `datasets` reads back."""

from __future__ import annotations

import pytest
import yaml
from datasets import ClassLabel, DatasetInfo, Features, Value

from pipeline.export.card import ConfigFiles, card_metadata, dump_card_yaml, size_category

# Names that YAML would turn into other types or split, if they were written unquoted.
AWKWARD_NAMES = [
    "0",
    "1",
    "1.0",
    "null",
    "yes",
    "no",
    "~",
    "a, b",
    "[",
    "]",
    "'",
    '"',
    "#",
    ":",
    "- x",
    "未",
    "己",
    "O",
    "l",
]


def _config(names: list[str], name: str = "default", train_rows: int = 3) -> ConfigFiles:
    features = Features({"label": ClassLabel(names=names), "character": Value("string")})
    return ConfigFiles(
        name=name,
        features=features,
        files={"train": [f"data/{name}/train-00000-of-00001.parquet"]},
        num_examples={"train": train_rows},
        num_bytes={"train": 120},
        download_size=100,
    )


def test_class_names_survive_the_card_round_trip():
    text = dump_card_yaml(card_metadata([_config(AWKWARD_NAMES)], "han"))
    parsed = yaml.safe_load(text)
    info_yaml = (
        parsed["dataset_info"][0]
        if isinstance(parsed["dataset_info"], list)
        else parsed["dataset_info"]
    )
    info = DatasetInfo._from_yaml_dict(info_yaml)
    assert info.features["label"].names == AWKWARD_NAMES
    assert info.splits["train"].num_examples == 3
    assert parsed["configs"][0]["data_files"][0]["path"] == [
        "data/default/train-00000-of-00001.parquet"
    ]


def test_metadata_stays_plain_data():
    metadata = card_metadata([_config(["a", "b"])], "latin")
    # Any YAML writer can dump it; only dump_card_yaml changes the layout.
    assert "names:\n" in yaml.safe_dump(metadata)
    assert "names: [a, b]" in dump_card_yaml(metadata)
    assert "names: [a, b]" not in yaml.safe_dump(metadata)


def test_class_names_take_one_line():
    names = [chr(0x4E00 + i) for i in range(500)]
    text = dump_card_yaml(card_metadata([_config(names)], "han"))
    name_lines = [line for line in text.splitlines() if line.strip().startswith("names:")]
    assert len(name_lines) == 1
    assert name_lines[0].strip().startswith("names: [一, 丁")
    # 500 names cost one line instead of the 500 that DatasetInfo writes by default.
    assert len(text.splitlines()) < 40


def test_metadata_names_licence_and_language():
    for script, language in (("han", ["zh"]), ("latin", ["en"])):
        metadata = card_metadata([_config(["a", "b"])], script)
        assert metadata["language"] == language
        assert metadata["license"] == "other"
        assert metadata["license_name"] == "per-source-licences"
        assert metadata["license_link"] == "LICENSE.md"
        assert metadata["task_categories"] == ["image-classification"]
        assert metadata["size_categories"] == ["n<1K"]


def test_metadata_of_unknown_script_has_no_language():
    metadata = card_metadata([_config(["a", "b"])], "cyrillic")
    assert "language" not in metadata


def test_size_category_counts_default_rows_only():
    configs = [_config(["a", "b"], train_rows=1086), _config(["a", "b"], "pairs", 20_000)]
    assert card_metadata(configs, "han")["size_categories"] == ["1K<n<10K"]


@pytest.mark.parametrize(
    ("num_rows", "expected"),
    [
        (0, "n<1K"),
        (999, "n<1K"),
        (1_000, "1K<n<10K"),
        (9_999, "1K<n<10K"),
        (10_000, "10K<n<100K"),
        (100_000, "100K<n<1M"),
        (46_000_000, "10M<n<100M"),
        (10**12 - 1, "100B<n<1T"),
        (10**12, "n>1T"),
    ],
)
def test_size_category_buckets(num_rows, expected):
    assert size_category(num_rows) == expected
