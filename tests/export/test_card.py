"""Card YAML: ClassLabel names written as one-line lists that `datasets` reads back unchanged."""

from __future__ import annotations

import yaml
from datasets import ClassLabel, DatasetInfo, Features, Value

from pipeline.export.card import ConfigFiles, card_metadata, dump_card_yaml

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


def _config(names: list[str]) -> ConfigFiles:
    features = Features({"label": ClassLabel(names=names), "character": Value("string")})
    return ConfigFiles(
        name="default",
        features=features,
        files={"train": ["data/default/train-00000-of-00001.parquet"]},
        num_examples={"train": 3},
        num_bytes={"train": 120},
        download_size=100,
    )


def test_class_names_survive_the_card_round_trip():
    text = dump_card_yaml(card_metadata([_config(AWKWARD_NAMES)]))
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
    metadata = card_metadata([_config(["a", "b"])])
    # Any YAML writer can dump it; only dump_card_yaml changes the layout.
    assert "names:\n" in yaml.safe_dump(metadata)
    assert "names: [a, b]" in dump_card_yaml(metadata)
    assert "names: [a, b]" not in yaml.safe_dump(metadata)


def test_class_names_take_one_line():
    names = [chr(0x4E00 + i) for i in range(500)]
    text = dump_card_yaml(card_metadata([_config(names)]))
    name_lines = [line for line in text.splitlines() if line.strip().startswith("names:")]
    assert len(name_lines) == 1
    assert name_lines[0].strip().startswith("names: [一, 丁")
    # 500 names cost one line instead of the 500 that DatasetInfo writes by default.
    assert len(text.splitlines()) < 40
