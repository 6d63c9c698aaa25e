"""Exports for officers: choose classified documents and recipients, download the age file.

The export is the one `sohoa export` makes (archive/export.py): a signed BagIt bag in one age
file, numbered copies in the register, one `export` event. What the web decides is what may go
in and how the file leaves:

- every document goes through `find_document` (the one gate), so a document above the officer's
  clearance is "not found" even when its id is posted, and each is an `access` event;
- the vault must be unlocked in this session (the identity stays in server memory);
- the ciphertext is written into a private directory in RAM (`ocr.ram_tmp_dir`), opened, and
  the directory removed before the first byte is sent: the open file is all that is left, and
  it holds ciphertext only (the export streams tar -> age; plaintext never reaches a file).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import pyrage
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from archive.catalog import DocumentRow
from archive.export import ExportRequest, ExportResult, export_documents
from archive.vault import UnlockedVault
from sohoa.accounts import Permission, User, can_see
from sohoa.errors import NotFoundError
from sohoa.logs import get_logger
from sohoa.records import Secrecy, Status
from web.context import _, requires, service, state, unlocked_vault, user
from web.documents import find_document, level_of
from web.i18n import VN_TZ

log = get_logger(__name__)
bp = Blueprint("export", __name__)

MAX_RECIPIENTS = 20
MAX_RECIPIENTS_CHARS = 10_000
MAX_DOCUMENTS = 500
_SPLIT_RE = re.compile(r"[\s,;]+")
# One export at a time: each signs its marked copies and holds its ciphertext in RAM, and the
# server has two cores. A second officer's export waits for the first.
_export_lock = threading.Lock()


@dataclass
class ExportForm:
    """What the officer chose (echoed back when something must be corrected)."""

    doc_ids: list[str] = field(default_factory=list)
    level: str = ""
    recipients: str = ""
    marked: bool = True
    problems: list[str] = field(default_factory=list)  # about the documents
    recipient_problems: list[str] = field(default_factory=list)


def _exportable(u: User | None) -> list[DocumentRow]:
    """Vault documents this officer may export: cleared for their level and processed (a held
    TUYỆT MẬT document is not exported before an officer keeps it, as in the CLI)."""
    return [r for r in service().archive.vault_catalog.documents()
            if can_see(u, level_of(r)) and r.status == Status.CLASSIFIED.value]


def _entries(rows: list[DocumentRow], unlocked: UnlockedVault | None) -> list[dict[str, Any]]:
    """The list to choose from; number, type and abstract only when the vault is unlocked."""
    entries = []
    for row in rows:
        meta: dict[str, Any] = {}
        if unlocked is not None:
            meta = json.loads(unlocked.read(row.record_object)).get("metadata", {})
        entries.append({"row": row, "level": level_of(row).value,
                        "number": str(meta.get("number_symbol") or ""),
                        "type": str(meta.get("doc_type_label") or ""),
                        "abstract": str(meta.get("abstract") or "")})
    return entries


def _levels(u: User | None, rows: list[DocumentRow]) -> list[tuple[str, int]]:
    """Whole levels the officer may export, with how many documents each holds."""
    counts = {level.value: sum(1 for r in rows if r.secrecy == level.value)
              for level in Secrecy if level.is_classified and can_see(u, level)}
    return [(level, n) for level, n in counts.items() if n]


def _render(form: ExportForm, status: int = 200) -> Any:
    u = user()
    unlocked = unlocked_vault()
    rows = _exportable(u)
    if unlocked is not None and rows:
        # The list shows decrypted numbers and abstracts: which documents were shown to whom
        # is logged (as `sohoa vault search` logs its hits), never what they say.
        service().archive.log.append("vault_list", actor=u.name if u else "-", page="export",
                                     doc_ids=[r.doc_id for r in rows])
    page = render_template("export.html", form=form, unlocked=unlocked is not None,
                           entries=_entries(rows, unlocked), levels=_levels(u, rows),
                           max_recipients=MAX_RECIPIENTS)
    return page, status


@bp.get("/export")
@requires(Permission.EXPORT)
def page() -> Any:
    return _render(ExportForm())


def _read_form() -> ExportForm:
    ids = request.form.getlist("doc")
    return ExportForm(doc_ids=list(dict.fromkeys(i.strip() for i in ids if i.strip())),
                      level=request.form.get("level", "").strip()[:20],
                      recipients=request.form.get("recipients", "")[:MAX_RECIPIENTS_CHARS],
                      marked=request.form.get("marked") == "1")


def _chosen(u: User | None, form: ExportForm) -> list[DocumentRow]:
    """The documents of the form, each through the gate. An id or a level the officer is not
    cleared for answers "not found" (404), like every other route: the form does not list
    them, so only a forged request names them."""
    if len(form.doc_ids) > MAX_DOCUMENTS:
        abort(400)
    ids = list(form.doc_ids)
    if form.level:
        try:
            level = Secrecy(form.level)
        except ValueError:
            abort(400)
        if not level.is_classified or not can_see(u, level):
            abort(404)
        at_level = [r.doc_id for r in _exportable(u) if r.secrecy == level.value]
        if not at_level:
            form.problems.append(_("export.level_empty", level=_("secrecy." + level.value)))
        ids += [d for d in at_level if d not in ids]
    rows = []
    for doc_id in ids:
        try:
            found = find_document(service(), u, doc_id, "export")
        except NotFoundError:
            abort(404)
        if not found.classified:
            abort(404)  # open documents are read as they are, not exported
        if found.row.status != Status.CLASSIFIED.value:
            form.problems.append(_("export.held", id=doc_id))
        rows.append(found.row)
    if not ids and not form.problems:
        form.problems.append(_("export.no_documents"))
    return rows


def _shown(token: str) -> str:
    return token if len(token) <= 24 else token[:20] + "…"


def _recipients(form: ExportForm) -> list[str]:
    """age X25519 public keys, one or more a line; blank lines and `#` comments are skipped (as
    in a recipients file). A problem per bad line. A secret key pasted by mistake is named as
    such and taken out of the box, so the page never shows it back."""
    keys: list[str] = []
    kept: list[str] = []
    for number, line in enumerate(form.recipients.splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            kept.append(line)
            continue
        if "AGE-SECRET-KEY-" in text.upper():
            form.recipient_problems.append(_("export.secret_key", line=number))
            continue
        kept.append(line)
        bad = []
        for token in _SPLIT_RE.split(text):
            if not token:
                continue
            try:
                pyrage.x25519.Recipient.from_str(token)
            except (pyrage.RecipientError, ValueError):
                bad.append(token)
                continue
            if token not in keys:
                keys.append(token)
        if bad:
            form.recipient_problems.append(_("export.bad_recipient", line=number,
                                             text=_shown(bad[0])))
    form.recipients = "\n".join(kept)
    if not keys and not form.recipient_problems:
        form.recipient_problems.append(_("export.no_recipients"))
    if len(keys) > MAX_RECIPIENTS:
        form.recipient_problems.append(_("export.too_many_recipients", n=MAX_RECIPIENTS))
    return keys


def _ram_dir() -> Path:
    """Where the export's work files go: RAM (`ocr.ram_tmp_dir`), else HOME/work/tmp, as for
    `sohoa export`. Only ciphertext and, one at a time, a marked copy being signed."""
    settings = state().settings
    base = Path(settings.ocr.ram_tmp_dir)
    if base.is_dir() and os.access(base, os.W_OK):
        return base
    fallback = settings.home / "work" / "tmp"
    fallback.mkdir(parents=True, exist_ok=True)
    log.warning("workdir.not_in_ram", path=str(fallback))
    return fallback


def download_name(now: datetime | None = None) -> str:
    """`xuat-mat-YYYYMMDD-HHMM.age`, in Vietnam's time like every time the UI shows."""
    at = (now or datetime.now(UTC)).astimezone(VN_TZ)
    return f"xuat-mat-{at:%Y%m%d-%H%M}.age"


def _write_export(unlocked: UnlockedVault, export: ExportRequest
                  ) -> tuple[BinaryIO, ExportResult]:
    """Run the export into a private RAM directory and return the open ciphertext; the
    directory is gone when this returns, whatever happened."""
    ram = _ram_dir()
    with _export_lock:
        work = Path(tempfile.mkdtemp(prefix="sohoa-webexport-", dir=ram))
        os.chmod(work, 0o700)
        try:
            out = work / "export.age"
            result = export_documents(service().archive, unlocked, export, out, ram)
            fh = open(out, "rb")  # closed by the response once sent; the name goes below
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return fh, result


@bp.post("/export")
@requires(Permission.EXPORT)
def run() -> Any:
    u = user()
    assert u is not None
    unlocked = unlocked_vault()
    if unlocked is None:
        flash(_("export.locked"), "error")
        return redirect(url_for("export.page"))
    form = _read_form()
    rows = _chosen(u, form)  # first: a forged id is refused whatever else is wrong
    keys = _recipients(form)
    if form.problems or form.recipient_problems:
        return _render(form, 400)
    export = ExportRequest(
        doc_ids=tuple(sorted(r.doc_id for r in rows)), recipients=tuple(keys),
        exporter=f"web:{u.name}", organisation=state().settings.archive.organisation,
        marked_copies=form.marked)
    fh, result = _write_export(unlocked, export)
    response = send_file(fh, as_attachment=True, mimetype="application/octet-stream",
                         download_name=download_name(), max_age=0, conditional=False,
                         etag=False)
    response.content_length = result.ciphertext_bytes
    response.cache_control.no_store = True
    response.cache_control.private = True
    response.headers["X-Sohoa-Export-Id"] = result.export_id
    return response
