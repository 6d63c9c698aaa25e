"""Browser fixtures: the real app served on 127.0.0.1 (random free port, in a thread, with its
background workers) and Debian's chromium driven by Playwright (never a downloaded browser).

Every page a test opens is watched: a request to anything but the app, a Content Security
Policy violation, a script error or a dialog (alert) fails the test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

from sohoa.settings import load_settings
from tests.browser.webhome import PASSWORD, WebHome, copy_web_home, shared_web_home
from web import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1440, "height": 900}


@dataclass
class LiveServer:
    url: str
    home: WebHome
    app: Any


@dataclass
class Watch:
    """What a browser context did that a test must not allow."""

    base: str
    foreign: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.on("request", self._request)
        context.on("page", self._page)

    def _request(self, request: Any) -> None:
        url = request.url
        if not (url.startswith(self.base + "/") or url.startswith("data:")
                or url.startswith("blob:") or url == "about:blank"):
            self.foreign.append(url)

    def _page(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        text = message.text
        # HTTP error statuses are what some tests ask for (and check themselves); anything
        # else reported as an error (a script error, a blocked resource) is a problem.
        expected = text.startswith("Failed to load resource: the server responded")
        if "Content Security Policy" in text or (message.type == "error" and not expected):
            self.problems.append(f"console {message.type}: {text}")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def check(self) -> None:
        assert not self.foreign, f"requests outside the app: {self.foreign}"
        assert not self.dialogs, f"a script opened a dialog: {self.dialogs}"
        assert not self.problems, self.problems


@pytest.fixture(scope="session")
def web_home(tmp_path_factory: pytest.TempPathFactory) -> WebHome:
    return shared_web_home(tmp_path_factory)


@pytest.fixture(scope="session")
def live_server(web_home: WebHome, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[LiveServer]:
    copy = copy_web_home(web_home, tmp_path_factory.mktemp("live"))
    app = create_app(load_settings(copy.home, environ={}), start_workers=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", copy, app)
    finally:
        server.shutdown()
        thread.join(10)
        app.extensions["sohoa_web"].workers.stop(30)
        app.extensions["sohoa"].close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        try:
            yield launched
        finally:
            launched.close()


OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(browser: Browser, live_server: LiveServer) -> Iterator[OpenPage]:
    """open_page(user=None, viewport=DESKTOP, js=True) -> a page, signed in when user is given."""
    contexts: list[tuple[BrowserContext, Watch]] = []

    def make(user: str | None = None, viewport: dict[str, int] = DESKTOP,
             js: bool = True) -> Page:
        context = browser.new_context(viewport=viewport, java_script_enabled=js,
                                      locale="vi-VN")
        context.set_default_timeout(20000)
        watch = Watch(live_server.url)
        watch.attach(context)
        contexts.append((context, watch))
        page = context.new_page()
        if user is not None:
            page.goto(live_server.url + "/login")
            page.fill("#name", user)
            page.fill("#password", PASSWORD)
            page.click("form.stack button[type=submit]")
            page.wait_for_url(live_server.url + "/")
        return page

    yield make
    try:
        for _, watch in contexts:
            watch.check()
    finally:
        for context, _ in contexts:
            context.close()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = ARTIFACTS / f"web-{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_fits(page: Page) -> None:
    """Nothing wider than the screen: no sideways scrolling of the whole page on a phone."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen"
