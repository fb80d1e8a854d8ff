"""Round trip: export a dataset, relabel in the UI, write overrides, re-export, check the labels."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import yaml
from datasets import load_dataset
from fastapi.testclient import TestClient

from labeling_ui.config import Settings
from labeling_ui.main import create_app
from pipeline.common.io import ShardWriter
from pipeline.crop.schema import CROP_SCHEMA
from pipeline.export.topup import perceptual_hash

REPO_ROOT = Path(__file__).resolve().parents[2]
PER_CLASS = 10
CROPS_PER_SOURCE = 2
GROUP = {
    "group_id": "latin-0001",
    "script": "latin",
    "members": ["0", "O", "Q"],
    "scores": [["0", "O", 0.97]],
}


def crop_rows(realdata: Path) -> list[dict]:
    """Return rows of the crop-shard contract for real Chars74K crops of 0, O and Q."""
    root = realdata / "chars74k_goodimg_subset"
    with (root / "labels.tsv").open(encoding="utf-8") as handle:
        entries = sorted(csv.DictReader(handle, delimiter="\t"), key=lambda e: e["file"])
    count_per_class = dict.fromkeys(GROUP["members"], 0)
    rows = []
    for entry in entries:
        label = entry["label"]
        if label not in count_per_class or count_per_class[label] >= PER_CLASS:
            continue
        image = (root / entry["file"]).read_bytes()
        photo = f"chars74k/{label}/{count_per_class[label] // CROPS_PER_SOURCE}"
        rows.append(
            {
                "crop_id": hashlib.sha256(entry["file"].encode()).hexdigest()[:16],
                "image": image,
                "label": label,
                "script": "latin",
                "label_source": "annotation",
                "ocr_score": None,
                "confidence": 1.0,
                "engines_agree": None,
                "box": [0.0, 0.0, 100.0, 0.0, 100.0, 100.0, 0.0, 100.0],
                "source_sha256": hashlib.sha256(photo.encode()).hexdigest(),
                "source": "chars74k",
                "source_type": "local",
                "uri": entry["original_path"],
                "licence": "research only (test input)",
                "synthetic": False,
                "phash": perceptual_hash(image),
                "width": 100,
                "height": 100,
            }
        )
        count_per_class[label] += 1
    return rows


def write_inputs(root: Path, rows: list[dict]) -> Path:
    """Write crop shards, groups.json and a params file for the export stage; return the params path."""
    with ShardWriter(root / "data" / "crops", CROP_SCHEMA, rows_per_shard=100) as writer:
        for row in rows:
            writer.write(row)
    groups_path = root / "data" / "mining" / "groups.json"
    groups_path.parent.mkdir(parents=True)
    groups_path.write_text(json.dumps({"version": 1, "groups": [GROUP]}), encoding="utf-8")
    export = yaml.safe_load((REPO_ROOT / "params.yaml").read_text(encoding="utf-8"))["export"]
    export.update(
        crops_dir=str(root / "data" / "crops"),
        groups_path=str(groups_path),
        overrides_path=str(root / "labels" / "overrides.tsv"),
        output_dirs={"latin": str(root / "el-fgvc")},
        metrics_path=str(root / "metrics" / "export.json"),
        topup_synthetic=None,
        max_instances_per_class=None,
        train_shots=None,
    )
    params_path = root / "params.yaml"
    params_path.write_text(
        yaml.safe_dump({"common": {"seed": 0}, "export": export}), encoding="utf-8"
    )
    return params_path


def run_export(params_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.export", "--params", str(params_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def exported_rows(dataset_dir: Path) -> dict[str, dict]:
    dataset = load_dataset(str(dataset_dir))
    return {
        row["crop_id"]: row for split in dataset.values() for row in split.remove_columns("image")
    }


def first_version(crop: dict) -> list[dict]:
    return [{"crop_id": crop["crop_id"], "base_version": 0}]


def test_overrides_change_reexport(realdata: Path, tmp_path: Path) -> None:
    params_path = write_inputs(tmp_path, crop_rows(realdata))
    run_export(params_path)
    before = exported_rows(tmp_path / "el-fgvc")
    assert len(before) == 3 * PER_CLASS

    settings = Settings(
        data_dir=tmp_path / "el-fgvc",
        db_path=tmp_path / "labels" / "labels.db",
        overrides_path=tmp_path / "labels" / "overrides.tsv",
    )
    with TestClient(create_app(settings)) as client:
        group = client.get("/api/groups/latin-0001").json()
        assert group["members"] == ["0", "O", "Q"]
        o_crop = next(c for c in group["crops"] if c["label"] == "O")
        zero_crop = next(c for c in group["crops"] if c["label"] == "0")
        relabel = {
            "annotator": "alice",
            "action": "relabel",
            "label": "Q",
            "items": first_version(o_crop),
        }
        assert client.post("/api/decisions", json=relabel).status_code == 200
        reject = {
            "annotator": "alice",
            "action": "reject",
            "reason": "bad_crop",
            "items": first_version(zero_crop),
        }
        assert client.post("/api/decisions", json=reject).status_code == 200
        assert client.post("/api/export").json()["rows"] == 2

    run_export(params_path)
    after = exported_rows(tmp_path / "el-fgvc")
    assert after[o_crop["crop_id"]]["character"] == "Q"
    assert after[o_crop["crop_id"]]["label_status"] == "verified"
    assert zero_crop["crop_id"] not in after
    assert len(after) == 3 * PER_CLASS - 1
    metrics = json.loads((tmp_path / "metrics" / "export.json").read_text(encoding="utf-8"))
    assert metrics["overrides"] == {"reject": 1, "relabel": 1}


def test_group_edits_change_reexport(realdata: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(GROUP, "members", ["0", "D", "O", "Q"])
    params_path = write_inputs(tmp_path, crop_rows(realdata))
    groups = [
        {"group_id": "latin-0001", "script": "latin", "members": ["0", "O"], "scores": []},
        {"group_id": "latin-0002", "script": "latin", "members": ["D", "Q"], "scores": []},
    ]
    groups_path = tmp_path / "data" / "mining" / "groups.json"
    groups_path.write_text(json.dumps({"version": 1, "groups": groups}), encoding="utf-8")
    run_export(params_path)

    settings = Settings(
        data_dir=tmp_path / "el-fgvc",
        db_path=tmp_path / "labels" / "labels.db",
        overrides_path=tmp_path / "labels" / "overrides.tsv",
    )
    with TestClient(create_app(settings)) as client:
        body = {"annotator": "alice", "other_group_id": "latin-0002"}
        assert client.post("/api/groups/latin-0001/merge", json=body).status_code == 200
        body = {"annotator": "alice", "characters": "D0"}
        assert client.post("/api/groups/latin-0001/split", json=body).status_code == 200
        assert client.post("/api/export").json()["rows"] == 2

    run_export(params_path)
    dataset = load_dataset(str(tmp_path / "el-fgvc"))
    group_of = {}
    for split in dataset.values():
        names = split.features["group"].names
        for row in split.remove_columns("image"):
            group_of[row["character"]] = names[row["group"]]
    assert group_of == {
        "0": "latin-0001-split1",
        "D": "latin-0001-split1",
        "O": "latin-0001",
        "Q": "latin-0001",
    }
    metrics = json.loads((tmp_path / "metrics" / "export.json").read_text(encoding="utf-8"))
    assert metrics["overrides"] == {"merge_groups": 1, "split_group": 1}
