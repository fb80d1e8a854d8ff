"""API tests of rendered (synthetic top-up) crops: shown as such, confirmed or rejected, not relabeled."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from labeling_ui.config import Settings
from labeling_ui.main import create_app


@pytest.fixture()
def topup_client(topup_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(topup_settings)) as test_client:
        yield test_client


def decision(action: str, crop_ids: list[str], **extra) -> dict:
    items = [{"crop_id": crop_id, "base_version": 0} for crop_id in crop_ids]
    return {"annotator": "alice", "action": action, "items": items, **extra}


def test_rendered_crop_marked(topup_client: TestClient, rendered_crop: dict) -> None:
    crop = topup_client.get(f"/api/crops/{rendered_crop['crop_id']}").json()
    assert crop["synthetic"] is True
    assert crop["source"] == "synthetic-topup"
    group = topup_client.get("/api/groups/latin-0001").json()
    real = [c for c in group["crops"] if c["crop_id"] != rendered_crop["crop_id"]]
    assert len(real) == 20
    assert all(c["synthetic"] is False and c["source"] == "chars74k" for c in real)


def test_rendered_crop_relabel_422(topup_client: TestClient, rendered_crop: dict) -> None:
    crop_id = rendered_crop["crop_id"]
    response = topup_client.post("/api/decisions", json=decision("relabel", [crop_id], label="O"))
    assert response.status_code == 422
    assert response.json()["detail"] == (
        f"crop {crop_id} is a rendered glyph of 'Q'. Its label is the text it was drawn from, "
        "so it cannot be relabeled. Reject it if the rendering is wrong"
    )
    crop = topup_client.get(f"/api/crops/{crop_id}").json()
    assert (crop["status"], crop["label"], crop["version"]) == ("unreviewed", "Q", 0)


def test_batch_with_rendered_crop_unchanged(topup_client: TestClient, rendered_crop: dict) -> None:
    real_id = next(
        c["crop_id"]
        for c in topup_client.get("/api/groups/latin-0001").json()["crops"]
        if not c["synthetic"]
    )
    body = decision("relabel", [real_id, rendered_crop["crop_id"]], label="D")
    response = topup_client.post("/api/decisions", json=body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert f"1 of the 2 crops is a rendered glyph: {rendered_crop['crop_id']} ('Q')" in detail
    assert "Nothing was saved" in detail
    assert topup_client.get(f"/api/crops/{real_id}").json()["version"] == 0


@pytest.mark.parametrize(
    ("action", "extra", "status"),
    [("confirm", {}, "confirmed"), ("reject", {"reason": "bad_crop"}, "rejected")],
)
def test_rendered_crop_confirm_and_reject(
    topup_client: TestClient, rendered_crop: dict, action: str, extra: dict, status: str
) -> None:
    body = decision(action, [rendered_crop["crop_id"]], **extra)
    response = topup_client.post("/api/decisions", json=body)
    assert response.status_code == 200
    assert response.json()["crops"][0]["status"] == status
