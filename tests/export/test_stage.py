"""End-to-end export on real Chars74K crops and rendered hanzi, loaded back with `datasets`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from datasets import Image, Value, load_dataset

from labeling_ui.dataset import load_dataset_dir
from labeling_ui.suspicion import suspicion_reasons
from pipeline.common.params import ParamsError
from pipeline.export.stage import EmptyExportError, run_export
from pipeline.export.topup import perceptual_hash
from tests.export.conftest import write_overrides


def _shards(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*.parquet"))
    }


@pytest.fixture
def exported(export_inputs) -> tuple[dict, dict]:
    metrics = run_export(export_inputs)
    return export_inputs, metrics


def test_default_config_loads_with_features(exported):
    params, metrics = exported
    dataset = load_dataset(params["output_dirs"]["latin"])
    assert sorted(dataset) == ["test", "train", "validation"]
    names = dataset["train"].features["label"].names
    assert names == ["0", "1", "I", "O", "Q"]
    assert dataset["train"].features["group"].names == ["latin-0001", "latin-0002"]
    total = sum(len(dataset[s]) for s in dataset)
    assert total == 12 + 12 + 10 + 12 + 12  # the three bad rows are skipped
    row = dataset["train"][0]
    assert row["image"].size == (100, 100)
    assert row["character"] == names[row["label"]]
    assert row["label_status"] == "annotation"
    assert metrics["datasets"]["el-fgvc"]["rows"]["default"]["train"] == len(dataset["train"])


def test_suspicion_columns_copied_from_crops(exported, crop_rows):
    params, _ = exported
    by_id = {row["crop_id"]: row for row in crop_rows}
    for config in ("default", "real-only"):
        dataset = load_dataset(params["output_dirs"]["latin"], config).remove_columns("image")
        features = dataset["train"].features
        assert features["confidence"] == Value("float32")
        assert features["engines_agree"] == Value("bool")
        assert features["phash"] == Value("string")
        rows = [row for split in dataset for row in dataset[split]]
        assert len(rows) == 58  # every latin crop is real
        for row in rows:
            crop = by_id[row["crop_id"]]
            assert row["confidence"] == pytest.approx(crop["confidence"])
            assert row["engines_agree"] is crop["engines_agree"]
            assert row["phash"] == crop["phash"]
        # 12, 12, 10, 12 and 12 crops per class; every fourth disagrees, every fourth has no check.
        assert Counter(row["engines_agree"] for row in rows) == {True: 28, False: 15, None: 15}
        assert Counter(row["confidence"] for row in rows) == {1.0: 43, 0.5: 15}
    han = load_dataset(params["output_dirs"]["han"]).remove_columns("image")
    assert {(row["confidence"], row["engines_agree"]) for row in han["train"]} == {(1.0, None)}


def test_labeling_ui_reads_suspicion_signals(exported, crop_rows):
    params, _ = exported
    by_id = {row["crop_id"]: row for row in crop_rows}
    glyphs = load_dataset_dir(params["output_dirs"]["latin"])
    assert len(glyphs.crops) == 58  # the card's default configuration only, not the pairs
    reasons = {}
    for crop in glyphs.crops.values():
        source = by_id[crop.crop_id]
        assert crop.phash == source["phash"]
        assert crop.engines_agree is source["engines_agree"]
        assert crop.confidence == pytest.approx(source["confidence"])
        reasons[crop.crop_id] = suspicion_reasons(
            crop, crop.character, None, False, low_score=0.5, model_min_score=0.5
        )
    disagree = {c for c, row in by_id.items() if row["engines_agree"] is False and c in reasons}
    assert len(disagree) == 15
    # The disagreeing crops have OCR score 0.41 and confidence 0.5, so only they score low.
    assert {c for c, r in reasons.items() if r} == disagree
    assert all(reasons[c] == ["engines_disagree", "low_score"] for c in disagree)


def test_skipped_rows_counted(exported):
    _, metrics = exported
    skipped = metrics["skipped_crops"]
    assert skipped["undecodable_image"] == 1
    assert skipped["invalid_phash"] == 1
    assert skipped["invalid_label"] == 1


def test_han_groups_and_dropped_classes(exported):
    params, metrics = exported
    han = metrics["datasets"]["rcc-fgvc"]
    # 已 goes to han-0002, which leaves han-0003 with only 土.
    assert han["dropped_groups"] == {"too_few_classes": 1}
    assert han["dropped_classes"] == {"group_dropped": 1}
    dataset = load_dataset(params["output_dirs"]["han"])
    assert dataset["train"].features["label"].names == sorted("未末己已巳")
    assert set(dataset["train"]["label_status"]) == {"synthetic"}


def test_real_only_and_pairs_configs(exported):
    params, _ = exported
    # Every hanzi crop is rendered, so rcc-fgvc has no real-only configuration.
    with pytest.raises(ValueError, match="real-only"):
        load_dataset(params["output_dirs"]["han"], "real-only")
    latin_real = load_dataset(params["output_dirs"]["latin"], "real-only")
    assert sum(len(latin_real[s]) for s in latin_real) == 58
    pairs = load_dataset(params["output_dirs"]["latin"], "pairs")
    default = load_dataset(params["output_dirs"]["latin"])
    for split in ("train", "validation", "test"):
        split_ids = set(default[split]["crop_id"])
        assert set(pairs[split]["anchor_crop_id"]) <= split_ids
        assert set(pairs[split]["other_crop_id"]) <= split_ids
        for pair in pairs[split]:
            assert pair["same"] == (pair["anchor_label"] == pair["other_label"])
    assert any(pairs["train"]["same"])
    assert not all(pairs["train"]["same"])


def test_splits_do_not_leak_sources(exported):
    params, metrics = exported
    for name in ("rcc-fgvc", "el-fgvc"):
        assert metrics["datasets"][name]["leakage"]["sources_in_several_splits"] == 0
        assert metrics["datasets"][name]["leakage"]["near_duplicate_pairs_across_splits"] == 0
    dataset = load_dataset(params["output_dirs"]["latin"])
    split_of_source: dict[str, set[str]] = {}
    for split in dataset:
        for source in dataset[split]["source_sha256"]:
            split_of_source.setdefault(source, set()).add(split)
    assert all(len(splits) == 1 for splits in split_of_source.values())
    assert all(len(dataset[split]) > 0 for split in dataset)


def test_metrics_file_written(exported):
    params, metrics = exported
    on_disk = json.loads(Path(params["metrics_path"]).read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(metrics))
    assert on_disk["datasets"]["el-fgvc"]["classes"] == 5


def test_load_by_relative_name(exported, monkeypatch):
    params, _ = exported
    monkeypatch.chdir(Path(params["output_dirs"]["latin"]).parent)
    dataset = load_dataset("el-fgvc")
    pairs = load_dataset("rcc-fgvc", "pairs")
    assert len(dataset["train"]) > 0
    assert len(pairs["train"]) > 0


def test_same_inputs_give_identical_shards(export_inputs, tmp_path):
    first = run_export(export_inputs)
    again = {
        script: tmp_path / "again" / Path(output).name
        for script, output in export_inputs["output_dirs"].items()
    }
    second = run_export(
        dict(export_inputs, output_dirs={s: str(path) for s, path in again.items()})
    )
    for script, directory in export_inputs["output_dirs"].items():
        before = _shards(Path(directory))
        assert before == _shards(again[script])
        name = Path(directory).name
        fingerprint = first["datasets"][name]["fingerprint"]
        assert fingerprint == second["datasets"][name]["fingerprint"]
        assert all(fingerprint in shard for shard in before)


def test_changed_override_is_not_served_from_cache(export_inputs, tmp_path):
    cache = str(tmp_path / "hf-cache")
    latin = export_inputs["output_dirs"]["latin"]
    first = run_export(export_inputs)
    dataset = load_dataset(latin, cache_dir=cache)
    target = next(r for r in dataset["train"] if r["character"] == "O")
    write_overrides(
        Path(export_inputs["overrides_path"]),
        [(target["crop_id"], "relabel", "Q", "tester", "2026-01-01T00:00:00Z", "")],
    )
    second = run_export(export_inputs)
    assert (
        first["datasets"]["el-fgvc"]["fingerprint"] != second["datasets"]["el-fgvc"]["fingerprint"]
    )
    reloaded = load_dataset(latin, cache_dir=cache)
    rows = [r for split in reloaded for r in reloaded[split] if r["crop_id"] == target["crop_id"]]
    assert [(r["character"], r["label_status"]) for r in rows] == [("Q", "verified")]
    # The hanzi rows are untouched, so their fingerprint, and what DVC retrains, stay the same.
    assert (
        first["datasets"]["rcc-fgvc"]["fingerprint"]
        == second["datasets"]["rcc-fgvc"]["fingerprint"]
    )


def _characters_by_crop(directory: str) -> dict[str, str]:
    dataset = load_dataset(directory)
    return {
        crop_id: character
        for split in dataset
        for crop_id, character in zip(
            dataset[split]["crop_id"], dataset[split]["character"], strict=True
        )
    }


def _splits_by_crop(directory: str) -> dict[str, str]:
    dataset = load_dataset(directory)
    return {crop_id: split for split in dataset for crop_id in dataset[split]["crop_id"]}


def test_decisions_keep_other_crops_in_their_splits(export_inputs, crop_rows):
    latin = export_inputs["output_dirs"]["latin"]
    run_export(export_inputs)
    before = _splits_by_crop(latin)
    stamp = ("tester", "2026-01-01T00:00:00Z")
    zeros, ohs = _crop_ids(crop_rows, "0"), _crop_ids(crop_rows, "O")
    write_overrides(
        Path(export_inputs["overrides_path"]),
        [(zeros[0], "reject", "", *stamp, "bad_crop"), (ohs[0], "relabel", "Q", *stamp, "")],
    )
    run_export(export_inputs)
    after = _splits_by_crop(latin)

    assert zeros[0] in before
    assert zeros[0] not in after
    moved = [c for c in after if c in before and before[c] != after[c] and c != ohs[0]]
    # Keeping each class at 60/20/20 may move a crop at each of the two split boundaries of the
    # classes 0, O and Q. The crops of other classes stay where they were.
    labels = {r["crop_id"]: r["label"] for r in crop_rows}
    assert len(moved) <= 2 * 3, moved
    assert {labels[c] for c in moved} <= {"0", "O", "Q"}


def test_decisions_on_topup_glyphs(export_inputs, repo_root, caplog):
    from pipeline.common.params import load_section

    synth = load_section("synth", repo_root / "params.yaml")
    synth["max_fonts_per_char"] = 3
    params = dict(export_inputs, topup_synthetic={"min_real": 11, "per_class": 3})
    run_export(params, synth)
    dataset = load_dataset(params["output_dirs"]["latin"])
    topup = sorted(
        crop_id
        for split in dataset
        for crop_id, source in zip(dataset[split]["crop_id"], dataset[split]["source"], strict=True)
        if source == "synthetic-topup"
    )
    assert len(topup) == 3
    stamp = ("tester", "2026-01-01T00:00:00Z")
    write_overrides(
        Path(params["overrides_path"]),
        [
            (topup[0], "reject", "", *stamp, "bad_crop"),
            (topup[1], "relabel", "O", *stamp, ""),
            ("ffffffffffffffff", "reject", "", *stamp, "bad_crop"),
        ],
    )
    metrics = run_export(params, synth)

    assert metrics["overrides"] == {
        "reject": 1,
        "relabel_of_rendered_glyph": 1,
        "unknown_crop_id": 1,
    }
    assert f"relabel of crop {topup[1]} ignored: it is a rendered glyph of 'Q'" in caplog.text
    assert "reject of unknown crop id ffffffffffffffff" in caplog.text
    rows = _characters_by_crop(params["output_dirs"]["latin"])
    assert topup[0] not in rows
    assert rows[topup[1]] == "Q"
    assert rows[topup[2]] == "Q"


def test_relabel_across_scripts_warns(export_inputs, crop_rows, caplog):
    zero = _crop_ids(crop_rows, "0")[0]
    write_overrides(
        Path(export_inputs["overrides_path"]),
        [(zero, "relabel", "未", "tester", "2026-01-01T00:00:00Z", "")],
    )
    run_export(export_inputs)
    assert f"relabel of crop {zero} from '0' to '未' moves it from the latin dataset" in caplog.text


def test_interrupted_export_keeps_previous_dataset(export_inputs, monkeypatch):
    run_export(export_inputs)
    latin = Path(export_inputs["output_dirs"]["latin"])
    before = _shards(latin)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("pipeline.export.dataset.render_gallery", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        run_export(export_inputs)
    assert _shards(latin) == before
    assert not [p for p in latin.parent.iterdir() if p.name.endswith(".staging")]


def test_card_lists_configs_and_statistics(exported):
    params, metrics = exported
    latin = Path(params["output_dirs"]["latin"])
    text = (latin / "README.md").read_text(encoding="utf-8")
    assert metrics["datasets"]["el-fgvc"]["fingerprint"] in text
    assert "config_name: pairs" in text
    assert "config_name: real-only" in text
    assert "| latin-0001 |" in text
    assert "0 sources and 0 near-duplicate pairs span two splits" in text
    assert (latin / "gallery.png").read_bytes().startswith(b"\x89PNG")
    shard = next((latin / "data" / "default").glob("train-*.parquet"))
    assert pq.ParquetFile(shard).metadata.row_group(0).num_rows <= params["rows_per_row_group"]


def _crop_ids(crop_rows, label: str) -> list[str]:
    return [r["crop_id"] for r in crop_rows if r["label"] == label and len(r["crop_id"]) == 16][:12]


def test_overrides_applied(export_inputs, crop_rows, caplog):
    stamp = ("tester", "2026-01-01T00:00:00Z")
    ones = _crop_ids(crop_rows, "I")
    zeros = _crop_ids(crop_rows, "0")
    rows = [(crop_id, "relabel", "1", *stamp, "") for crop_id in ones]
    rows += [
        (zeros[0], "reject", "", *stamp, "bad_crop"),
        (zeros[1], "confirm", "", *stamp, ""),
        ("ffffffffffffffff", "confirm", "", *stamp, ""),
    ]
    write_overrides(Path(export_inputs["overrides_path"]), rows)
    metrics = run_export(export_inputs)
    latin = metrics["datasets"]["el-fgvc"]
    # Relabelling every I as 1 leaves latin-0002 with one class.
    assert latin["dropped_groups"] == {"collapsed_by_overrides": 1}
    assert metrics["overrides"] == {"confirm": 1, "reject": 1, "relabel": 12, "unknown_crop_id": 1}
    assert "overrides line 16: confirm of unknown crop id ffffffffffffffff" in caplog.text
    dataset = load_dataset(export_inputs["output_dirs"]["latin"])
    crop_ids = {s: set(dataset[s]["crop_id"]) for s in dataset}
    assert not any(zeros[0] in ids for ids in crop_ids.values())
    assert latin["label_status"] == {"annotation": 32, "verified": 1}  # 34 crops, 1 rejected


def test_caps_and_train_shots(export_inputs):
    params = dict(export_inputs, max_instances_per_class=9, train_shots=4)
    metrics = run_export(params)
    dataset = load_dataset(params["output_dirs"]["latin"])
    train = dataset["train"].to_pandas()
    assert train["character"].value_counts().max() <= 4
    per_class = {c: 0 for c in "01IOQ"}
    for split in dataset:
        for character in dataset[split]["character"]:
            per_class[character] += 1
    assert max(per_class.values()) <= 9
    dropped = metrics["datasets"]["el-fgvc"]["dropped_crops"]
    assert dropped["max_instances_per_class"] == 3 + 3 + 1 + 3 + 3
    assert dropped["train_shots"] > 0


def test_synthetic_topup_renders_missing_classes(export_inputs, repo_root):
    from pipeline.common.params import load_section

    synth = load_section("synth", repo_root / "params.yaml")
    synth["max_fonts_per_char"] = 3
    params = dict(export_inputs, topup_synthetic={"min_real": 11, "per_class": 3})
    metrics = run_export(params, synth)
    latin = metrics["datasets"]["el-fgvc"]
    # Only Q has fewer than 11 real crops. The hanzi groups have no real crop, so no top-up.
    assert latin["topup_crops"] == 3
    assert metrics["datasets"]["rcc-fgvc"]["topup_crops"] == 0
    dataset = load_dataset(params["output_dirs"]["latin"])
    topup = [
        row for split in dataset for row in dataset[split] if row["source"] == "synthetic-topup"
    ]
    assert {(r["character"], r["label_status"], r["synthetic"]) for r in topup} == {
        ("Q", "synthetic", True)
    }
    assert {(r["confidence"], r["engines_agree"]) for r in topup} == {(1.0, None)}
    for split in dataset:
        raw = dataset[split].cast_column("image", Image(decode=False))
        for row in raw:
            if row["source"] == "synthetic-topup":
                assert row["phash"] == perceptual_hash(row["image"]["bytes"])
    real_only = load_dataset(params["output_dirs"]["latin"], "real-only")
    assert sum(len(real_only[s]) for s in real_only) == 58


def test_empty_selection_written_with_warning(export_inputs, caplog):
    # 11 crops per class keep four Latin classes but none of the hanzi, which have 10 each.
    params = dict(export_inputs, min_instances_per_class=11)
    metrics = run_export(params)
    assert metrics["datasets"]["rcc-fgvc"]["rows"] == {"default": {"train": 0}}
    assert metrics["datasets"]["el-fgvc"]["classes"] == 4
    assert "rcc-fgvc: no group passed the selection" in caplog.text
    han = Path(params["output_dirs"]["han"])
    assert (han / "README.md").is_file()
    with pytest.raises(ValueError, match="corresponds to no data"):
        load_dataset(str(han))


def test_all_datasets_empty_keeps_previous(export_inputs):
    run_export(export_inputs)
    latin = Path(export_inputs["output_dirs"]["latin"])
    before = _shards(latin)
    params = dict(export_inputs, min_instances_per_class=1000)
    with pytest.raises(EmptyExportError, match=r"min_instances_per_class \(now 1000\)"):
        run_export(params)
    assert _shards(latin) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"splits": {"train": 0.7, "test": 0.2}}, r"sums to 0.9"),
        ({"splits": {"train": 0.5, "dev": 0.5}}, r"unknown split names \['dev'\]"),
        ({"min_instances_per_class": "many"}, r"min_instances_per_class must be a whole number"),
        ({"min_instances_per_class": -1}, r"must be a whole number >= 1, got -1"),
        ({"phash_max_distance": 70}, r"from 0 to 64 .* got 70"),
        ({"train_shots": 0}, r"train_shots must be a whole number >= 1 or null, got 0"),
        ({"topup_synthetic": {"min_real": 5}}, r"topup_synthetic must be null or"),
    ],
)
def test_invalid_params_rejected_first(export_inputs, change, message):
    params = dict(export_inputs, crops_dir="/nonexistent/crops", **change)
    # The check runs before any crop is read, so the missing crops folder is never reached.
    with pytest.raises(ParamsError, match=message):
        run_export(params)


def test_malformed_overrides_end_stage(export_inputs, tmp_path, caplog):
    import yaml

    from pipeline.export.__main__ import main

    overrides = Path(export_inputs["overrides_path"])
    write_overrides(overrides, [])
    with overrides.open("a", encoding="utf-8") as handle:
        handle.write("abc relabel O tester 2026-01-01T00:00:00Z\n")
    params_path = tmp_path / "params.yaml"
    params_path.write_text(yaml.safe_dump({"export": export_inputs}), encoding="utf-8")

    assert main(["--params", str(params_path)]) == 1
    assert f"{overrides}:2: expected 6 tab-separated fields" in caplog.text
    assert "`dvc checkout` restores the previous datasets" in caplog.text
    assert not Path(export_inputs["metrics_path"]).exists()


def test_relabel_of_crawled_rendered_glyph_ignored(export_inputs, crop_rows, caplog):
    glyph = next(r for r in crop_rows if r["label_source"] == "synthetic")
    write_overrides(
        Path(export_inputs["overrides_path"]),
        [(glyph["crop_id"], "relabel", "末", "tester", "2026-01-01T00:00:00Z", "")],
    )
    metrics = run_export(export_inputs)

    assert metrics["overrides"] == {"relabel_of_rendered_glyph": 1}
    assert f"relabel of crop {glyph['crop_id']} ignored: it is a rendered glyph" in caplog.text
    characters = _characters_by_crop(export_inputs["output_dirs"]["han"])
    assert characters[glyph["crop_id"]] == glyph["label"]
