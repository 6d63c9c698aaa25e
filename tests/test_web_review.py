"""The review queue in the browser, through Flask's test client, over a home built by the real
pipeline (tests/browser/reviewhome.py: the web test home plus one open notice waiting for review,
with an urgency stamp whose box the review page draws over the page image).

Confirm, correct metadata (event with before/after, new record version, index), raise secrecy
to MẬT (confirmation step, then gone from the open archive for everyone not cleared; a stub for
a MẬT officer), vault stubs only for the cleared, CSRF, stale forms, roles.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from archive.catalog import with_status
from sohoa.settings import load_settings
from tests.browser.reviewhome import (
    REVIEW_NUMBER,
    REVIEW_PHRASE,
    ReviewHome,
    copy_review_home,
    shared_review_home,
)
from tests.test_web import csrf_of, events, main_of, signed_in
from tests.test_web_filters import facet_links
from tests.test_web_filters import hits as search_hits
from web import create_app
from web.evidence import page_views, raster_size, turn_box


@pytest.fixture(scope="session")
def review_home(tmp_path_factory: pytest.TempPathFactory) -> ReviewHome:
    return shared_review_home(tmp_path_factory)


@pytest.fixture
def own(review_home: ReviewHome, tmp_path: Path) -> Iterator[tuple[Flask, ReviewHome]]:
    copy = copy_review_home(review_home, tmp_path)
    app = create_app(load_settings(copy.home, environ={}), testing=True)
    yield app, copy
    app.extensions["sohoa"].close()


class _Forms(HTMLParser):
    """Every <form> of a page: its action and the fields a browser would submit."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict] = {}
        self._form: dict | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "fields": {}}
            self.forms[a.get("id") or f"form{len(self.forms)}"] = self._form
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "checkbox"):
            self._form["fields"][a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select, self._first_option = a.get("name"), None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
                self._form["fields"].setdefault(self._select, self._first_option)
            if "selected" in a:
                self._form["fields"][self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._form["fields"][self._textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data


def forms_of(html: str) -> dict[str, dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def review_form(client: FlaskClient, doc_id: str, form_id: str = "correct-form") -> dict:
    page = client.get(f"/review/{doc_id}")
    assert page.status_code == 200
    return forms_of(page.get_data(as_text=True))[form_id]


def search_ids(client: FlaskClient, query: str) -> list[str]:
    html = client.get("/", query_string={"q": query}).get_data(as_text=True)
    return re.findall(r'class="hit-title"><a href="/d/([a-z2-7]+)"', html)


def doc_events(home: Path, doc_id: str, kind: str) -> list[dict]:
    return [e for e in events(home) if e.get("type") == kind and e.get("doc_id") == doc_id]


# -- the queue -----------------------------------------------------------------------------------

def test_queue_lists_open_items_and_vault_stubs_only_for_the_cleared(
        own: tuple[Flask, ReviewHome]) -> None:
    app, home = own
    rid, secret = home.review_id, home.web.secret_id
    vault = app.extensions["sohoa"].archive.vault_catalog
    row = vault.get(secret)
    vault.update_document(with_status(row, review=True))
    archivist = signed_in(app, "luutru")
    html = main_of(archivist.get("/review"))
    assert f'href="/review/{rid}"' in html and REVIEW_NUMBER in html
    assert "Độ tin cậy OCR thấp (trang 1)" in html
    assert secret not in html and "kho mật" not in html  # not even that one exists
    officer = signed_in(app, "canbo")  # cleared for MẬT
    html = main_of(officer.get("/review"))
    assert f'href="/review/{rid}"' in html and f'href="/review/{secret}"' in html
    assert "Tài liệu mật (kho mật)" in html and "MẬT" in html
    stub = main_of(officer.get(f"/review/{secret}"))
    assert 'id="doc-secrecy">MẬT' in stub and "Số 05-BC" not in stub  # a stub: no content
    assert archivist.get(f"/review/{secret}").status_code == 404
    access = doc_events(home.home, secret, "access")
    assert [(e["actor"], e["data"]["action"], e["data"]["granted"]) for e in access][-2:] == [
        ("canbo", "review", True), ("luutru", "review", False)]
    # A higher level than the officer's clearance: gone from the officer's queue too.
    vault.update_document(with_status(vault.get(secret), secrecy="toi_mat"))
    assert secret not in main_of(officer.get("/review"))
    assert officer.get(f"/review/{secret}").status_code == 404


def test_viewer_cannot_review(own: tuple[Flask, ReviewHome]) -> None:
    app, home = own
    viewer = signed_in(app, "xem")
    token = csrf_of(viewer, "/")
    assert viewer.get("/review").status_code == 403
    assert viewer.get(f"/review/{home.review_id}").status_code == 403
    response = viewer.post(f"/review/{home.review_id}", data={"csrf": token, "action": "confirm"})
    assert response.status_code == 403
    assert 'href="/review"' not in viewer.get("/").get_data(as_text=True)  # not in the menu
    assert app.extensions["sohoa"].archive.catalog.get(home.review_id).review is True


# -- the review screen ---------------------------------------------------------------------------

def test_review_screen_draws_the_evidence_over_the_page(own: tuple[Flask, ReviewHome]) -> None:
    app, home = own
    client = signed_in(app, "luutru")
    html = main_of(client.get(f"/review/{home.review_id}"))
    # The page image inside an SVG whose viewBox is the 200 dpi classification raster of an A4
    # page drawn at 150 dpi (1240 px = 595.2 pt wide); the stamp was drawn at x 130-270,
    # y 274-324 of the 150 dpi image: x 173-360, y 365-432 in the raster.
    view = re.search(r'<svg class="page-overlay" viewBox="0 0 ([\d.]+) ([\d.]+)"', html)
    assert view, "no overlay"
    assert abs(float(view.group(1)) - 1653.3) < 1 and abs(float(view.group(2)) - 2338.7) < 1
    assert f'<image href="/d/{home.review_id}/page/1.png"' in html
    rects = re.findall(r'<rect class="ev-box" data-evidence="(\d+)" x="([\d.]+)" y="([\d.]+)" '
                       r'width="([\d.]+)" height="([\d.]+)"', html)
    assert len(rects) == 1, rects
    _, x, y, w, h = (float(v) for v in rects[0])
    assert abs(x - 173) < 12 and abs(y - 365) < 12
    assert abs(x + w - 360) < 12 and abs(y + h - 432) < 12
    assert "Dấu độ khẩn" in html and "urgency khan" in html  # the evidence list, with its detail
    assert "Độ tin cậy OCR thấp (trang 1)" in html
    image = client.get(f"/d/{home.review_id}/page/1.png")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    form = forms_of(html)["correct-form"]["fields"]
    assert form["number_symbol"] == REVIEW_NUMBER and form["doc_type"] == "thong_bao"
    assert form["date"] == "05/06/2025" and form["urgency"] == "khan"  # dd/mm/yyyy
    assert form["secrecy"] == "none" and form["csrf"] and form["token"]
    # The document page links here for people who may review.
    assert f'href="/review/{home.review_id}"' in client.get(f"/d/{home.review_id}").get_data(
        as_text=True)


def test_evidence_boxes_follow_the_page_turn() -> None:
    # A 100 x 50 raster turned a quarter clockwise is 50 x 100; the top-left corner goes right.
    assert turn_box((10, 5, 20, 15), 100, 50, 90) == (35, 10, 45, 20)
    assert turn_box((10, 5, 20, 15), 100, 50, 180) == (80, 35, 90, 45)
    assert turn_box((10, 5, 20, 15), 100, 50, 270) == (5, 80, 15, 90)
    assert turn_box((10, 5, 20, 15), 100, 50, 0) == (10, 5, 20, 15)
    w, h = raster_size(595.2, 841.8)
    views = page_views(
        [{"signal": "stamp_text", "level": "mat", "page": 1, "bbox": [100, 200, 300, 260]},
         {"signal": "copy_count", "level": "mat", "page": 1, "bbox": None},
         {"signal": "x", "level": "none", "page": 1, "bbox": [0, 0, 1e9, 1e9]},
         {"signal": "y", "level": "none", "page": 2, "bbox": ["a", 1, 2, 3]},
         {"signal": "z", "level": "none", "page": 7, "bbox": [1, 1, 2, 2]}],
        [{"number": 1, "rotated_cw": 90}], {1: (841.8, 595.2), 2: (595.2, 841.8)})
    assert set(views) == {1}
    page = views[1]
    assert (page.width, page.height) == (round(h, 1), round(w, 1))  # landscape after the turn
    first, clipped = page.boxes
    assert (first.number, first.classified) == (1, True)
    assert (first.x, first.y, first.width, first.height) == (
        round(h - 260, 1), 100, 60, 200)
    assert (clipped.number, clipped.x, clipped.y) == (3, 0, 0)
    assert (clipped.width, clipped.height) == (page.width, page.height)


# -- confirm and correct -------------------------------------------------------------------------

def test_confirm(own: tuple[Flask, ReviewHome]) -> None:
    app, home = own
    archive = app.extensions["sohoa"].archive
    before = archive.catalog.get(home.review_id)
    client = signed_in(app, "luutru")
    form = review_form(client, home.review_id, "confirm-form")
    response = client.post(form["action"], data=form["fields"])
    assert response.status_code == 303 and response.headers["Location"] == "/review"
    assert "Đã xác nhận" in client.get("/review").get_data(as_text=True)
    after = archive.catalog.get(home.review_id)
    assert after.review is False and after.record_object != before.record_object
    assert after.metadata == before.metadata
    record = archive.open_record(after)
    assert record["version"] == 2 and record["previous_record"] == before.record_object
    assert record["classification"]["reviewed"]["by"] == "luutru"
    assert archive.store.exists(before.record_object)  # the earlier version is kept
    [event] = doc_events(home.home, home.review_id, "review_confirm")
    assert event["actor"] == "luutru" and event["data"]["zone"] == "open"
    assert "Không có văn bản nào chờ xét duyệt" in client.get("/review").get_data(as_text=True)
    # The same form again: the document changed since, nothing is written.
    again = client.post(form["action"], data=form["fields"])
    assert again.status_code == 303 and again.headers["Location"] == f"/review/{home.review_id}"
    assert len(doc_events(home.home, home.review_id, "review_confirm")) == 1


def test_correct_metadata(own: tuple[Flask, ReviewHome]) -> None:
    app, home = own
    service = app.extensions["sohoa"]
    archive = service.archive
    before = archive.catalog.get(home.review_id)
    old_abstract = before.metadata["abstract"]
    client = signed_in(app, "luutru")
    assert home.review_id not in search_ids(client, "thang may chung cu")
    form = review_form(client, home.review_id)
    fields = {**form["fields"], "abstract": "về kiểm tra an toàn thang máy chung cư",
              "date": "6/6/2025",
              "signer": "Nguyễn Văn Bình", "signer_title": "CHỦ TỊCH",
              "recipients": "Các tổ dân phố;\r\nLưu: VT."}
    response = client.post(form["action"], data=fields)
    assert response.status_code == 303 and response.headers["Location"] == "/review"
    after = archive.catalog.get(home.review_id)
    assert after.review is False and after.zone == "open"
    assert after.metadata["abstract"] == "về kiểm tra an toàn thang máy chung cư"
    assert after.metadata["number_symbol"] == REVIEW_NUMBER  # untouched fields stay
    record = archive.open_record(after)
    assert record["version"] == 2 and record["previous_record"] == before.record_object
    assert record["metadata"]["recipients"] == ["Các tổ dân phố;", "Lưu: VT."]
    [event] = doc_events(home.home, home.review_id, "review_correct")
    assert event["actor"] == "luutru"
    changes = event["data"]["changes"]
    assert set(changes) == {"abstract", "date", "signer", "signer_title", "recipients"}
    assert changes["date"] == {"before": "2025-06-05", "after": "2025-06-06"}  # stored ISO
    assert changes["abstract"] == {"before": old_abstract,
                                   "after": "về kiểm tra an toàn thang máy chung cư"}
    assert changes["signer"] == {"before": "", "after": "Nguyễn Văn Bình"}
    assert event["data"]["record_sha256"] == after.record_object
    # The index follows: the new abstract is found, with or without diacritics.
    for query in ("thang máy chung cư", "thang may chung cu"):
        assert search_ids(client, query)[:1] == [home.review_id], query
    page = client.get(f"/d/{home.review_id}").get_data(as_text=True)
    assert "Nguyễn Văn Bình" in page and "Sửa khi xét duyệt" in page  # metadata and history
    # The corrected signer is a search facet now; clicking it filters by it.
    results = client.get("/", query_string={"q": "phuong"}).get_data(as_text=True)
    href, count, _ = facet_links(results, "signer")["Nguyễn Văn Bình"]
    assert count == 1 and search_hits(client.get(href).get_data(as_text=True)) == [home.review_id]


def test_invalid_values_are_refused_and_nothing_is_written(own: tuple[Flask, ReviewHome]) -> None:
    app, home = own
    archive = app.extensions["sohoa"].archive
    before = archive.catalog.get(home.review_id)
    client = signed_in(app, "luutru")
    form = review_form(client, home.review_id)
    for bad in ({"date": "30/02/2025"}, {"date": "2025-06"}, {"urgency": "<b>"},
                {"doc_type": "../x"}, {"secrecy": "bi_mat"}, {"family": "x"}):
        response = client.post(form["action"], data={**form["fields"], **bad,
                                                      "abstract": "<script>x</script>"})
        assert response.status_code == 400, bad
        html = response.get_data(as_text=True)
        assert 'id="form-problems"' in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert archive.catalog.get(home.review_id) == before
    assert not doc_events(home.home, home.review_id, "review_correct")


def test_unchanged_form_confirms(own: tuple[Flask, ReviewHome]) -> None:
    app, home = own
    client = signed_in(app, "admin")
    form = review_form(client, home.review_id)
    response = client.post(form["action"], data=form["fields"])
    assert response.status_code == 303
    assert "Không có thay đổi" in client.get("/review").get_data(as_text=True)
    assert doc_events(home.home, home.review_id, "review_confirm")[0]["actor"] == "admin"
    assert not doc_events(home.home, home.review_id, "review_correct")


def test_csrf_required(own: tuple[Flask, ReviewHome]) -> None:
    app, home = own
    client = signed_in(app, "luutru")
    form = review_form(client, home.review_id, "confirm-form")
    fields = dict(form["fields"])
    token = fields.pop("csrf")
    assert client.post(form["action"], data=fields).status_code == 400
    assert client.post(form["action"], data={**fields, "csrf": token[:-2] + "xx"}
                       ).status_code == 400
    foreign = client.post(form["action"], data={**fields, "csrf": token},
                          headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 400
    assert app.extensions["sohoa"].archive.catalog.get(home.review_id).review is True
    assert not doc_events(home.home, home.review_id, "review_confirm")


# -- secrecy -------------------------------------------------------------------------------------

def test_correct_secrecy_to_mat_moves_the_document_out_of_the_open_archive(
        own: tuple[Flask, ReviewHome]) -> None:
    app, home = own
    rid = home.review_id
    service = app.extensions["sohoa"]
    archive = service.archive
    before = archive.catalog.get(rid)
    viewer = signed_in(app, "xem")
    assert rid in search_ids(viewer, REVIEW_PHRASE)
    client = signed_in(app, "luutru")
    form = review_form(client, rid)
    step = client.post(form["action"], data={**form["fields"], "secrecy": "mat",
                                             "abstract": "về kiểm tra nội bộ"})
    # First the confirmation step; nothing has moved yet.
    assert step.status_code == 200
    html = step.get_data(as_text=True)
    assert "Chuyển văn bản vào kho mật?" in html and 'id="move-not-cleared"' in html
    assert archive.catalog.get(rid) == before
    confirm = next(f for f in forms_of(html).values()
                   if f["fields"].get("confirm_move") == "yes")
    assert confirm["fields"]["abstract"] == "về kiểm tra nội bộ"
    moved = client.post(confirm["action"], data=confirm["fields"])
    assert moved.status_code == 303 and moved.headers["Location"] == "/review"
    assert "Đã chuyển văn bản vào kho mật (MẬT)" in client.get("/review").get_data(as_text=True)
    # Gone from the open side: catalog, index, store; the vault has it.
    assert archive.catalog.get(rid) is None
    vrow = archive.vault_catalog.get(rid)
    assert vrow is not None and vrow.secrecy == "mat" and vrow.status == "classified"
    assert rid not in service.index.doc_ids()
    assert not archive.store.exists(before.original_object)
    assert not archive.store.exists(before.archival_object)
    [event] = doc_events(home.home, rid, "reclassify")
    assert event["actor"] == "luutru"
    assert (event["data"]["before"], event["data"]["after"]) == ("none", "mat")
    assert event["data"]["fields"] == ["abstract"]  # names only: the values are secret now
    assert "nội bộ" not in json.dumps(event, ensure_ascii=False)
    # Not found for everyone not cleared, including the archivist who moved it.
    for who in (viewer, client):
        assert rid not in search_ids(who, REVIEW_PHRASE)
        for path in (f"/d/{rid}", f"/d/{rid}/page/1.png", f"/d/{rid}/original",
                     f"/d/{rid}/archival.pdf"):
            assert who.get(path).status_code == 404, path
    assert client.get(f"/review/{rid}").status_code == 404  # (a viewer gets 403 for any id)
    # A MẬT officer sees the vault's stub.
    officer = signed_in(app, "canbo")
    page = officer.get(f"/d/{rid}")
    assert page.status_code == 200 and 'id="doc-secrecy">MẬT' in page.get_data(as_text=True)
    assert rid not in search_ids(officer, REVIEW_PHRASE)  # the open search never lists it
    assert officer.get(f"/review/{rid}").status_code == 200


def test_vault_stub_confirm_and_level_change(own: tuple[Flask, ReviewHome]) -> None:
    app, home = own
    secret = home.web.secret_id
    vault = app.extensions["sohoa"].archive.vault_catalog
    vault.update_document(with_status(vault.get(secret), review=True))
    archivist = signed_in(app, "luutru")
    officer = signed_in(app, "canbo")
    form = review_form(officer, secret, "confirm-form")
    token = csrf_of(archivist, "/review")
    assert archivist.post(form["action"], data={**form["fields"], "csrf": token}
                          ).status_code == 404
    # Declassifying is the vault's own procedure, not a review action.
    level = review_form(officer, secret, "level-form")
    refused = officer.post(level["action"], data={**level["fields"], "secrecy": "none"})
    assert refused.status_code == 400
    assert officer.post(form["action"], data=form["fields"]).status_code == 303
    row = vault.get(secret)
    assert row.review is False and row.secrecy == "mat"
    [event] = doc_events(home.home, secret, "review_confirm")
    assert event["actor"] == "canbo" and event["data"]["zone"] == "vault"
    assert secret not in main_of(officer.get("/review"))
    # Raising the level within the vault.
    level = review_form(officer, secret, "level-form")
    assert officer.post(level["action"], data={**level["fields"], "secrecy": "toi_mat"}
                        ).status_code == 303
    assert vault.get(secret).secrecy == "toi_mat"
    assert officer.get(f"/d/{secret}").status_code == 404  # above this officer's clearance now
