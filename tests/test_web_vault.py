"""The vault in the web UI through Flask's test client, over the home the real pipeline built
(tests/browser/webhome.py: one MẬT report, an officer `canbo` cleared for MẬT).

Unlocking is per session and in server memory only; every look is logged; anyone not cleared
gets "not found" from every route; downloads are numbered copies in the register.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.browser.webhome import WebHome, copy_web_home, shared_web_home
from tests.conftest import PASSPHRASE
from tests.test_web import _make_app, csrf_of, events, signed_in

PHRASE = "tình hình an ninh nội bộ"


@pytest.fixture
def vault_app(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
              ) -> Iterator[tuple[Flask, WebHome]]:
    copy = copy_web_home(shared_web_home(tmp_path_factory), tmp_path)
    app = _make_app(copy.home)
    yield app, copy
    app.extensions["sohoa"].close()


def _unlock(client, passphrase: str = PASSPHRASE):  # type: ignore[no-untyped-def]
    token = csrf_of(client, "/vault")
    return client.post("/vault/unlock", data={"csrf": token, "passphrase": passphrase,
                                              "next": ""})


def test_officer_unlocks_reads_and_every_look_is_logged(vault_app: tuple[Flask, WebHome]
                                                        ) -> None:
    app, home = vault_app
    doc = home.secret_id
    officer = signed_in(app, "canbo")
    listing = officer.get("/vault").get_data(as_text=True)
    assert doc in listing and 'id="unlock-form"' in listing
    # Locked: the page sends the officer to unlock first, showing nothing of the document.
    locked = officer.get(f"/vault/d/{doc}")
    assert locked.status_code == 302 and locked.headers["Location"].startswith("/vault?next=")
    # A wrong passphrase does not unlock, and is logged.
    assert _unlock(officer, "not-the-passphrase").status_code == 302
    assert events(home.home)[-1]["type"] == "vault_unlock"
    assert events(home.home)[-1]["data"]["granted"] is False
    assert officer.get(f"/vault/d/{doc}").status_code == 302
    # Unlocked: the decrypted text is shown, never cached, and the view is an event.
    assert _unlock(officer).status_code == 302
    page = officer.get(f"/vault/d/{doc}")
    assert page.status_code == 200 and PHRASE in page.get_data(as_text=True)
    assert "no-store" in page.headers["Cache-Control"]
    views = [e for e in events(home.home) if e["type"] == "access" and e["doc_id"] == doc]
    assert views[-1]["actor"] == "canbo" and views[-1]["data"]["granted"] is True
    assert PHRASE not in (home.home / "log" / "events.jsonl").read_text(encoding="utf-8")
    # The identity stays on the server: the cookie holds a session reference only.
    cookie = officer.get_cookie("sohoa")
    assert cookie is not None and "AGE-SECRET-KEY" not in cookie.value.upper()
    # A numbered, marked, signed copy to print; the original as a registered download.
    copy = officer.get(f"/vault/d/{doc}/copy.pdf")
    assert copy.status_code == 200 and copy.data.startswith(b"%PDF")
    from archive.signing import check_pdf_signatures

    service = app.extensions["sohoa"]
    assert check_pdf_signatures(copy.data, service.archive.identity.trust_roots()).ok
    original = officer.get(f"/vault/d/{doc}/original")
    assert original.status_code == 200 and original.data.startswith(b"%PDF")
    register = service.archive.vault_catalog.copies(doc)
    assert [(c.kind, c.state, c.made_by) for c in register][-2:] == [
        ("print", "made", "web:canbo"), ("download", "made", "web:canbo")]
    actions = [e["data"]["action"] for e in events(home.home)
               if e["type"] == "access" and e["doc_id"] == doc]
    assert {"view", "print", "download_original"} <= set(actions)
    # Another session of the same officer is not unlocked; signing out locks this one.
    other = signed_in(app, "canbo")
    assert other.get(f"/vault/d/{doc}").status_code == 302
    token = csrf_of(officer, "/vault")
    officer.post("/logout", data={"csrf": token})
    again = signed_in(app, "canbo")
    assert again.get(f"/vault/d/{doc}").status_code == 302


@pytest.mark.parametrize("name", ["xem", "luutru", "admin"])
def test_without_clearance_every_vault_route_is_not_found(vault_app: tuple[Flask, WebHome],
                                                          name: str) -> None:
    app, home = vault_app
    doc = home.secret_id
    client = signed_in(app, name)
    for suffix in ("", "/original", "/copy.pdf"):
        assert client.get(f"/vault/d/{doc}{suffix}").status_code == 404, suffix
        assert client.get(f"/vault/d/{'a' * 24}{suffix}").status_code == 404, suffix
    assert client.get("/vault").status_code == 403  # the page itself is for officers
    denied = [e for e in events(home.home) if e["type"] == "access" and e["actor"] == name]
    assert denied and not any(e["data"]["granted"] for e in denied)


def test_a_lower_clearance_does_not_see_a_higher_level(vault_app: tuple[Flask, WebHome]
                                                       ) -> None:
    """An officer cleared for MẬT does not see (nor learn of) a TỐI MẬT document."""
    import sqlite3

    app, home = vault_app
    with sqlite3.connect(home.home / "vault" / "catalog.db") as conn:
        conn.execute("UPDATE documents SET secrecy = 'toi_mat' WHERE doc_id = ?",
                     (home.secret_id,))
    officer = signed_in(app, "canbo")
    assert _unlock(officer).status_code == 302
    assert home.secret_id not in officer.get("/vault").get_data(as_text=True)
    for suffix in ("", "/original", "/copy.pdf"):
        assert officer.get(f"/vault/d/{home.secret_id}{suffix}").status_code == 404


def test_a_busy_server_is_not_a_wrong_passphrase(vault_app: tuple[Flask, WebHome],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from sohoa.errors import VaultBusyError

    app, home = vault_app
    vault = app.extensions["sohoa"].archive.vault

    def busy(passphrase: str) -> None:
        raise VaultBusyError("too busy")

    monkeypatch.setattr(vault, "unlock", busy)
    officer = signed_in(app, "canbo")
    response = _unlock(officer)
    assert response.status_code == 302
    page = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Máy chủ đang bận" in page and "Sai mật khẩu" not in page
    last = events(home.home)[-1]
    assert last["type"] == "vault_unlock" and last["data"] == {"granted": False, "reason": "busy"}
