"""Search filters in the page: facets with counts add a filter, chips remove it, date range.

Over the web test home (tests/browser/webhome.py): a Party plan of 15/08/2025 and a State
decision of 02/03/2024, both of the ward. Links are followed as a person would click them.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sohoa.settings import load_settings
from tests.browser.webhome import WebHome, copy_web_home, shared_web_home
from tests.test_web import main_of, signed_in
from web import create_app


@pytest.fixture(scope="module")
def app_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, WebHome]]:
    copy = copy_web_home(shared_web_home(tmp_path_factory), tmp_path_factory.mktemp("filters"))
    app = create_app(load_settings(copy.home, environ={}), testing=True)
    yield app, copy
    app.extensions["sohoa"].close()


def hits(page: str) -> list[str]:
    return re.findall(r'class="hit-title"><a href="/d/([a-z2-7]+)"', page)


def facet_links(page: str, facet: str) -> dict[str, tuple[str, int, bool]]:
    """label -> (href, count, active) of one facet list."""
    block = re.search(rf'data-facet="{facet}">(.*?)</ul>', page, re.S)
    assert block, f"no {facet} facet"
    return {htmllib.unescape(label): (htmllib.unescape(href), int(n), 'aria-current="true"' in rest)
            for href, rest, label, n in re.findall(
                r'<li><a href="([^"]*)"([^>]*)><span class="facet-v">([^<]*)</span> '
                r'<span class="n">(\d+)</span>', block.group(1))}


def chips(page: str) -> dict[str, str]:
    """filter parameter -> href that removes it."""
    return {param: htmllib.unescape(href) for param, href in re.findall(
        r'<a class="chip" data-filter="([a-z]+)" href="([^"]*)"', page)}


def get(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return main_of(response)


def test_facet_adds_a_filter_and_its_chip_removes_it(app_home: tuple[Flask, WebHome]) -> None:
    app, home = app_home
    client = signed_in(app, "xem")
    page = get(client, "/?q=phuong")
    assert set(hits(page)) == {home.plan_id, home.hostile_id}
    assert chips(page) == {}
    types = facet_links(page, "doc_type")
    assert {k: v[1] for k, v in types.items()} == {"Kế hoạch": 1, "Quyết định": 1}
    href, _, active = types["Kế hoạch"]
    assert href == "/?q=phuong&type=ke_hoach" and not active
    filtered = get(client, href)
    assert hits(filtered) == [home.plan_id]
    assert facet_links(filtered, "doc_type")["Kế hoạch"][2]  # shown as the active value
    assert 'Loại văn bản:</span> Kế hoạch' in filtered
    assert chips(filtered) == {"type": "/?q=phuong"}
    # A second filter from another facet: two chips and a link that clears both.
    years = facet_links(filtered, "year")
    assert set(years) == {"2025"}
    both = get(client, years["2025"][0])
    assert hits(both) == [home.plan_id]
    assert chips(both) == {"type": "/?q=phuong&year=2025", "year": "/?q=phuong&type=ke_hoach"}
    assert 'class="chip chip-clear" href="/?q=phuong"' in both
    # Removing the chip brings the other document back.
    back = get(client, chips(filtered)["type"])
    assert set(hits(back)) == {home.plan_id, home.hostile_id} and chips(back) == {}
    # The active facet value is a way out too.
    assert get(client, facet_links(filtered, "doc_type")["Kế hoạch"][0]).count('class="hit"') == 2
    bodies = facet_links(page, "issuing_body")
    assert {k: v[1] for k, v in bodies.items()} == {"ĐẢNG ỦY PHƯỜNG HÀNG TRỐNG": 1,
                                                   "ỦY BAN NHÂN DÂN PHƯỜNG HÀNG TRỐNG": 1}
    by_body = get(client, bodies["ỦY BAN NHÂN DÂN PHƯỜNG HÀNG TRỐNG"][0])
    assert hits(by_body) == [home.hostile_id]


def test_date_range(app_home: tuple[Flask, WebHome]) -> None:
    app, home = app_home
    client = signed_in(app, "xem")
    page = get(client, "/?from=2025-01-01&to=2025-12-31")  # no words: the filters alone
    assert hits(page) == [home.plan_id]
    assert 'Từ ngày:</span> 01/01/2025' in page and 'Đến ngày:</span> 31/12/2025' in page
    assert chips(page) == {"from": "/?to=2025-12-31", "to": "/?from=2025-01-01"}
    assert re.search(r'id="from" name="from" [^>]*value="01/01/2025"', page)  # shown dd/mm/yyyy
    only_to = get(client, chips(page)["from"])
    assert set(hits(only_to)) == {home.plan_id, home.hostile_id}
    early = get(client, "/?q=phuong&to=2024-12-31")
    assert hits(early) == [home.hostile_id]
    swapped = get(client, "/?q=phuong&from=2025-12-31&to=2025-01-01")  # reversed: read as meant
    assert hits(swapped) == [home.plan_id]
    typed = get(client, "/?q=phuong&from=1/6/2025")  # as the form sends what a person types
    assert hits(typed) == [home.plan_id] and chips(typed) == {"from": "/?q=phuong"}
    for bad in ("2025-02-30", "32/01/2025", "<b>"):
        ignored = get(client, "/?q=phuong&from=" + quote(bad))
        assert len(hits(ignored)) == 2 and chips(ignored) == {}, bad
        # What was typed stays in the box, marked, with a hint; never as markup.
        assert 'aria-invalid="true"' in ignored and "ngày/tháng/năm" in ignored, bad
        assert re.search(r'id="from" [^>]*value="' + re.escape(htmllib.escape(bad)), ignored)


def test_signer_and_file_filters_stay_through_a_new_query(
        app_home: tuple[Flask, WebHome]) -> None:
    app, _home = app_home
    client = signed_in(app, "xem")
    page = get(client, "/?q=phuong&signer=Nguy%E1%BB%85n+V%C4%83n+A&file=HS-01")
    assert hits(page) == []
    assert 'Người ký:</span> Nguyễn Văn A' in page and 'Hồ sơ:</span> HS-01' in page
    # The form keeps them (hidden) so typing new words does not drop them.
    assert '<input type="hidden" name="signer" value="Nguyễn Văn A">' in page
    assert '<input type="hidden" name="file" value="HS-01">' in page
    assert chips(page)["signer"] == "/?q=phuong&file=HS-01"
