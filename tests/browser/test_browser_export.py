"""Exporting in Debian's chromium: an officer unlocks the vault from the export page, ticks the
MẬT report with the keyboard, pastes a recipient's public key and downloads the bundle, which
`sohoa verify-export` (the CLI, as a recipient runs it) finds valid. Screenshots of the export
page at 360 and 1440 px go to test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyrage
import pytest
from playwright.sync_api import Page

from tests.browser.conftest import DESKTOP, PHONE, LiveServer, OpenPage, assert_fits, screenshot
from tests.conftest import PASSPHRASE, json_lines, run_cli

pytestmark = pytest.mark.browser


def _unlock_from_export(page: Page, base: str) -> None:
    page.click('nav a[href="/export"]')
    page.wait_for_url(base + "/export")
    assert page.locator("#export-locked").is_visible()
    page.fill("#passphrase", PASSPHRASE)
    with page.expect_navigation():
        page.click("#unlock-button")
    assert page.url == base + "/export"  # back where the officer was
    assert page.locator("#export-form").is_visible()


def _unlabeled(page: Page) -> list[str]:
    return page.evaluate(  # type: ignore[no-any-return]
        """() => [...document.querySelectorAll('input, select, textarea, button')]
            .filter(e => e.type !== 'hidden' && !e.hidden)
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                         && !(e.tagName === 'BUTTON' && e.textContent.trim()))
            .map(e => e.outerHTML)""")


def test_officer_exports_and_the_download_verifies(open_page: OpenPage, live_server: LiveServer,
                                                   tmp_path: Path) -> None:
    base = live_server.url
    doc = live_server.home.secret_id
    identity = pyrage.x25519.Identity.generate()
    key = tmp_path / "key.txt"
    key.write_text(f"# public key: {identity.to_public()}\n{identity}\n", encoding="ascii")

    phone = open_page("canbo", PHONE)
    _unlock_from_export(phone, base)
    assert phone.locator(f'label[for="doc-{doc}"]').is_visible()
    assert _unlabeled(phone) == []
    assert_fits(phone)
    screenshot(phone, "export")

    page = open_page("canbo", DESKTOP)
    _unlock_from_export(page, base)
    box = page.locator(f"#doc-{doc}")
    box.focus()
    page.keyboard.press("Space")
    assert box.is_checked()
    page.fill("#recipients", str(identity.to_public()))
    assert page.locator("#marked").is_checked()
    assert_fits(page)
    screenshot(page, "export")
    with page.expect_download(timeout=180_000) as info:
        # an impatient double click: one export, one numbered copy
        page.dblclick("#export-button")
        assert page.locator("#export-button").is_disabled()
    download = info.value
    assert download.failure() is None
    assert re.fullmatch(r"xuat-mat-\d{8}-\d{4}\.age", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    work = tmp_path / "work"
    work.mkdir()
    result = run_cli(Path("/nonexistent-home"), "verify-export", str(saved), "--identity",
                     str(key), "--workdir", str(work), "--json", check=False)
    report = json_lines(result.stdout)[0]
    assert result.returncode == 0 and report["ok"], report
    assert report["documents"] == [doc] and report["level"] == "mat"
    assert page.url == base + "/export"  # the page stays; the bundle is a download
    events = (live_server.home.home / "log" / "events.jsonl").read_text(encoding="utf-8")
    assert events.count('"type":"export"') == 1
