"""The web UI's logic through Flask's test client, over a home built by the real pipeline.

Security (login, CSRF, rate limits, headers, roles, clearance), escaping of hostile text, and
the pages' content. What a person sees in a browser is in tests/browser/.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from archive.catalog import with_status
from sohoa.settings import load_settings
from sohoa.vntext import fold
from tests.browser.webhome import (
    PASSWORD,
    PLAN_PHRASE,
    UPLOAD_PHRASE,
    WebHome,
    copy_web_home,
    shared_web_home,
    upload_scan_png,
)
from web import create_app
from web.views_docs import safe_snippet

CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')
UNKNOWN_ID = "a" * 24


@pytest.fixture(scope="session")
def web_home(tmp_path_factory: pytest.TempPathFactory) -> WebHome:
    return shared_web_home(tmp_path_factory)


def _make_app(home: Path, **env: str) -> Flask:
    settings = load_settings(home, environ={f"SOHOA_{k.upper()}": v for k, v in env.items()})
    return create_app(settings, testing=True)


@pytest.fixture(scope="module")
def shared(web_home: WebHome, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[Flask, WebHome]]:
    """One app over one copy of the home, for tests that only read (and log in)."""
    copy = copy_web_home(web_home, tmp_path_factory.mktemp("web-shared"))
    app = _make_app(copy.home)
    yield app, copy
    app.extensions["sohoa"].close()


@pytest.fixture
def own(web_home: WebHome, tmp_path: Path) -> Iterator[tuple[Flask, WebHome]]:
    """A private copy and app, for tests that change the archive or the rate limiter."""
    copy = copy_web_home(web_home, tmp_path)
    app = _make_app(copy.home)
    yield app, copy
    app.extensions["sohoa"].close()


def csrf_of(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def login(client: FlaskClient, name: str, password: str = PASSWORD, ip: str = "127.0.0.1"):
    token = csrf_of(client)
    return client.post("/login", data={"csrf": token, "name": name, "password": password,
                                       "next": "/"}, environ_base={"REMOTE_ADDR": ip})


def signed_in(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    response = login(client, name)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def main_of(response) -> str:  # type: ignore[no-untyped-def]
    """The page's <main>: the rest differs by URL only (the language switch returns there)."""
    html = response.get_data(as_text=True)
    return html[html.index("<main"):html.index("</main>")]


def events(home: Path) -> list[dict]:
    lines = (home / "log" / "events.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


# -- login ---------------------------------------------------------------------------------------

def test_every_page_needs_a_login(shared: tuple[Flask, WebHome]) -> None:
    app, home = shared
    client = app.test_client()
    for path in ["/", "/?q=ke+hoach", f"/d/{home.plan_id}", f"/d/{home.plan_id}/page/1.png",
                 f"/d/{home.plan_id}/original", f"/d/{home.plan_id}/archival.pdf", "/upload",
                 "/ingest", "/audit", "/dashboard", "/review", "/users", "/export", "/account",
                 f"/d/{home.secret_id}", "/vault", f"/vault/d/{home.secret_id}",
                 f"/vault/d/{home.secret_id}/original", "/no-such-page"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next="), path
    response = client.get(f"/jobs/{UNKNOWN_ID}.json")
    assert response.status_code == 401 and response.is_json
    assert client.get("/login").status_code == 200
    assert client.get("/static/style.css").status_code == 200


def test_login_logout_and_a_stolen_cookie_after_logout(shared: tuple[Flask, WebHome]) -> None:
    app, _ = shared
    client = app.test_client()
    wrong = login(client, "luutru", "not-the-password", ip="10.0.0.1")
    assert wrong.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in wrong.get_data(as_text=True)
    for _ in range(10):  # HEAD requests are not sign-in attempts
        client.head("/login", environ_base={"REMOTE_ADDR": "10.0.0.1"})
    ok = login(client, "luutru", ip="10.0.0.1")
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/").status_code == 200
    stolen = client.get_cookie("sohoa")
    assert stolen is not None
    token = CSRF_RE.search(client.get("/").get_data(as_text=True)).group(1)
    assert client.post("/logout", data={"csrf": token}).status_code == 302
    assert client.get("/").status_code == 302
    # The cookie as it was before logging out no longer opens a session: it ended on the server.
    thief = app.test_client()
    thief.set_cookie("sohoa", stolen.value)
    assert thief.get("/").status_code == 302


def test_login_next_only_goes_to_this_site(shared: tuple[Flask, WebHome]) -> None:
    app, _ = shared
    for target, expected in [("//evil.example/x", "/"), ("https://evil.example/", "/"),
                             ("/\\evil.example", "/"), ("/dashboard", "/dashboard")]:
        client = app.test_client()
        token = csrf_of(client)
        response = client.post("/login", data={"csrf": token, "name": "xem",
                                               "password": PASSWORD, "next": target},
                               environ_base={"REMOTE_ADDR": "10.0.0.2"})
        assert response.status_code == 302
        assert response.headers["Location"] == expected, target


def test_csrf_token_required_on_every_post(shared: tuple[Flask, WebHome]) -> None:
    app, home = shared
    anonymous = app.test_client()
    anonymous.get("/login")
    bad = anonymous.post("/login", data={"name": "admin", "password": PASSWORD})
    assert bad.status_code == 400
    bad = anonymous.post("/login", data={"csrf": "x" * 43, "name": "admin",
                                         "password": PASSWORD})
    assert bad.status_code == 400
    client = signed_in(app, "admin")
    token = csrf_of(client, "/ingest")
    qid = home.quarantine_id
    for path in ["/logout", "/upload", "/audit/run", f"/ingest/quarantine/{qid}/retry",
                 f"/ingest/quarantine/{qid}/discard", "/users",
                 "/users/xem/state", "/lang", "/account"]:
        assert client.post(path, data={}).status_code == 400, path
        assert client.post(path, data={"csrf": token[:-2] + "xx"}).status_code == 400, path
    # A valid token from another site's page is refused too.
    response = client.post("/lang", data={"csrf": token, "lang": "en"},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 400
    assert client.get("/").status_code == 200  # still signed in: logout was refused
    assert home.quarantine_id in client.get("/ingest").get_data(as_text=True)


def test_login_rate_limited_per_user(own: tuple[Flask, WebHome]) -> None:
    app, _ = own
    limit = app.extensions["sohoa_web"].settings.web.login_attempts_per_minute
    for i in range(limit):
        assert login(app.test_client(), "admin", "wrong-password", ip=f"10.1.0.{i}"
                     ).status_code == 401
    # Right password, new address: the account is still locked for the minute.
    blocked = login(app.test_client(), "admin", ip="10.1.1.1")
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert "Quá nhiều lần đăng nhập sai" in blocked.get_data(as_text=True)
    assert login(app.test_client(), "luutru", ip="10.1.1.1").status_code == 302


def test_login_rate_limited_per_address(own: tuple[Flask, WebHome]) -> None:
    app, _ = own
    limit = app.extensions["sohoa_web"].settings.web.login_attempts_per_minute
    for i in range(limit):
        assert login(app.test_client(), f"guess{i}", "wrong-password", ip="10.2.0.1"
                     ).status_code == 401
    assert login(app.test_client(), "xem", ip="10.2.0.1").status_code == 429
    assert login(app.test_client(), "xem", ip="10.2.0.2").status_code == 302


def test_security_headers_and_no_inline_code(shared: tuple[Flask, WebHome]) -> None:
    app, home = shared
    anonymous = app.test_client().get("/login")
    client = signed_in(app, "admin")
    pages = ["/", "/?q=ke+hoach", f"/d/{home.plan_id}", "/upload", "/ingest", "/audit",
             "/dashboard", "/review", "/users", "/account"]
    responses = [anonymous] + [client.get(p) for p in pages]
    for response in responses:
        assert response.status_code == 200
        h = response.headers
        csp = h["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert h["X-Frame-Options"] == "DENY"
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "same-origin"
        assert "no-store" in h["Cache-Control"]
        html = response.get_data(as_text=True)
        # Nothing the CSP would block: no inline scripts, handlers or styles; nothing external.
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert not re.search(r"<[^>]*\son[a-z]+\s*=", html)
        assert not re.search(r"<[^>]*\sstyle\s*=|<style", html)
        assert not re.search(r"<[^>]*(src|href|action)=\"(https?:)?//", html)
    image = client.get(f"/d/{home.plan_id}/page/1.png")
    assert "private" in image.headers["Cache-Control"]
    assert "public" not in image.headers["Cache-Control"]


def test_secure_cookies_over_tls(web_home: WebHome, tmp_path: Path) -> None:
    copy = copy_web_home(web_home, tmp_path)
    app = _make_app(copy.home, web__secure_cookies="true")
    client = app.test_client()
    client.get("/login", base_url="https://localhost")
    token = client.get_cookie("__Host-sohoa", domain="localhost")
    assert token is not None
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    response = client.post("/login", base_url="https://localhost", data={
        "csrf": CSRF_RE.search(page).group(1), "name": "admin", "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-sohoa=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    app.extensions["sohoa"].close()


# -- roles and clearance -------------------------------------------------------------------------

ROLE_PAGES = {
    # path: roles that may open it
    "/": {"xem", "luutru", "canbo", "admin"},
    "/dashboard": {"xem", "luutru", "canbo", "admin"},
    "/account": {"xem", "luutru", "canbo", "admin"},
    "/upload": {"luutru", "canbo", "admin"},
    "/review": {"luutru", "canbo", "admin"},
    "/ingest": {"luutru", "canbo", "admin"},
    "/export": {"canbo"},
    "/vault": {"canbo"},
    "/audit": {"admin"},
    "/users": {"admin"},
}


def test_roles_open_only_their_pages(shared: tuple[Flask, WebHome]) -> None:
    app, _ = shared
    for name in ("xem", "luutru", "canbo", "admin"):
        client = signed_in(app, name)
        nav = client.get("/").get_data(as_text=True)
        for path, allowed in ROLE_PAGES.items():
            code = client.get(path).status_code
            assert code == (200 if name in allowed else 403), (name, path, code)
            if path != "/":
                assert (f'href="{path}"' in nav) == (name in allowed), (name, path)
    viewer = signed_in(app, "xem")
    token = csrf_of(viewer, "/")
    assert viewer.post("/audit/run", data={"csrf": token}).status_code == 403
    assert viewer.post("/upload", data={"csrf": token}).status_code == 403
    assert viewer.post("/users", data={"csrf": token, "name": "x1", "role": "admin",
                                       "password": PASSWORD}).status_code == 403


def test_malformed_and_unknown_ids_are_not_found(shared: tuple[Flask, WebHome]) -> None:
    app, home = shared
    client = signed_in(app, "admin")
    bodies = set()
    for path in [f"/d/{UNKNOWN_ID}", "/d/%3Cscript%3E", "/d/..%2F..%2Fetc%2Fpasswd",
                 "/d/" + "a" * 200, f"/d/{home.plan_id.upper()}", f"/d/{home.plan_id}x/original",
                 f"/d/{UNKNOWN_ID}/archival.pdf", f"/d/{home.plan_id}/page/0.png",
                 f"/d/{home.plan_id}/page/99.png", f"/jobs/{UNKNOWN_ID}.json",
                 "/jobs/..%2Fx.json"]:
        response = client.get(path)
        assert response.status_code == 404, path
        if not path.startswith("/jobs"):
            bodies.add(main_of(response))
    assert len(bodies) == 1  # the same page whatever the reason


def test_classified_document_is_not_found_unless_cleared(shared: tuple[Flask, WebHome]) -> None:
    app, home = shared
    unknown = signed_in(app, "xem").get(f"/d/{UNKNOWN_ID}")
    for name in ("xem", "luutru", "admin"):
        client = signed_in(app, name)
        for suffix in ("", "/original", "/archival.pdf", "/page/1.png"):
            response = client.get(f"/d/{home.secret_id}{suffix}")
            assert response.status_code == 404, (name, suffix)
            if not suffix:
                assert main_of(response) == main_of(unknown)
        result = client.get("/?q=an+ninh+n%E1%BB%99i+b%E1%BB%99").get_data(as_text=True)
        assert home.secret_id not in result
    officer = signed_in(app, "canbo")
    page = officer.get(f"/d/{home.secret_id}")
    assert page.status_code == 200
    assert 'id="doc-secrecy">MẬT<' in page.get_data(as_text=True)
    # Files of classified documents come from the vault (issue 7), not from these routes.
    assert officer.get(f"/d/{home.secret_id}/original").status_code == 404
    access = [e for e in events(home.home)
              if e["type"] == "access" and e["doc_id"] == home.secret_id]
    denied = {(e["actor"], e["data"]["action"]) for e in access if not e["data"]["granted"]}
    granted = {(e["actor"], e["data"]["action"]) for e in access if e["data"]["granted"]}
    for name in ("xem", "luutru", "admin"):
        assert {(name, "view"), (name, "download_original"), (name, "page_image")} <= denied
    assert ("canbo", "view") in granted and ("canbo", "download_original") in granted
    assert all(e["data"]["level"] == "mat" for e in access)
    # Opening open documents is not logged (only classified records are).
    signed_in(app, "xem").get(f"/d/{home.plan_id}")
    assert not [e for e in events(home.home) if e["type"] == "access"
                and e["doc_id"] == home.plan_id]


def test_a_higher_level_needs_a_higher_clearance(own: tuple[Flask, WebHome]) -> None:
    app, home = own
    catalog = app.extensions["sohoa"].archive.vault_catalog
    row = catalog.get(home.secret_id)
    catalog.update_document(with_status(row, secrecy="toi_mat"))
    assert signed_in(app, "canbo").get(f"/d/{home.secret_id}").status_code == 404
    accounts = app.extensions["sohoa_web"].accounts
    accounts.set_role("canbo", "officer", "toi_mat", actor="test")
    assert signed_in(app, "canbo").get(f"/d/{home.secret_id}").status_code == 200


# -- escaping ------------------------------------------------------------------------------------

def test_hostile_text_is_escaped_everywhere(shared: tuple[Flask, WebHome]) -> None:
    app, home = shared
    client = signed_in(app, "admin")
    results = client.get("/?q=script").get_data(as_text=True)
    assert home.hostile_id in results
    assert "&lt;script&gt;" in results
    assert "<script>alert" not in results and "<img src=x" not in results
    document = client.get(f"/d/{home.hostile_id}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in document
    assert "<img src=x" not in document and "<script>alert" not in document
    ingest = client.get("/ingest").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in ingest and "<img src=x" not in ingest


def test_snippets_keep_only_mark() -> None:
    hostile = ('<mark>ok</mark> <script>alert(1)</script> <img src=x onerror=alert(1)> '
               '&lt;b&gt;escaped&lt;/b&gt; <mark onclick="x()">y</mark>')
    out = str(safe_snippet(hostile))
    assert "<mark>ok</mark>" in out
    assert "<script" not in out and "<img" not in out and "<b>" not in out
    assert "onclick" not in out.replace("&lt;mark onclick", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


# -- pages ---------------------------------------------------------------------------------------

def test_search_with_and_without_diacritics_filters_and_facets(
        shared: tuple[Flask, WebHome]) -> None:
    app, home = shared
    client = signed_in(app, "xem")
    for query in ("cải cách hành chính", "cai cach hanh chinh", PLAN_PHRASE, "27-KH/ĐU"):
        html = client.get("/", query_string={"q": query}).get_data(as_text=True)
        assert home.plan_id in html, query
        assert home.hostile_id not in html, query
    html = client.get("/", query_string={"q": "cai cach"}).get_data(as_text=True)
    assert "<mark>" in html
    assert "Kế hoạch" in html  # document type label and facet
    by_type = client.get("/", query_string={"type": "quyet_dinh"}).get_data(as_text=True)
    assert home.hostile_id in by_type and home.plan_id not in by_type
    by_year = client.get("/", query_string={"year": "2025"}).get_data(as_text=True)
    assert home.plan_id in by_year and home.hostile_id not in by_year
    odd = client.get("/", query_string={"q": "cai cach", "page": "abc", "sort": "x",
                                        "type": "<b>", "year": "99999"})
    assert odd.status_code == 200 and home.plan_id in odd.get_data(as_text=True)
    none = client.get("/", query_string={"q": "zzxxqq"}).get_data(as_text=True)
    assert "Không có văn bản nào phù hợp" in none
    recent = client.get("/").get_data(as_text=True)
    assert home.plan_id in recent and home.hostile_id in recent
    assert home.secret_id not in recent


def test_document_page_files_and_history(shared: tuple[Flask, WebHome]) -> None:
    app, home = shared
    client = signed_in(app, "xem")
    html = client.get(f"/d/{home.plan_id}").get_data(as_text=True)
    service = app.extensions["sohoa"]
    row = service.archive.catalog.get(home.plan_id)
    assert row.sha256 in html and row.archival_object in html
    assert 'id="signature-status">Hợp lệ' in html
    assert "27-KH/ĐU" in html and "15/08/2025" in html  # Vietnamese date order
    assert "Lưu trữ và ký số" in html  # the archive event in the history
    assert "Chưa kiểm tra lần nào" in html
    image = client.get(f"/d/{home.plan_id}/page/1.png")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    again = client.get(f"/d/{home.plan_id}/page/1.png",
                       headers={"If-None-Match": image.headers["ETag"]})
    assert again.status_code == 304
    original = client.get(f"/d/{home.plan_id}/original")
    assert hashlib.sha256(original.data).hexdigest() == row.sha256
    assert "attachment" in original.headers["Content-Disposition"]
    pdf = client.get(f"/d/{home.plan_id}/archival.pdf")
    assert pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == row.archival_object


def test_paging(web_home: WebHome, tmp_path: Path) -> None:
    copy = copy_web_home(web_home, tmp_path)
    app = _make_app(copy.home, search__page_size="1")
    client = signed_in(app, "xem")

    def hit_ids(**args: str) -> list[str]:
        html = client.get("/", query_string={"q": "phuong", **args}).get_data(as_text=True)
        return re.findall(r'class="hit-title"><a href="/d/([a-z2-7]+)"', html)

    first, second = hit_ids(), hit_ids(page="2")
    assert len(first) == len(second) == 1
    assert {*first, *second} == {copy.plan_id, copy.hostile_id}
    page = client.get("/", query_string={"q": "phuong"}).get_data(as_text=True)
    assert 'href="/?q=phuong&amp;page=2" rel="next"' in page
    assert 'aria-current="page">1<' in page and "rel=\"prev\"" not in page
    beyond = client.get("/", query_string={"q": "phuong", "page": "3"})
    assert beyond.status_code == 302 and beyond.headers["Location"] == "/?q=phuong&page=2"
    app.extensions["sohoa"].close()


def test_review_list_shows_flagged_documents(own: tuple[Flask, WebHome]) -> None:
    app, home = own
    client = signed_in(app, "luutru")
    assert "Không có văn bản nào chờ xét duyệt" in client.get("/review").get_data(as_text=True)
    catalog = app.extensions["sohoa"].archive.catalog
    row = catalog.get(home.plan_id)
    catalog.update_document(with_status(row, review=True, classification={
        **row.classification, "review_reasons": ["low_ocr_confidence:1", "secrecy_uncertain"]}))
    html = client.get("/review").get_data(as_text=True)
    assert f"/review/{home.plan_id}" in html and home.hostile_id not in html
    assert "Độ tin cậy OCR thấp (trang 1)" in html and "Chưa chắc về độ mật" in html


def test_language_switch(shared: tuple[Flask, WebHome]) -> None:
    app, home = shared
    client = signed_in(app, "xem")
    token = csrf_of(client, "/")
    response = client.post("/lang", data={"csrf": token, "lang": "en", "next": "/dashboard"})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    html = client.get(f"/d/{home.plan_id}").get_data(as_text=True)
    assert '<html lang="en">' in html and "Document details" in html
    assert "15/08/2025" in html  # dates keep the Vietnamese order
    client.post("/lang", data={"csrf": token, "lang": "vi"})
    assert "Thông tin văn bản" in client.get(f"/d/{home.plan_id}").get_data(as_text=True)


def test_dashboard_indicators_and_charts(shared: tuple[Flask, WebHome]) -> None:
    app, _ = shared
    viewer = signed_in(app, "xem").get("/dashboard").get_data(as_text=True)
    assert re.search(r'id="ind-documents">2<', viewer)
    assert re.search(r'id="ind-signed">100,0%<', viewer)
    assert viewer.count('<svg class="chart') == 3 and 'role="img"' in viewer
    assert "ind-classified" not in viewer  # the vault's size is for officers
    officer = signed_in(app, "canbo").get("/dashboard").get_data(as_text=True)
    assert re.search(r'id="ind-classified">1<', officer)


# -- upload, ingest, audit -----------------------------------------------------------------------

def test_upload_runs_through_the_pipeline(own: tuple[Flask, WebHome]) -> None:
    import io

    app, home = own
    service = app.extensions["sohoa"]
    client = signed_in(app, "luutru")
    token = csrf_of(client, "/upload")
    scan = upload_scan_png()
    response = client.post("/upload", data={
        "csrf": token,
        "files": [(io.BytesIO(scan), "..\\..\\etc/<script>thong-bao.png"),
                  (io.BytesIO(b""), "rong.png")],
    }, content_type="multipart/form-data")
    assert response.status_code == 303
    location = response.headers["Location"]
    job_ids = re.findall(r"job=([a-z2-7]+)", location)
    assert len(job_ids) == 1
    page = client.get(location).get_data(as_text=True)
    assert "Tệp rỗng: rong.png" in page
    assert "&lt;script&gt;thong-bao.png" in page and "<script>thong" not in page
    assert '<meta http-equiv="refresh"' in page  # inside <noscript>: progress without script
    job = service.queue.get(job_ids[0])
    assert job.original_name == "<script>thong-bao.png"  # path parts gone, kept for display
    assert Path(job.path) == service.areas.processing / job.job_id / "original"
    assert list((home.home / "work" / "uploads").iterdir()) == []  # nothing left behind
    state = client.get(f"/jobs/{job.job_id}.json").get_json()
    assert state["status"] == "queued" and state["done"] is False and state["url"] == ""
    service.run_workers(workers=1, until_empty=True)  # what the web app's thread does
    state = client.get(f"/jobs/{job.job_id}.json").get_json()
    assert state["status"] == "archived" and state["done"] is True
    assert state["label"] == "Đã lưu trữ"
    assert state["url"] == f"/d/{job.doc_id}"
    assert client.get(state["url"]).status_code == 200
    found = client.get("/", query_string={"q": fold(UPLOAD_PHRASE)}).get_data(as_text=True)
    assert job.doc_id in found
    upload_events = [e for e in events(home.home) if e["type"] == "upload"]
    assert [(e["actor"], e["doc_id"], e["data"]["job"]) for e in upload_events] == [
        ("luutru", job.doc_id, job.job_id)]
    assert "thong-bao" not in json.dumps(upload_events)  # no file names in the log
    # The script's upload (fetch with the token in a header) gets JSON back.
    again = client.post("/upload", data={"files": [(io.BytesIO(b""), "x.png")]},
                        headers={"X-CSRF-Token": token, "X-Requested-With": "fetch",
                                 "Accept": "application/json"},
                        content_type="multipart/form-data")
    assert again.status_code == 400 and again.get_json()["errors"] == ["Tệp rỗng: x.png"]


def test_quarantine_retry_and_discard(own: tuple[Flask, WebHome]) -> None:
    import io

    app, home = own
    service = app.extensions["sohoa"]
    catalog = service.archive.catalog
    client = signed_in(app, "luutru")
    token = csrf_of(client, "/ingest")
    # A damaged file sent through the browser (job paths in a copied home point elsewhere).
    damaged = b"%PDF-1.7\n1 0 obj <<>> endobj\n% cut short by the scanner\n"
    sent = client.post("/upload", data={"csrf": token, "files": [(io.BytesIO(damaged),
                                                                   "hong-2.pdf")]},
                       content_type="multipart/form-data")
    qid = re.findall(r"job=([a-z2-7]+)", sent.headers["Location"])[0]
    service.run_workers(workers=1, until_empty=True)
    assert catalog.get_quarantine(qid).state == "quarantined"
    viewer = signed_in(app, "xem")
    assert viewer.post(f"/ingest/quarantine/{qid}/retry",
                       data={"csrf": csrf_of(viewer, "/")}).status_code == 403
    page = client.get("/ingest").get_data(as_text=True)
    assert "hong-2.pdf" in page and "Tệp bị cắt cụt" in page
    response = client.post(f"/ingest/quarantine/{qid}/retry", data={"csrf": token})
    assert response.status_code == 303
    assert catalog.get_quarantine(qid).state == "retrying"
    assert (service.areas.processing / qid / "original").exists()
    assert service.queue.get(qid).state.value == "queued"
    service.run_workers(workers=1, until_empty=True)
    client.get("/ingest")  # the page reconciles: the damaged file failed again
    assert catalog.get_quarantine(qid).state == "quarantined"
    original = service.areas.quarantine / qid / "original"
    assert original.exists()
    refused = client.post(f"/ingest/quarantine/{qid}/discard", data={"csrf": token})
    assert refused.status_code == 303 and original.exists()
    done = client.post(f"/ingest/quarantine/{qid}/discard",
                       data={"csrf": token, "confirm": "yes"})
    assert done.status_code == 303
    assert not original.exists() and catalog.get_quarantine(qid).state == "discarded"
    assert "hong-2.pdf" not in client.get("/ingest").get_data(as_text=True).split(
        'id="recent-h"')[0]
    logged = {e["type"]: e for e in events(home.home) if e["doc_id"] == qid}
    assert logged["quarantine_retry"]["actor"] == "luutru"
    discard = logged["quarantine_discard"]
    assert discard["actor"] == "luutru"
    assert discard["data"]["sha256"] == catalog.get_quarantine(qid).sha256
    assert client.post(f"/ingest/quarantine/{qid}/discard",
                       data={"csrf": token, "confirm": "yes"}).status_code == 404
    assert client.post("/ingest/quarantine/..%2F..%2Fx/retry",
                       data={"csrf": token}).status_code == 404


def test_audit_from_the_browser(own: tuple[Flask, WebHome]) -> None:
    app, home = own
    client = signed_in(app, "admin")
    assert "Chưa có báo cáo kiểm tra" in client.get("/audit").get_data(as_text=True)
    token = csrf_of(client, "/audit")
    assert client.post("/audit/run", data={"csrf": token}).status_code == 303
    runner = app.extensions["sohoa_web"].audits
    runner.join(300)
    assert not runner.state.running and runner.state.error == ""
    html = client.get("/audit").get_data(as_text=True)
    assert 'id="audit-verdict">Không phát hiện vấn đề' in html
    assert "Không có vấn đề (lần kiểm tra" in client.get(f"/d/{home.plan_id}").get_data(
        as_text=True)
    assert [e["actor"] for e in events(home.home) if e["type"] == "audit"] == ["admin"]


# -- accounts ------------------------------------------------------------------------------------

def test_admin_manages_users_and_disabling_ends_sessions(own: tuple[Flask, WebHome]) -> None:
    app, _ = own
    admin = signed_in(app, "admin")
    token = csrf_of(admin, "/users")
    bad = admin.post("/users", data={"csrf": token, "name": "moi", "role": "viewer",
                                     "clearance": "mat", "password": PASSWORD})
    assert bad.status_code == 400
    added = admin.post("/users", data={"csrf": token, "name": "moi", "role": "archivist",
                                       "clearance": "none", "password": PASSWORD})
    assert added.status_code == 303
    newcomer = signed_in(app, "moi")
    assert newcomer.get("/upload").status_code == 200
    assert admin.post("/users/moi/state", data={"csrf": token, "disabled": "1"}
                      ).status_code == 303
    assert newcomer.get("/upload").status_code == 302  # signed out at once
    assert login(app.test_client(), "moi", ip="10.3.0.1").status_code == 401
    admin.post("/users/admin/state", data={"csrf": token, "disabled": "1"})
    assert admin.get("/users").status_code == 200  # an admin cannot lock themself out


def test_password_change_ends_other_sessions(own: tuple[Flask, WebHome]) -> None:
    app, _ = own
    first = signed_in(app, "luutru")
    second = signed_in(app, "luutru")
    token = csrf_of(first, "/account")
    wrong = first.post("/account", data={"csrf": token, "current": "nope-nope-nope",
                                         "new": "mat-khau-moi-12345",
                                         "confirm": "mat-khau-moi-12345"})
    assert wrong.status_code == 400
    ok = first.post("/account", data={"csrf": token, "current": PASSWORD,
                                      "new": "mat-khau-moi-12345",
                                      "confirm": "mat-khau-moi-12345"})
    assert ok.status_code == 302
    assert first.get("/upload").status_code == 200
    assert second.get("/upload").status_code == 302
    assert login(app.test_client(), "luutru", "mat-khau-moi-12345", ip="10.4.0.1"
                 ).status_code == 302


def test_sessions_expire_when_idle(own: tuple[Flask, WebHome]) -> None:
    app, _ = own
    client = signed_in(app, "xem")
    sessions = app.extensions["sohoa_web"].sessions
    sessions._conn().execute("UPDATE sessions SET seen = ?",
                             (time.time() - sessions.idle_s - 1,))
    response = client.get("/")
    assert response.status_code == 302
    assert "Phiên làm việc đã kết thúc" in client.get(response.headers["Location"]).get_data(
        as_text=True)
