"""`/review` in headless Chromium: a lead types it in a channel's composer and the review
opens in a dialog for them alone, its dates in the page's locale, every control labelled,
nothing posted; a screenshot goes to tests/artifacts/ for a person to look at."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from .conftest import ARTIFACTS, Playground
from .test_browser import CHROMIUM, browser, expect_every_control_labelled, open_page
from .test_review import seeded

__all__ = ["browser"]  # the fixture, shared with the playground's other browser tests

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt install)"
)


@pytest.fixture
async def firm(tmp_path: Path) -> AsyncIterator[Playground]:
    running = await seeded(tmp_path)
    try:
        yield running
    finally:
        await running.stop()


async def test_a_lead_reads_the_client_review_in_a_dialog(
    browser: Browser, firm: Playground
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = await open_page(browser, firm, "ron", "internal")
    composer = page.get_by_label("Message #internal")
    await composer.fill("/review client Globex")
    await composer.press("Enter")

    dialog = page.locator("#review-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_role("heading", level=2)).to_have_text("Globex · last 90 days")
    await expect(dialog).to_contain_text(
        "Consider parting ways: this client may be better served by another provider."
    )
    row = dialog.locator("tr", has_text="Not-right complaints")
    await expect(row.locator("td")).to_have_text(["Not-right complaints", "0.33", "2", "0.08"])
    newest = dialog.locator('time[datetime="2025-05-22T09:00:00+00:00"]')
    await expect(newest).to_have_text("May 22, 2025")  # in the page's locale, not ISO
    chart = dialog.locator("img.chart")
    await expect(chart).to_have_attribute("alt", re.compile("^Cases per client per month"))
    await page.wait_for_function(
        "() => document.querySelector('#review-dialog img.chart')?.naturalWidth > 0"
    )  # the PNG decoded and shows
    await expect_every_control_labelled(page)
    await page.screenshot(path=str(ARTIFACTS / "playground-review-client.png"))

    await dialog.get_by_role("button", name="Close").click()
    await expect(dialog).to_be_hidden()
    await expect(composer).to_be_focused()
    await expect(page.locator("#messages")).not_to_contain_text("Globex · last 90 days")


async def test_a_non_lead_gets_the_notice_and_no_dialog(browser: Browser, firm: Playground) -> None:
    page = await open_page(browser, firm, "avi", "client-acme")
    composer = page.get_by_label("Message #client-acme")
    await composer.fill("/review")
    await composer.press("Enter")
    await expect(page.locator("#notices")).to_contain_text("The review is for leads.")
    await expect(page.locator("#review-dialog")).to_be_hidden()
