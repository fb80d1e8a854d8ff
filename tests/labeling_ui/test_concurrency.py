"""Parallel clients against a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from labeling_ui.store import LabelStore


def post_relabel(
    url: str, annotator: str, crop_id: str, label: str, barrier: threading.Barrier
) -> httpx.Response:
    body = {
        "annotator": annotator,
        "action": "relabel",
        "items": [{"crop_id": crop_id, "base_version": 0}],
        "label": label,
    }
    with httpx.Client(base_url=url, timeout=30) as client:
        barrier.wait()
        return client.post("/api/decisions", json=body)


def test_conflicting_edits_exactly_one_wins(live_server) -> None:
    crops = httpx.get(f"{live_server.url}/api/groups/latin-0001").json()["crops"]
    store = LabelStore(live_server.settings.db_path)
    for crop in crops[:8]:
        barrier = threading.Barrier(2)
        with ThreadPoolExecutor(max_workers=2) as pool:
            alice = pool.submit(
                post_relabel, live_server.url, "alice", crop["crop_id"], "Q", barrier
            )
            bob = pool.submit(post_relabel, live_server.url, "bob", crop["crop_id"], "D", barrier)
            responses = [alice.result(), bob.result()]
        codes = sorted(response.status_code for response in responses)
        assert codes == [200, 409]
        winner = next(r for r in responses if r.status_code == 200).json()["crops"][0]
        loser = next(r for r in responses if r.status_code == 409).json()
        assert loser["conflicts"][0]["label"] == winner["label"]
        assert loser["conflicts"][0]["annotator"] == winner["annotator"]
        events = store.events(crop["crop_id"])
        assert len(events) == 1
        assert events[0].new_label == winner["label"]


def test_parallel_edits_none_lost(live_server) -> None:
    groups = [
        httpx.get(f"{live_server.url}/api/groups/{g}").json() for g in ("latin-0001", "latin-0002")
    ]
    crop_ids = [crop["crop_id"] for group in groups for crop in group["crops"]]
    barrier = threading.Barrier(8)

    def worker(index: int) -> list[int]:
        mine = crop_ids[index::8]
        with httpx.Client(base_url=live_server.url, timeout=30) as client:
            barrier.wait()
            return [
                client.post(
                    "/api/decisions",
                    json={
                        "annotator": f"worker{index}",
                        "action": "confirm",
                        "items": [{"crop_id": c, "base_version": 0}],
                    },
                ).status_code
                for c in mine
            ]

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = [code for result in pool.map(worker, range(8)) for code in result]
    assert codes == [200] * len(crop_ids)
    states = LabelStore(live_server.settings.db_path).states()
    assert sorted(states) == sorted(crop_ids)
    assert all(state.version == 1 and state.status == "confirmed" for state in states.values())
    progress = httpx.get(f"{live_server.url}/api/progress").json()
    assert progress["reviewed"] == 40
    assert sum(a["decisions"] for a in progress["annotators"]) == 40


def post_merge(url: str, annotator: str, group_id: str, other: str, barrier: threading.Barrier):
    with httpx.Client(base_url=url, timeout=30) as client:
        barrier.wait()
        body = {"annotator": annotator, "other_group_id": other}
        return client.post(f"/api/groups/{group_id}/merge", json=body)


def test_opposite_merges_exactly_one_wins(live_server) -> None:
    barrier = threading.Barrier(2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        alice = pool.submit(
            post_merge, live_server.url, "alice", "latin-0001", "latin-0002", barrier
        )
        bob = pool.submit(post_merge, live_server.url, "bob", "latin-0002", "latin-0001", barrier)
        responses = [alice.result(), bob.result()]
    assert sorted(response.status_code for response in responses) == [200, 422]
    loser = next(r for r in responses if r.status_code == 422).json()["detail"]
    assert "no longer exists" in loser
    edits = LabelStore(live_server.settings.db_path).group_edits()
    assert len(edits) == 1
