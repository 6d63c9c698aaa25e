"""The export page through Flask's test client, over the home the real pipeline built
(tests/browser/webhome.py: one MẬT report in the vault, an officer `canbo` cleared for MẬT).

The download is the CLI's export: decrypted here with identities made in the test, it is a tar
holding one signed BagIt bag with the chosen document, and `verify_export` finds it valid. It
needs the vault unlocked in the session, the officer's role and clearance, good recipients and
the CSRF token; the work area in RAM is empty afterwards.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pyrage
import pytest
from flask import Flask
from flask.testing import FlaskClient

from archive.exportcheck import verify_export
from tests.browser.webhome import WebHome, copy_web_home, shared_web_home
from tests.conftest import PASSPHRASE
from tests.test_web import _make_app, csrf_of, events, signed_in

PHRASE = "tình hình an ninh nội bộ"
NAME_RE = re.compile(r'attachment; filename=(xuat-mat-\d{8}-\d{4}\.age)$')


@pytest.fixture
def export_app(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
               ) -> Iterator[tuple[Flask, WebHome, Path]]:
    """An app over a copy of the web home, with its own RAM work area (to see it left empty)."""
    copy = copy_web_home(shared_web_home(tmp_path_factory), tmp_path)
    ram = tmp_path / "ram"
    ram.mkdir()
    app = _make_app(copy.home, ocr__ram_tmp_dir=str(ram))
    yield app, copy, ram
    app.extensions["sohoa"].close()


def _keypair() -> tuple[pyrage.x25519.Identity, str]:
    identity = pyrage.x25519.Identity.generate()
    return identity, str(identity.to_public())


def _unlocked(app: Flask, name: str = "canbo") -> FlaskClient:
    client = signed_in(app, name)
    token = csrf_of(client, "/export")
    response = client.post("/vault/unlock", data={"csrf": token, "passphrase": PASSPHRASE,
                                                  "next": "/export"})
    assert response.status_code == 302 and response.headers["Location"] == "/export"
    return client


def _post(client: FlaskClient, **form: object):  # type: ignore[no-untyped-def]
    data = {"csrf": csrf_of(client, "/export"), "marked": "1", **form}
    return client.post("/export", data=data)


def _exports(home: Path) -> list[dict]:
    return [e for e in events(home) if e["type"] == "export"]


def _number_of(app: Flask, doc_id: str) -> str:
    archive = app.extensions["sohoa"].archive
    row = archive.vault_catalog.get(doc_id)
    record = json.loads(archive.vault.unlock(PASSPHRASE).read(row.record_object))
    number = record["metadata"]["number_symbol"]
    assert number
    return str(number)


def _bag_names(plain: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r:") as tar:
        return tar.getnames()


def test_officer_exports_and_the_bundle_verifies(export_app: tuple[Flask, WebHome, Path],
                                                 tmp_path: Path) -> None:
    app, home, ram = export_app
    doc = home.secret_id
    officer = signed_in(app, "canbo")
    # Locked: the stubs and the unlock form that comes back here; nothing to tick yet.
    locked = officer.get("/export").get_data(as_text=True)
    assert 'id="unlock-form"' in locked and 'name="next" value="/export"' in locked
    assert doc in locked and 'name="doc"' not in locked and PHRASE not in locked
    officer = _unlocked(app)
    page = officer.get("/export")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert f'id="doc-{doc}"' in html and 'id="recipients"' in html
    assert _number_of(app, doc) in html  # from the decrypted record (whatever the OCR read)
    assert f'for="doc-{doc}"' in html and 'for="recipients"' in html and 'for="marked"' in html
    listed = [e for e in events(home.home) if e["type"] == "vault_list"]
    assert listed[-1]["actor"] == "canbo" and listed[-1]["data"]["doc_ids"] == [doc]

    first, first_key = _keypair()
    second, second_key = _keypair()
    recipients = f"# Văn phòng Quận ủy\n{first_key}\n\n  {second_key}  \n"
    response = _post(officer, doc=doc, recipients=recipients)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/octet-stream"
    assert NAME_RE.match(response.headers["Content-Disposition"])
    assert "no-store" in response.headers["Cache-Control"]
    data = response.get_data()
    assert int(response.headers["Content-Length"]) == len(data)
    assert data.startswith(b"age-encryption.org/v1\n") and PHRASE.encode() not in data
    # Each recipient decrypts it: a tar holding one bag with the chosen document.
    plain = pyrage.decrypt(data, [second])
    assert pyrage.decrypt(data, [first]) == plain
    names = _bag_names(plain)
    root = names[0]
    assert root.startswith("sohoa-export-") and all(n.startswith(root) for n in names)
    assert f"{root}/bagit.txt" in names and f"{root}/tagmanifest-sha256.txt.p7s" in names
    assert {f"{root}/data/{doc}/{f}" for f in ("original.pdf", "archival.pdf",
                                               "metadata.json", "proof.json")} <= set(names)
    assert any(re.fullmatch(rf"{root}/data/{doc}/copy-\d\d\.pdf", n) for n in names)
    saved = tmp_path / "xuat.age"
    saved.write_bytes(data)
    check = verify_export(saved, [first], workdir=tmp_path)
    assert check.ok, check.problems
    assert check.documents == [doc] and check.level == "mat"
    # Logged as the CLI logs it, the web user as the exporter; copies numbered in the register.
    logged = _exports(home.home)[-1]
    assert logged["actor"] == "web:canbo" and logged["data"]["doc_ids"] == [doc]
    assert logged["data"]["recipients"] == [first_key, second_key]
    assert logged["data"]["export_id"] == response.headers["X-Sohoa-Export-Id"]
    register = app.extensions["sohoa"].archive.vault_catalog.copies(doc)
    assert (register[-1].kind, register[-1].state, register[-1].made_by) == (
        "export", "made", "web:canbo")
    access = [e for e in events(home.home) if e["type"] == "access" and e["doc_id"] == doc]
    assert access[-1]["data"]["action"] == "export" and access[-1]["data"]["granted"] is True
    # Nothing stays in the RAM work area, and the log holds no plaintext.
    assert list(ram.iterdir()) == []
    assert PHRASE not in (home.home / "log" / "events.jsonl").read_text(encoding="utf-8")

    # A whole level, without the marked copies.
    by_level = _post(officer, level="mat", recipients=first_key, marked="")
    assert by_level.status_code == 200
    names = _bag_names(pyrage.decrypt(by_level.get_data(), [first]))
    files = {n.rsplit("/", 1)[-1] for n in names if f"/data/{doc}/" in n}
    assert files == {"original.pdf", "archival.pdf", "metadata.json", "proof.json"}
    assert _exports(home.home)[-1]["data"]["doc_ids"] == [doc]
    assert list(ram.iterdir()) == []


def test_export_needs_the_vault_unlocked_in_this_session(
        export_app: tuple[Flask, WebHome, Path]) -> None:
    app, home, ram = export_app
    _unlocked(app)  # another session of the same officer does not count
    officer = signed_in(app, "canbo")
    _identity, key = _keypair()
    response = _post(officer, doc=home.secret_id, recipients=key)
    assert response.status_code == 302 and response.headers["Location"] == "/export"
    page = officer.get("/export").get_data(as_text=True)
    assert "Kho mật đang khóa" in page and 'id="unlock-form"' in page
    assert _exports(home.home) == [] and list(ram.iterdir()) == []


@pytest.mark.parametrize("name", ["xem", "luutru", "admin"])
def test_export_is_for_officers(export_app: tuple[Flask, WebHome, Path], name: str) -> None:
    app, home, _ram = export_app
    client = signed_in(app, name)
    assert client.get("/export").status_code == 403
    _identity, key = _keypair()
    token = csrf_of(client, "/")
    response = client.post("/export", data={"csrf": token, "doc": home.secret_id,
                                            "recipients": key})
    assert response.status_code == 403
    assert 'href="/export"' not in client.get("/").get_data(as_text=True)
    assert _exports(home.home) == []


def test_bad_recipients_are_named_line_by_line(export_app: tuple[Flask, WebHome, Path]
                                               ) -> None:
    app, home, _ram = export_app
    officer = _unlocked(app)
    identity, key = _keypair()
    secret = str(identity)
    typed = f"{key}\nage1khongphaikhoa\n{secret}\n# ghi chú\n"
    response = _post(officer, doc=home.secret_id, recipients=typed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Dòng 2: “age1khongphaikhoa” không phải khóa công khai age" in html
    assert "Dòng 3 là một khóa bí mật" in html
    assert secret not in html and secret.lower() not in html  # never shown back
    assert key in html and 'aria-invalid="true"' in html  # the rest kept for correcting
    assert f'id="doc-{home.secret_id}" checked' in html
    # No recipient at all, no document at all: said so, in English too.
    assert _post(officer, doc=home.secret_id, recipients="\n# -\n").status_code == 400
    officer.set_cookie("sohoa_lang", "en")
    english = _post(officer, recipients=key)
    assert english.status_code == 400
    assert "Choose at least one document or a level." in english.get_data(as_text=True)
    english = _post(officer, doc=home.secret_id, recipients="age1x")
    assert "Line 1: “age1x” is not an age public key" in english.get_data(as_text=True)
    assert _exports(home.home) == []
    register = app.extensions["sohoa"].archive.vault_catalog.copies(home.secret_id)
    assert all(c.kind != "export" for c in register)


def test_nothing_above_the_clearance_is_listed_or_exported(
        export_app: tuple[Flask, WebHome, Path]) -> None:
    """`canbo` is cleared for MẬT; the document raised to TỐI MẬT is neither listed nor
    exportable, whether its id or its level is posted: "not found", and the try is logged."""
    app, home, _ram = export_app
    doc = home.secret_id
    with sqlite3.connect(home.home / "vault" / "catalog.db") as conn:
        conn.execute("UPDATE documents SET secrecy = 'toi_mat' WHERE doc_id = ?", (doc,))
    officer = _unlocked(app)
    page = officer.get("/export").get_data(as_text=True)
    assert doc not in page and 'id="export-empty"' in page and 'value="toi_mat"' not in page
    _identity, key = _keypair()
    token = csrf_of(officer, "/")
    for form in ({"doc": doc}, {"level": "toi_mat"}, {"level": "tuyet_mat"},
                 {"doc": home.plan_id}, {"doc": "a" * 24}):
        response = officer.post("/export", data={"csrf": token, "recipients": key, **form})
        assert response.status_code == 404, form
    denied = [e for e in events(home.home) if e["type"] == "access" and e["doc_id"] == doc]
    assert denied[-1]["data"] == {"action": "export", "level": "toi_mat", "granted": False}
    assert _exports(home.home) == []


def test_export_needs_the_csrf_token(export_app: tuple[Flask, WebHome, Path]) -> None:
    app, home, _ram = export_app
    officer = _unlocked(app)
    _identity, key = _keypair()
    form = {"doc": home.secret_id, "recipients": key, "marked": "1"}
    assert officer.post("/export", data=form).status_code == 400
    token = csrf_of(officer, "/export")
    assert officer.post("/export", data={**form, "csrf": token[:-2] + "xx"}).status_code == 400
    foreign = officer.post("/export", data={**form, "csrf": token},
                           headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 400
    assert _exports(home.home) == []
