"""Correcting a review item in Debian's chromium: the queue, the page with its evidence box, the
metadata form, and raising the secrecy (the confirmation step, then the document is gone for a
viewer). Screenshots at 360 and 1440 px go to test-artifacts/.

This module serves its own copy of the review home (tests/browser/reviewhome.py): `live_server`
is overridden here, so `open_page` signs in to that server.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from sohoa.settings import load_settings
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    LiveServer,
    OpenPage,
    assert_fits,
    screenshot,
)
from tests.browser.reviewhome import REVIEW_PHRASE, copy_review_home, shared_review_home
from web import create_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    home = copy_review_home(shared_review_home(tmp_path_factory),
                            tmp_path_factory.mktemp("live-review"))
    app = create_app(load_settings(home.home, environ={}), start_workers=False)
    app.config["REVIEW_ID"] = home.review_id
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-review", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", home.web, app)
    finally:
        server.shutdown()
        thread.join(10)
        app.extensions["sohoa"].close()


def _page_image_loaded(page) -> None:  # type: ignore[no-untyped-def]
    # The SVG's <image> has no `complete`; the browser has it once its resource entry is there.
    page.wait_for_function(
        "() => performance.getEntriesByType('resource')"
        ".some(e => e.name.includes('/page/1.png') && e.responseEnd > 0)")


def test_correct_a_review_item(open_page: OpenPage, live_server: LiveServer) -> None:
    rid = live_server.app.config["REVIEW_ID"]
    base = live_server.url
    # Phone: the queue and the review screen fit, the evidence box is on the page image.
    phone = open_page("luutru", PHONE)
    phone.click('nav a[href="/review"]')
    assert phone.locator("h1").inner_text() == "Hàng chờ xét duyệt"
    entry = phone.locator(f'#review-list li[data-doc="{rid}"]')
    assert "Độ tin cậy OCR thấp (trang 1)" in entry.inner_text()
    assert_fits(phone)
    screenshot(phone, "review-queue")
    entry.locator("a").click()
    phone.wait_for_url(f"{base}/review/{rid}")
    _page_image_loaded(phone)
    box = phone.locator("svg.page-overlay rect.ev-box").bounding_box()
    svg = phone.locator("svg.page-overlay").bounding_box()
    assert box and svg and box["width"] > 10 and box["height"] > 4
    # The stamp sits in the upper left of the page, as drawn (x 130-270 of 1240 px).
    assert 0.05 < (box["x"] - svg["x"]) / svg["width"] < 0.2
    assert 0.1 < (box["y"] - svg["y"]) / svg["height"] < 0.25
    assert "Dấu độ khẩn" in phone.locator("#evidence").inner_text()
    unlabeled = phone.evaluate(
        """() => [...document.querySelectorAll('main input, main select, main textarea')]
            .filter(e => e.type !== 'hidden' && !e.hidden)
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
            .map(e => e.outerHTML)""")
    assert unlabeled == []
    assert phone.locator("#f-date").input_value() == "05/06/2025"  # dd/mm/yyyy
    assert_fits(phone)
    screenshot(phone, "review-item")

    # Desktop: correct the abstract and the signer, save.
    page = open_page("luutru", DESKTOP)
    page.goto(f"{base}/review/{rid}")
    _page_image_loaded(page)
    pages, side = page.locator(".review-pages").bounding_box(), page.locator(".side").bounding_box()
    assert pages and side and side["x"] > pages["x"] + pages["width"] - 1  # side by side
    screenshot(page, "review-item")
    page.fill("#f-abstract", "về kiểm tra an toàn điện khu dân cư")
    page.fill("#f-signer", "Trần Thị Lan")
    page.select_option("#f-urgency", "thuong_khan")
    page.click("#save-button")
    page.wait_for_url(f"{base}/review")
    assert "Đã lưu chỉnh sửa" in page.locator(".flash").inner_text()
    assert page.locator("#review-empty").count() == 1
    page.click('nav a[href="/"]')
    page.fill("#q", "an toan dien")
    with page.expect_navigation():
        page.press("#q", "Enter")
    assert page.locator(f'.hit-title a[href="/d/{rid}"]').count() == 1
    page.click(f'.hit-title a[href="/d/{rid}"]')
    assert "Trần Thị Lan" in page.locator(".facts").inner_text()
    assert "Sửa khi xét duyệt" in page.locator(".history").inner_text()
    screenshot(page, "review-corrected")

    # Phone: raise the secrecy to MẬT; a confirmation first, then it leaves the open archive.
    phone.goto(f"{base}/review/{rid}")
    phone.select_option("#f-secrecy", "mat")
    phone.click("#save-button")
    phone.locator("#move-warning").wait_for()
    assert phone.locator("#move-level").inner_text() == "MẬT"
    assert_fits(phone)
    screenshot(phone, "review-move-confirm")
    phone.click("#move-confirm")
    phone.wait_for_url(f"{base}/review")
    assert "Đã chuyển văn bản vào kho mật (MẬT)" in phone.locator(".flash").inner_text()
    viewer = open_page("xem", PHONE)
    for path in (f"/d/{rid}", f"/d/{rid}/page/1.png"):
        response = viewer.goto(base + path)
        assert response is not None and response.status == 404, path
    viewer.goto(f"{base}/?q=" + REVIEW_PHRASE)
    assert viewer.locator(f'a[href="/d/{rid}"]').count() == 0
    officer = open_page("canbo", PHONE)
    response = officer.goto(f"{base}/d/{rid}")
    assert response is not None and response.status == 200
    assert officer.locator("#doc-secrecy").inner_text() == "MẬT"
