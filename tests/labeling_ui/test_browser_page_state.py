"""Browser tests of rendered crops and of the annotator name, in headless Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from labeling_ui.config import Settings
from tests.labeling_ui.conftest import LiveServer
from tests.labeling_ui.test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser


@pytest.fixture()
def topup_server(topup_settings: Settings) -> Iterator[LiveServer]:
    with LiveServer(topup_settings) as server:
        yield server


@pytest.fixture()
def browser_page() -> Iterator[Page]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def test_rendered_crop_badge_and_relabel(
    browser_page: Page, topup_server: LiveServer, rendered_crop: dict
) -> None:
    page = browser_page
    crop_id = rendered_crop["crop_id"]
    page.goto(topup_server.url)
    expect(page.locator(".tile")).to_have_count(21)
    page.fill("#annotator", "alice")
    page.press("#annotator", "Enter")

    tile = page.locator(f'.tile[data-crop-id="{crop_id}"]')
    expect(tile.locator(".badge")).to_have_text("rendered")
    expect(page.locator(".tile .badge")).to_have_count(1)
    expect(tile).to_have_attribute("title", re.compile("\nsource synthetic-topup\nrendered glyph"))
    real_tile = page.locator(".tile:not(.rendered)").first
    expect(real_tile).to_have_attribute("title", re.compile("\nsource chars74k\n"))

    tile.click()
    page.keyboard.press("2")
    expect(page.locator("#status")).to_have_text(
        f"Error 422: crop {crop_id} is a rendered glyph of 'Q'. Its label is the text it was "
        "drawn from, so it cannot be relabeled. Reject it if the rendering is wrong"
    )
    expect(page.locator("#status")).to_have_class("error")
    crop = httpx.get(f"{topup_server.url}/api/crops/{crop_id}").json()
    assert (crop["status"], crop["label"]) == ("unreviewed", "Q")

    page.locator(f'.tile[data-crop-id="{crop_id}"]').click()
    page.keyboard.press("b")
    expect(page.locator("#status")).to_have_text("1 crop(s) rejected (bad_crop).")
    assert httpx.get(f"{topup_server.url}/api/crops/{crop_id}").json()["status"] == "rejected"


def test_annotator_kept_across_reload(browser_page: Page, live_server: LiveServer) -> None:
    page = browser_page
    page.goto(live_server.url)
    expect(page.locator(".tile")).to_have_count(20)
    # Typing and reloading at once, without leaving the field, still keeps the name.
    page.locator("#annotator").press_sequentially("carol")
    page.reload()
    expect(page.locator(".tile")).to_have_count(20)
    expect(page.locator("#annotator")).to_have_value("carol")


def test_tab_leaves_name_field(browser_page: Page, live_server: LiveServer) -> None:
    page = browser_page
    page.goto(live_server.url)
    expect(page.locator(".tile")).to_have_count(20)
    page.fill("#annotator", "dave")
    target = page.locator(".tile.cursor").get_attribute("data-crop-id")
    page.keyboard.press("c")  # typed into the name field, not a shortcut
    expect(page.locator("#annotator")).to_have_value("davec")
    page.fill("#annotator", "dave")
    page.keyboard.press("Tab")
    page.keyboard.press("c")
    expect(page.locator("#status")).to_have_text("1 crop(s) confirmed.")
    crop = httpx.get(f"{live_server.url}/api/crops/{target}").json()
    assert (crop["status"], crop["annotator"]) == ("confirmed", "dave")
    expect(page.locator("#focus-hint")).to_contain_text(
        "Press Enter or Tab to leave the name field"
    )
