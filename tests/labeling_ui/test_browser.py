"""End-to-end tests in headless Chromium against a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from pipeline.export.overrides import read_overrides

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
# Set to a folder (e.g. docs/ui) to keep the screenshots the test takes.
SCREENSHOT_DIR_ENV = "LABELING_UI_SCREENSHOT_DIR"


@pytest.fixture()
def page(live_server) -> Iterator[Page]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def open_page(page: Page, url: str, annotator: str = "alice") -> None:
    page.goto(url)
    expect(page.locator(".tile")).to_have_count(20)
    page.fill("#annotator", annotator)
    page.press("#annotator", "Enter")


def cursor_id(page: Page) -> str:
    return page.locator(".tile.cursor").get_attribute("data-crop-id")


def crop(url: str, crop_id: str) -> dict:
    return httpx.get(f"{url}/api/crops/{crop_id}").json()


def save_screenshot(page: Page, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    folder = os.environ.get(SCREENSHOT_DIR_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(folder) / name)


def test_keyboard_relabel_undo_reject_export(page: Page, live_server, tmp_path: Path) -> None:
    url = live_server.url
    open_page(page, url)
    expect(page.locator("#reference .glyph")).to_have_text(["0", "D", "O", "Q"])
    save_screenshot(page, tmp_path, "main-view.png")

    # Relabel the most suspicious crop to the fourth member with the number key.
    first = cursor_id(page)
    page.keyboard.press("4")
    expect(page.locator("#status")).to_have_text('1 crop(s) relabeled to "Q".')
    assert crop(url, first)["label"] == "Q"
    expect(page.locator(f'.tile[data-crop-id="{first}"]')).to_have_attribute("data-label", "Q")

    # Select two crops with arrows and space, reject them as not a glyph, then undo that.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    selected = page.locator(".tile.selected").evaluate_all(
        "tiles => tiles.map(t => t.dataset.cropId)"
    )
    assert len(selected) == 2
    page.keyboard.press("x")
    expect(page.locator("#status")).to_have_text("2 crop(s) rejected (not_a_glyph).")
    assert [crop(url, c)["status"] for c in selected] == ["rejected", "rejected"]
    page.keyboard.press("Control+z")
    expect(page.locator("#status")).to_have_text("Undid the last decision on 2 crop(s).")
    assert [crop(url, c)["status"] for c in selected] == ["unreviewed", "unreviewed"]
    assert [crop(url, c)["version"] for c in selected] == [2, 2]

    # Reject one crop as a bad crop, confirm another, and relabel one to a typed character.
    page.click(f'.tile[data-crop-id="{selected[0]}"]')
    page.keyboard.press("b")
    expect(page.locator("#status")).to_have_text("1 crop(s) rejected (bad_crop).")
    page.click(f'.tile[data-crop-id="{selected[1]}"]')
    page.keyboard.press("c")
    expect(page.locator("#status")).to_have_text("1 crop(s) confirmed.")
    typed = cursor_id(page)
    page.keyboard.press("t")
    page.fill("#typed-label", "<")
    page.press("#typed-label", "Enter")
    expect(page.locator("#status")).to_have_text('1 crop(s) relabeled to "<".')
    other = page.locator('.column[data-label="<"]')
    expect(other.locator(".column-head .glyph")).to_have_text("<")
    expect(other.locator(".tile")).to_have_count(1)
    save_screenshot(page, tmp_path, "after-decisions.png")

    page.keyboard.press("e")
    expect(page.locator("#status")).to_contain_text("Wrote 4 overrides to")
    overrides = read_overrides(live_server.settings.overrides_path).crops
    assert sorted(overrides) == sorted([first, selected[0], selected[1], typed])
    assert (overrides[first].action, overrides[first].value) == ("relabel", "Q")
    assert (overrides[selected[0]].action, overrides[selected[0]].reason) == ("reject", "bad_crop")
    assert overrides[selected[1]].action == "confirm"
    assert (overrides[typed].action, overrides[typed].value) == ("relabel", "<")
    assert {row.annotator for row in overrides.values()} == {"alice"}
    expect(page.locator("#progress-annotators tbody tr td").first).to_have_text("alice")


def test_mouse_selection_and_column(page: Page, live_server) -> None:
    open_page(page, live_server.url)
    tiles = page.locator('.column[data-label="0"] .tile')
    tiles.nth(0).click()
    tiles.nth(3).click(modifiers=["Shift"])
    expect(page.locator(".tile.selected")).to_have_count(4)
    page.locator('.column[data-label="O"] .tile').nth(1).click(modifiers=["Control"])
    expect(page.locator(".tile.selected")).to_have_count(5)
    page.keyboard.press("Escape")
    expect(page.locator(".tile.selected")).to_have_count(0)
    page.keyboard.press("a")
    expect(page.locator(".tile.selected")).to_have_count(5)
    page.keyboard.press("Control+a")
    expect(page.locator(".tile.selected")).to_have_count(20)
    page.keyboard.press("n")
    expect(page.locator("#reference .glyph")).to_have_text(["1", "7", "I", "L"])
    page.keyboard.press("p")
    expect(page.locator("#reference .glyph")).to_have_text(["0", "D", "O", "Q"])


def test_stale_page_shows_conflict(page: Page, live_server) -> None:
    open_page(page, live_server.url)
    target = cursor_id(page)
    body = {
        "annotator": "bob",
        "action": "relabel",
        "label": "D",
        "items": [{"crop_id": target, "base_version": 0}],
    }
    assert httpx.post(f"{live_server.url}/api/decisions", json=body).status_code == 200
    page.keyboard.press("c")
    expect(page.locator("#status")).to_contain_text("Error 409")
    expect(page.locator("#status")).to_contain_text(f'{target} is now "D" (relabeled by bob)')
    assert crop(live_server.url, target)["annotator"] == "bob"
    expect(page.locator(f'.tile[data-crop-id="{target}"]')).to_have_attribute("data-label", "D")


def test_merge_and_split_through_page(page: Page, live_server, tmp_path: Path) -> None:
    open_page(page, live_server.url)
    expect(page.locator("#merge-source option")).to_have_text(["latin-0002  1 7 I L"])
    expect(page.locator("#pending-edits li")).to_have_count(0)
    expect(page.locator("#edited-members")).to_have_text("After these edits: 0 D O Q")

    page.select_option("#merge-source", "latin-0002")
    page.click("#merge-form button[type=submit]")
    expect(page.locator("#status")).to_have_text(
        "Merged latin-0002 into latin-0001; the next export applies it."
    )
    expect(page.locator("#edited-members")).to_have_text("After these edits: 0 1 7 D I L O Q")

    # Pick two members with their buttons, then type a third one next to them.
    page.click('#split-picks button:text-is("Q")')
    page.click('#split-picks button:text-is("0")')
    expect(page.locator("#split-chars")).to_have_value("Q0")
    expect(page.locator("#split-picks button")).to_have_text(list("017DILOQ"))
    expect(page.locator("#split-picks button.picked")).to_have_text(["0", "Q"])
    page.fill("#split-chars", "Q0X")
    page.click("#split-form button[type=submit]")
    expect(page.locator("#status")).to_contain_text("Error 422: cannot split 'X' off group")
    page.fill("#split-chars", "Q0")
    page.click("#split-form button[type=submit]")
    expect(page.locator("#status")).to_have_text(
        "Split 0Q off latin-0001; the next export applies it."
    )
    pending = page.locator("#pending-edits li")
    expect(pending).to_have_count(2)
    expect(pending.nth(0)).to_contain_text("merge latin-0002 into latin-0001 (alice,")
    expect(pending.nth(1)).to_contain_text("split 0Q off latin-0001 (alice,")
    expect(page.locator("#edited-members")).to_have_text("After these edits: 1 7 D I L O")
    save_screenshot(page, tmp_path, "group-edits.png")

    page.keyboard.press("e")
    expect(page.locator("#status")).to_contain_text("Wrote 2 overrides to")
    overrides = read_overrides(live_server.settings.overrides_path)
    assert overrides.crops == {}
    assert [(e.target, e.action, e.value, e.annotator) for e in overrides.groups] == [
        ("latin-0001", "merge_groups", "latin-0002", "alice"),
        ("latin-0001", "split_group", "0Q", "alice"),
    ]

    # The merged group's own view shows that it no longer exists after the edits.
    page.keyboard.press("n")
    expect(page.locator("#reference .glyph")).to_have_text(["1", "7", "I", "L"])
    expect(page.locator("#edited-members")).to_have_text(
        "After these edits this group no longer exists."
    )
    expect(page.locator("#pending-edits li")).to_have_count(1)
