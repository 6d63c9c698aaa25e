"""The vault for officers: unlock for this session, read a classified document, download it.

Every document route goes through `find_document` (the one gate: not cleared means "not found",
and each look is an `access` event). The unlocked identity lives in server memory for the
session only (web/vaultsessions.py). Plaintext is decrypted into memory per request and sent
with `Cache-Control: no-store`; a downloaded PDF is a numbered copy, visibly marked, signed anew
and entered in the copy register.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from archive.export import marked_copy
from archive.vault import UnlockedVault
from sohoa.accounts import Permission, can_see
from sohoa.errors import NotFoundError, VaultBusyError, VaultLockedError
from web.context import _, requires, service, state, unlocked_vault, user
from web.documents import Found, find_document, level_of
from web.security import safe_next

bp = Blueprint("vault", __name__)
_EXT = {"pdf": "pdf", "tiff": "tif", "jpeg": "jpg", "png": "png"}


def _unlocked() -> UnlockedVault | None:
    return unlocked_vault()


def _find(doc_id: str, action: str) -> Found:
    try:
        found = find_document(service(), user(), doc_id, action)
    except NotFoundError:
        abort(404)
    if not found.classified:
        abort(404)
    return found


def _no_store(response: Any) -> Any:
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response


@bp.get("/vault")
@requires(Permission.VAULT)
def index() -> Any:
    u = user()
    rows = [r for r in service().archive.vault_catalog.documents() if can_see(u, level_of(r))]
    return render_template("vault.html", rows=rows, unlocked=_unlocked() is not None,
                           next=safe_next(request.args.get("next"), ""))


@bp.post("/vault/unlock")
@requires(Permission.VAULT)
def unlock() -> Any:
    u = user()
    assert u is not None
    archive = service().archive
    target = safe_next(request.form.get("next"), url_for("vault.index"))
    try:
        unlocked = archive.vault.unlock(request.form.get("passphrase", "")[:1024])
    except VaultBusyError:
        # Not a wrong passphrase: the server could not check it in time (archive/vault.py).
        archive.log.append("vault_unlock", actor=u.name, granted=False, reason="busy")
        flash(_("vault.busy"), "error")
        return redirect(url_for("vault.index", next=target))
    except VaultLockedError:
        archive.log.append("vault_unlock", actor=u.name, granted=False)
        flash(_("vault.wrong_passphrase"), "error")
        return redirect(url_for("vault.index", next=target))
    state().vault_unlocks.put(session["sid"], u.name, unlocked)
    archive.log.append("vault_unlock", actor=u.name, granted=True)
    flash(_("vault.unlocked"), "info")
    return redirect(target)


@bp.post("/vault/lock")
@requires(Permission.VAULT)
def lock() -> Any:
    state().vault_unlocks.drop(session.get("sid"))
    flash(_("vault.locked"), "info")
    return redirect(url_for("vault.index"))


@bp.get("/vault/d/<doc_id>")
def document(doc_id: str) -> Any:
    found = _find(doc_id, "view")
    unlocked = _unlocked()
    if unlocked is None:
        return redirect(url_for("vault.index", next=request.path))
    row = found.row
    record = json.loads(unlocked.read(row.record_object))
    copies = service().archive.vault_catalog.copies(row.doc_id)
    page = render_template("vault_document.html", row=row, level=found.level.value,
                           record=record, meta=record.get("metadata", {}), copies=copies)
    return _no_store(make_response(page))


@bp.get("/vault/d/<doc_id>/original")
def original(doc_id: str) -> Any:
    found = _find(doc_id, "download_original")
    unlocked = _unlocked()
    if unlocked is None:
        return redirect(url_for("vault.index", next=f"/vault/d/{doc_id}"))
    row = found.row
    u = user()
    assert u is not None
    buf = io.BytesIO()
    unlocked.decrypt_to(row.original_object, buf)
    buf.seek(0)
    record = json.loads(unlocked.read(row.record_object))
    copy = service().archive.vault_catalog.issue_copies(
        row.doc_id, 1, kind="download", state="made", made_by=f"web:{u.name}",
        made_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), reference="original")
    service().archive.log.append("copy", doc_id=row.doc_id, actor=u.name, kind="download",
                                 number=copy.first_number, level=row.secrecy)
    ext = _EXT.get(str(record.get("original", {}).get("kind", "")), "bin")
    return _no_store(send_file(buf, as_attachment=True, mimetype="application/octet-stream",
                               download_name=f"{doc_id}-goc-ban-{copy.first_number:02d}.{ext}",
                               max_age=0))


@bp.get("/vault/d/<doc_id>/copy.pdf")
def marked(doc_id: str) -> Any:
    """A numbered copy to read or print: the archival pages with the visible mark."""
    found = _find(doc_id, "print")
    unlocked = _unlocked()
    if unlocked is None:
        return redirect(url_for("vault.index", next=f"/vault/d/{doc_id}"))
    row = found.row
    if not row.archival_object:
        abort(404)  # a held TUYỆT MẬT document has no archival copy yet
    u = user()
    assert u is not None
    archive = service().archive
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    copy = archive.vault_catalog.issue_copies(row.doc_id, 1, kind="print", made_by=f"web:{u.name}",
                                              made_at=at, reference=f"print-{at}")
    base = Path(state().settings.ocr.ram_tmp_dir)
    work = Path(tempfile.mkdtemp(prefix="sohoa-print-", dir=base if base.is_dir() else None))
    os.chmod(work, 0o700)
    try:
        note = f"In {time.strftime('%d/%m/%Y', time.gmtime())} · {u.name}"
        try:
            signed = marked_copy(archive, unlocked, row, copy.first_number, note, work)
        except BaseException:
            archive.vault_catalog.set_copies_state(copy.reference, "cancelled")
            raise
        data = signed.read_bytes()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    archive.vault_catalog.set_copies_state(copy.reference, "made")
    archive.log.append("copy", doc_id=row.doc_id, actor=u.name, kind="print",
                       number=copy.first_number, level=row.secrecy)
    return _no_store(send_file(io.BytesIO(data), mimetype="application/pdf", max_age=0,
                               download_name=f"{doc_id}-ban-sao-{copy.first_number:02d}.pdf"))
