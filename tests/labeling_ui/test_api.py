"""API tests over the ASGI app, serving a small real dataset of Chars74K crops."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from labeling_ui.config import Settings
from labeling_ui.errors import PredictionsError
from labeling_ui.main import create_app
from labeling_ui.security import RedactTokenFilter
from pipeline.export.overrides import read_overrides
from tests.labeling_ui.conftest import write_predictions


def relabel(
    client: TestClient, crop_id: str, label: str, version: int = 0, annotator: str = "alice"
):
    body = {
        "annotator": annotator,
        "action": "relabel",
        "items": [{"crop_id": crop_id, "base_version": version}],
        "label": label,
    }
    return client.post("/api/decisions", json=body)


def first_crop(client: TestClient, group_id: str = "latin-0001") -> dict:
    return client.get(f"/api/groups/{group_id}").json()["crops"][0]


def test_groups_list_members_and_totals(client: TestClient) -> None:
    groups = client.get("/api/groups").json()
    assert [g["group_id"] for g in groups] == ["latin-0001", "latin-0002"]
    assert groups[0]["members"] == ["0", "D", "O", "Q"]
    assert groups[1]["members"] == ["1", "7", "I", "L"]
    assert [g["total"] for g in groups] == [20, 20]


def test_group_detail_sorted_by_suspicion(client: TestClient) -> None:
    group = client.get("/api/groups/latin-0001").json()
    assert group["next_group_id"] == "latin-0002"
    assert group["previous_group_id"] is None
    assert len(group["crops"]) == 20
    scores = [crop["suspicion"] for crop in group["crops"]]
    assert scores == sorted(scores, reverse=True)
    low = [c for c in group["crops"] if c["ocr_score"] is not None and c["ocr_score"] < 0.5]
    assert low
    assert all("low_score" in c["suspicion_reasons"] for c in low)


def test_model_disagreement_comes_first(settings: Settings, glyph_rows: list[dict]) -> None:
    target = next(row for row in glyph_rows if row["character"] == "D" and row["ocr_score"] > 0.8)
    table = pa.table({"crop_id": [target["crop_id"]], "predicted": ["O"], "score": [0.97]})
    pq.write_table(table, settings.predictions_path)
    with TestClient(create_app(settings)) as client:
        top = first_crop(client)
    assert top["crop_id"] == target["crop_id"]
    assert top["predicted"] == "O"
    assert top["suspicion_reasons"][0] == "model_disagrees"


def test_unknown_group_and_crop_404(client: TestClient) -> None:
    response = client.get("/api/groups/han-9999")
    assert response.status_code == 404
    assert "unknown group id 'han-9999'" in response.json()["detail"]
    response = client.get("/api/crops/deadbeefdeadbeef/image")
    assert response.status_code == 404
    assert "unknown crop id 'deadbeefdeadbeef'" in response.json()["detail"]
    response = relabel(client, "deadbeefdeadbeef", "O")
    assert response.status_code == 404
    assert "deadbeefdeadbeef" in response.json()["detail"]


def test_image_is_dataset_png(client: TestClient, glyph_rows: list[dict]) -> None:
    row = glyph_rows[0]
    response = client.get(f"/api/crops/{row['crop_id']}/image")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == row["image"]["bytes"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/crops/..%2F..%2F..%2Fetc%2Fpasswd/image",
        "/api/crops/%2Fetc%2Fpasswd/image",
        "/api/crops/../../README.md/image",
        "/static/../main.py",
        "/static/%2e%2e/main.py",
    ],
)
def test_paths_cannot_escape(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert b"import" not in response.content
    assert b"root:" not in response.content


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("", "exactly one character, got ''"),
        ("OO", "exactly one character, got 'OO' \\(2 characters"),
        (" ", "exactly one character"),
        ("\u200b", "visible character, got U\\+200B"),
    ],
)
def test_relabel_needs_one_character(client: TestClient, label: str, message: str) -> None:
    response = relabel(client, first_crop(client)["crop_id"], label)
    assert response.status_code == 422
    assert re.search(message, response.json()["detail"])


def test_relabel_normalises_full_width(client: TestClient) -> None:
    crop = first_crop(client)
    response = relabel(client, crop["crop_id"], "Ｑ")
    assert response.status_code == 200
    assert response.json()["crops"][0]["label"] == "Q"


@pytest.mark.parametrize("name", ["", "a b", "x" * 33, "al\tice", "<script>", "-bob"])
def test_invalid_annotator_422(client: TestClient, name: str) -> None:
    response = relabel(client, first_crop(client)["crop_id"], "O", annotator=name)
    assert response.status_code == 422
    assert "invalid annotator name" in response.json()["detail"]


def test_reject_needs_reason(client: TestClient) -> None:
    body = {
        "annotator": "alice",
        "action": "reject",
        "items": [{"crop_id": first_crop(client)["crop_id"], "base_version": 0}],
    }
    response = client.post("/api/decisions", json=body)
    assert response.status_code == 422
    assert "a reject needs a reason" in response.json()["detail"]
    body["reason"] = "blurry"
    assert client.post("/api/decisions", json=body).status_code == 422


def test_stale_edit_409_with_current_value(client: TestClient) -> None:
    crop_id = first_crop(client)["crop_id"]
    assert relabel(client, crop_id, "Q", annotator="alice").status_code == 200
    response = relabel(client, crop_id, "D", annotator="bob")
    assert response.status_code == 409
    body = response.json()
    assert "changed since you loaded them" in body["detail"]
    assert body["conflicts"] == [
        {
            "crop_id": crop_id,
            "base_version": 0,
            "version": 1,
            "status": "relabeled",
            "label": "Q",
            "annotator": "alice",
        }
    ]
    assert client.get(f"/api/crops/{crop_id}").json()["label"] == "Q"


def test_batch_conflict_changes_nothing(client: TestClient) -> None:
    crops = client.get("/api/groups/latin-0002").json()["crops"]
    first, second = crops[0]["crop_id"], crops[1]["crop_id"]
    assert relabel(client, second, "I").status_code == 200
    body = {
        "annotator": "bob",
        "action": "confirm",
        "items": [{"crop_id": first, "base_version": 0}, {"crop_id": second, "base_version": 0}],
    }
    assert client.post("/api/decisions", json=body).status_code == 409
    assert client.get(f"/api/crops/{first}").json()["version"] == 0


def test_undo_and_progress(client: TestClient) -> None:
    crops = client.get("/api/groups/latin-0001").json()["crops"]
    body = {
        "annotator": "alice",
        "action": "reject",
        "reason": "bad_crop",
        "items": [{"crop_id": c["crop_id"], "base_version": 0} for c in crops[:3]],
    }
    assert client.post("/api/decisions", json=body).status_code == 200
    assert relabel(client, crops[3]["crop_id"], "Q", annotator="bob").status_code == 200
    progress = client.get("/api/progress").json()
    assert (progress["total"], progress["reviewed"]) == (40, 4)
    assert progress["groups"][0]["reviewed"] == 4
    assert progress["groups"][1]["reviewed"] == 0
    assert progress["annotators"] == [
        {"annotator": "alice", "decisions": 3, "events": 3},
        {"annotator": "bob", "decisions": 1, "events": 1},
    ]
    undone = client.post("/api/undo", json={"annotator": "alice"}).json()
    assert sorted(c["crop_id"] for c in undone["crops"]) == sorted(c["crop_id"] for c in crops[:3])
    assert all(c["status"] == "unreviewed" and c["version"] == 2 for c in undone["crops"])
    progress = client.get("/api/progress").json()
    assert progress["reviewed"] == 1
    assert progress["annotators"][0] == {"annotator": "alice", "decisions": 0, "events": 6}
    response = client.post("/api/undo", json={"annotator": "alice"})
    assert response.status_code == 409
    assert "no decision left to undo" in response.json()["detail"]


def test_export_route_writes_overrides(client: TestClient, settings: Settings) -> None:
    crops = client.get("/api/groups/latin-0001").json()["crops"]
    assert relabel(client, crops[0]["crop_id"], "Q").status_code == 200
    body = {
        "annotator": "bob",
        "action": "reject",
        "reason": "not_a_glyph",
        "items": [{"crop_id": crops[1]["crop_id"], "base_version": 0}],
    }
    assert client.post("/api/decisions", json=body).status_code == 200
    response = client.post("/api/export")
    assert response.json() == {"path": str(settings.overrides_path), "rows": 2}
    overrides = read_overrides(settings.overrides_path)
    assert overrides.crops[crops[0]["crop_id"]].value == "Q"
    assert overrides.crops[crops[0]["crop_id"]].action == "relabel"
    assert overrides.crops[crops[1]["crop_id"]].reason == "not_a_glyph"
    assert overrides.crops[crops[1]["crop_id"]].annotator == "bob"


def test_body_size_limit_413(client: TestClient) -> None:
    items = [{"crop_id": f"{i:016x}", "base_version": 0} for i in range(6000)]
    response = client.post(
        "/api/decisions", json={"annotator": "alice", "action": "confirm", "items": items}
    )
    assert response.status_code == 413
    assert "larger than 262144 bytes" in response.json()["detail"]


def test_page_lists_shortcuts(client: TestClient) -> None:
    page = client.get("/").text
    for shortcut in (
        "undo your last decision",
        "not a glyph / unreadable / bad crop",
        "next / previous group",
    ):
        assert shortcut in page
    assert "innerHTML" not in client.get("/static/app.js").text


def test_token_required_when_set(settings: Settings) -> None:
    secured = settings.model_copy(update={"token": "s3cret-token"})
    with TestClient(create_app(secured)) as client:
        response = client.get("/api/groups")
        assert response.status_code == 401
        assert "missing or wrong access token" in response.json()["detail"]
        assert (
            client.get("/api/groups", headers={"X-Labeling-Token": "wrong-token"}).status_code
            == 401
        )
        assert (
            client.get("/api/groups", headers={"X-Labeling-Token": "s3cret-token"}).status_code
            == 200
        )
        assert (
            client.get("/api/groups", headers={"Authorization": "Bearer s3cret-token"}).status_code
            == 200
        )
        redirect = client.get("/?token=s3cret-token", follow_redirects=False)
        assert redirect.status_code == 303
        assert redirect.headers["location"] == "/"
        assert "HttpOnly" in redirect.headers["set-cookie"]
        assert client.get("/api/groups").status_code == 200  # the client now sends the cookie


def test_non_loopback_needs_token(dataset_dir: Path) -> None:
    with pytest.raises(ValidationError, match="binding to 0.0.0.0 exposes the server"):
        Settings(data_dir=dataset_dir, host="0.0.0.0")
    with pytest.raises(ValidationError, match="at least 8 characters"):
        Settings(data_dir=dataset_dir, host="0.0.0.0", token="short")
    assert (
        Settings(data_dir=dataset_dir, host="0.0.0.0", token="long-enough").token == "long-enough"
    )
    assert Settings(data_dir=dataset_dir, host="::1").token is None


def test_locked_database_503(settings: Settings) -> None:
    quick = settings.model_copy(update={"busy_timeout_ms": 200})
    with TestClient(create_app(quick)) as client:
        crop_id = first_crop(client)["crop_id"]
        blocker = sqlite3.connect(quick.db_path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            response = relabel(client, crop_id, "Q")
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert response.status_code == 503
        assert "stayed locked for 200 ms" in response.json()["detail"]
        assert relabel(client, crop_id, "Q").status_code == 200


def test_access_log_redacts_token() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/?group=a&token=s3cret-token&x=1", "1.1", 303),
        None,
    )
    assert RedactTokenFilter().filter(record)
    assert "s3cret" not in record.getMessage()
    assert "/?group=a&token=<redacted>&x=1" in record.getMessage()


def test_dataset_name_and_groups(client: TestClient) -> None:
    assert client.get("/api/dataset").json() == {"name": "el-fgvc", "groups": 2}


def test_chunked_body_size_limit(client: TestClient) -> None:
    def chunked(body: dict):
        data = json.dumps(body).encode()
        for start in range(0, len(data), 10_000):
            yield data[start : start + 10_000]

    items = [{"crop_id": f"{i:016x}", "base_version": 0} for i in range(6000)]
    large = {"annotator": "alice", "action": "confirm", "items": items}
    headers = {"Content-Type": "application/json"}
    response = client.post("/api/decisions", content=chunked(large), headers=headers)
    assert response.status_code == 413
    assert "larger than 262144 bytes" in response.json()["detail"]
    small = {
        "annotator": "alice",
        "action": "confirm",
        "items": [{"crop_id": first_crop(client)["crop_id"], "base_version": 0}],
    }
    response = client.post("/api/decisions", content=chunked(small), headers=headers)
    assert response.status_code == 200
    assert response.json()["crops"][0]["status"] == "confirmed"


def test_model_min_score_filters_weak_predictions(
    settings: Settings, glyph_rows: list[dict]
) -> None:
    d_crops = [row["crop_id"] for row in glyph_rows if row["character"] == "D"]
    write_predictions(
        settings.predictions_path,
        [(d_crops[0], "O", 0.3), (d_crops[1], "O", 0.6), (d_crops[2], "O", 0.9)],
    )
    with TestClient(create_app(settings)) as client:
        crops = {c["crop_id"]: c for c in client.get("/api/groups/latin-0001").json()["crops"]}
    assert "model_disagrees" not in crops[d_crops[0]]["suspicion_reasons"]
    assert crops[d_crops[0]]["predicted"] == "O"
    assert crops[d_crops[0]]["model_score"] == pytest.approx(0.3)
    assert "model_disagrees" in crops[d_crops[1]]["suspicion_reasons"]
    assert "model_disagrees" in crops[d_crops[2]]["suspicion_reasons"]

    strict = settings.model_copy(update={"model_min_score": 0.8})
    with TestClient(create_app(strict)) as client:
        crops = {c["crop_id"]: c for c in client.get("/api/groups/latin-0001").json()["crops"]}
    flagged = [c for c in d_crops if "model_disagrees" in crops[c]["suspicion_reasons"]]
    assert flagged == [d_crops[2]]


def test_surer_model_disagreement_first(settings: Settings) -> None:
    # Two crops with no other reason and the same OCR score, disputed with different scores.
    with TestClient(create_app(settings)) as client:
        crops = client.get("/api/groups/latin-0001").json()["crops"]
    high = crops[-1]["ocr_score"]
    calm = [c for c in crops if not c["suspicion_reasons"] and c["ocr_score"] == high]
    first, second = calm[0]["crop_id"], calm[1]["crop_id"]
    predictions = [(first, "<", 0.55), (second, "<", 0.95)]  # "<" is no crop's label
    write_predictions(settings.predictions_path, predictions)
    with TestClient(create_app(settings)) as client:
        top = client.get("/api/groups/latin-0001").json()["crops"][:2]
    assert [c["crop_id"] for c in top] == [second, first]
    assert [c["suspicion_reasons"] for c in top] == [["model_disagrees"]] * 2


def test_explicit_missing_predictions_fails(settings: Settings, tmp_path: Path) -> None:
    missing = settings.model_copy(update={"predictions_path": tmp_path / "typo.parquet"})
    with pytest.raises(PredictionsError, match=f"predictions file not found: {tmp_path}"):
        create_app(missing)
