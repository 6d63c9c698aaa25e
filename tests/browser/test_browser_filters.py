"""Search filters in Debian's chromium: click a facet, see the chip, remove it; the date range.
Screenshots at 360 and 1440 px go to test-artifacts/."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, LiveServer, OpenPage, assert_fits, screenshot

pytestmark = pytest.mark.browser


def test_facet_then_remove_the_chip(open_page: OpenPage, live_server: LiveServer) -> None:
    plan, hostile = live_server.home.plan_id, live_server.home.hostile_id
    for viewport in (PHONE, DESKTOP):
        page = open_page("xem", viewport)
        page.fill("#q", "phuong")
        with page.expect_navigation():
            page.press("#q", "Enter")
        assert page.locator(".hit").count() == 2
        facet = page.locator('ul[data-facet="doc_type"] a', has_text="Kế hoạch")
        assert facet.locator(".n").inner_text() == "1"
        with page.expect_navigation():
            facet.click()
        assert page.locator(".hit").count() == 1
        assert page.locator(f'.hit a[href="/d/{plan}"]').count() == 1
        chip = page.locator('#active-filters a.chip[data-filter="type"]')
        assert "Kế hoạch" in chip.inner_text()
        assert page.locator("#type").input_value() == "ke_hoach"  # the form agrees
        assert_fits(page)
        screenshot(page, "search-filtered")
        with page.expect_navigation():
            chip.click()
        assert page.locator("#active-filters").count() == 0
        assert page.locator(f'.hit a[href="/d/{hostile}"]').count() == 1
        # The date range through the form's date inputs.
        page.fill("#from", "01/01/2024")  # typed the Vietnamese way
        page.fill("#to", "31/12/2024")
        with page.expect_navigation():
            page.press("#q", "Enter")
        assert page.locator(".hit").count() == 1
        assert page.locator(f'.hit a[href="/d/{hostile}"]').count() == 1
        assert page.locator("#active-filters .chip").count() == 3  # from, to, clear both
        assert page.locator("#from").input_value() == "01/01/2024"
        with page.expect_navigation():
            page.click("#active-filters .chip-clear")
        assert page.locator(".hit").count() == 2
        assert page.locator("#from").input_value() == ""
        assert "q=phuong" in page.url
