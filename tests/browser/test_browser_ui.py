"""What a person sees: Debian's chromium driving the real app over HTTP.

Screenshots at phone (360 px) and desktop (1440 px) width go to test-artifacts/.
"""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    LiveServer,
    OpenPage,
    assert_fits,
    screenshot,
)
from tests.browser.webhome import HOSTILE_NAME, upload_scan_png

pytestmark = pytest.mark.browser


def search(page: Page, query: str) -> None:
    page.fill("#q", query)
    with page.expect_navigation():
        page.press("#q", "Enter")


def test_login(open_page: OpenPage, live_server: LiveServer) -> None:
    for viewport in (PHONE, DESKTOP):
        page = open_page(viewport=viewport)
        page.goto(live_server.url + "/dashboard")
        assert page.url.startswith(live_server.url + "/login?next=")
        screenshot(page, "login")
        page.fill("#name", "xem")
        page.fill("#password", "not-the-password")
        page.click("form.stack button[type=submit]")
        assert page.locator("#login-error").inner_text() == "Sai tên đăng nhập hoặc mật khẩu."
        page.fill("#password", "mat-khau-thu-nghiem-1")
        page.click("form.stack button[type=submit]")
        page.wait_for_url(live_server.url + "/dashboard")
        assert page.locator("h1").inner_text() == "Tổng quan"
        page.click("#logout")
        page.wait_for_url(live_server.url + "/login")
        page.goto(live_server.url + "/")
        assert "/login" in page.url


def test_search_with_and_without_diacritics(open_page: OpenPage,
                                            live_server: LiveServer) -> None:
    plan = live_server.home.plan_id
    for viewport in (PHONE, DESKTOP):
        page = open_page("xem", viewport)
        for query in ("cải cách hành chính", "cai cach hanh chinh"):
            search(page, query)
            hits = page.locator(".hit")
            assert hits.count() == 1, query
            assert hits.locator(f'a[href="/d/{plan}"]').count() == 1
            assert hits.locator("mark").count() >= 2
            assert "Kế hoạch" in page.locator(".facets-panel").inner_text()
        assert_fits(page)
        screenshot(page, "search")


def test_document_shows_its_page_image(open_page: OpenPage, live_server: LiveServer) -> None:
    for viewport in (PHONE, DESKTOP):
        page = open_page("xem", viewport)
        search(page, "chuyen doi so")
        page.click(".hit-title a")
        page.wait_for_url(f"{live_server.url}/d/{live_server.home.plan_id}")
        page.wait_for_function(
            "() => { const i = document.querySelector('.pages img');"
            " return i && i.complete && i.naturalWidth > 0; }")
        width = page.evaluate("() => document.querySelector('.pages img').naturalWidth")
        assert width >= 1000
        assert page.locator("#signature-status").inner_text() == "Hợp lệ"
        assert page.locator("#doc-secrecy").inner_text() == "Thường"
        assert_fits(page)
        screenshot(page, "document")


def test_hostile_text_is_shown_as_text(open_page: OpenPage, live_server: LiveServer) -> None:
    page = open_page("xem")
    search(page, "script")
    hit = page.locator(".hit", has=page.locator(f'a[href="/d/{live_server.home.hostile_id}"]'))
    assert hit.count() == 1
    assert "<script>" in hit.locator(".snippet").inner_text()
    assert page.locator(".hits script, .hits img, .hits iframe").count() == 0
    page.click(f'a[href="/d/{live_server.home.hostile_id}"]')
    assert page.locator("#doc-file-name").inner_text() == HOSTILE_NAME
    assert page.locator("main script, main iframe").count() == 0
    assert page.locator("main img").count() == 1  # the page image, nothing injected
    page.wait_for_function("() => document.querySelector('.pages img').complete")
    screenshot(page, "hostile")
    # The watch (conftest) fails the test if any alert() ran or the CSP had to block anything.


def test_viewer_cannot_reach_a_classified_document(open_page: OpenPage,
                                                   live_server: LiveServer) -> None:
    secret = live_server.home.secret_id
    viewer = open_page("xem")
    for path in (f"/d/{secret}", f"/d/{secret}/page/1.png"):
        response = viewer.goto(live_server.url + path)
        assert response is not None and response.status == 404, path
    assert viewer.locator("#error-message").inner_text() == "Không tìm thấy."
    unknown = viewer.goto(live_server.url + "/d/" + "b" * 24)
    assert unknown is not None and unknown.status == 404
    officer = open_page("canbo")
    response = officer.goto(live_server.url + f"/d/{secret}")
    assert response is not None and response.status == 200
    assert officer.locator("#doc-secrecy").inner_text() == "MẬT"


def test_upload_by_drag_and_drop_then_archived(open_page: OpenPage,
                                               live_server: LiveServer) -> None:
    page = open_page("luutru")
    page.click('nav a[href="/upload"]')
    page.wait_for_url(live_server.url + "/upload")
    data = base64.b64encode(upload_scan_png()).decode()
    page.evaluate(
        """([data, name]) => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, {type: "image/png"}));
            const zone = document.getElementById("dropzone");
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true,
                                                        cancelable: true}));
            }
        }""",
        [data, "thong-bao-31.png"],
    )
    row = page.locator("#jobs tr[data-job]")
    row.wait_for()
    assert row.locator(".job-name").inner_text() == "thong-bao-31.png"
    assert "job=" in page.url  # a reload shows the same files
    page.locator("#jobs tr.job-archived").wait_for(timeout=300_000)
    assert row.locator(".job-label").inner_text() == "Đã lưu trữ"
    screenshot(page, "upload")
    row.locator("a").click()
    page.wait_for_function(
        "() => { const i = document.querySelector('.pages img');"
        " return i && i.complete && i.naturalWidth > 0; }")
    assert "Thông báo" in page.locator("h1").inner_text()
    assert page.locator("#doc-file-name").inner_text() == "thong-bao-31.png"


def test_upload_works_without_javascript(open_page: OpenPage, live_server: LiveServer,
                                         tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The same bytes as an archived document: the pipeline answers "duplicate" at once.
    plan = live_server.app.extensions["sohoa"].archive.catalog.get(live_server.home.plan_id)
    source = live_server.app.extensions["sohoa"].archive.store.path_of(plan.original_object)
    copy = tmp_path / "ke-hoach-ban-sao.pdf"
    copy.write_bytes(source.read_bytes())
    page = open_page("luutru", PHONE, js=False)
    page.goto(live_server.url + "/upload")
    page.set_input_files("#files", str(copy))
    with page.expect_navigation():
        page.click("#upload-form button[type=submit]")
    assert "/upload?job=" in page.url
    page.locator("#jobs tr.job-duplicate").wait_for(timeout=120_000)  # refreshed by <meta>
    link = page.locator("#jobs tr.job-duplicate a")
    assert link.get_attribute("href") == f"/d/{live_server.home.plan_id}"
    assert_fits(page)
    screenshot(page, "upload-nojs")


def test_review_list_opens(open_page: OpenPage, live_server: LiveServer) -> None:
    for viewport in (PHONE, DESKTOP):
        page = open_page("luutru", viewport)
        page.click('nav a[href="/review"]')
        assert page.locator("h1").inner_text() == "Hàng chờ xét duyệt"
        assert page.locator("#review-list, #review-empty").count() == 1
        assert_fits(page)
        screenshot(page, "review")


def test_keyboard_skip_link_and_labels(open_page: OpenPage, live_server: LiveServer) -> None:
    page = open_page("xem")
    page.goto(live_server.url + "/?q=ke+hoach")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    assert page.locator(".skip").bounding_box()["x"] >= 0  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    for path in ("/", "/upload", "/account"):
        page.goto(live_server.url + path)
        unlabeled = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea, button')]
                .filter(e => e.type !== 'hidden' && !e.hidden)
                .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                             && !(e.tagName === 'BUTTON' && e.textContent.trim()))
                .map(e => e.outerHTML)""")
        assert unlabeled == [], (path, unlabeled)


def test_every_page_fits_a_phone(open_page: OpenPage, live_server: LiveServer) -> None:
    plan = live_server.home.plan_id
    for viewport in (PHONE, DESKTOP):
        page = open_page("admin", viewport)
        for name, path in [("home", "/"), ("dashboard", "/dashboard"), ("ingest", "/ingest"),
                           ("audit", "/audit"), ("users", "/users"), ("account", "/account"),
                           ("document-admin", f"/d/{plan}")]:
            page.goto(live_server.url + path)
            assert_fits(page)
            screenshot(page, name)


def test_language_switch(open_page: OpenPage, live_server: LiveServer) -> None:
    page = open_page("xem", PHONE)
    page.click("text=English")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert page.locator('nav a[href="/"]').inner_text() == "Search"
    page.click("text=Tiếng Việt")
    assert page.locator('nav a[href="/"]').inner_text() == "Tra cứu"
