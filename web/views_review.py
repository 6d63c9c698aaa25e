"""The review queue in the browser: a person confirms or corrects secrecy and metadata.

The work is done by `archive/review.py` (the same functions as `sohoa review`): every action is
a new record version and one event naming the signed-in user. Here: who may see what, the form,
and the confirmation step before a document leaves the open archive.

- Queue: open documents flagged for review; vault rows only as stubs (level, status, dates) and
  only to officers cleared for their level (`can_see`), so nobody learns of a classified
  document they may not see.
- Open document: page images with the evidence boxes drawn over them (server-side SVG, no
  inline style or script), the decision and its evidence, the metadata form.
- Vault stub: confirm the level, or move it to another classified level (declassification and
  TUYỆT MẬT decisions belong to the vault's own page).
- Raising an open document to a classified level asks for a confirmation first; the move is
  then complete (vault, open catalog, index, open store), so the document answers "not found"
  to everyone not cleared, possibly including the person who moved it.
- A form carries a token of the state it was made from; if someone changed the document
  meanwhile, nothing is written and the page is shown again (no lost corrections).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from archive import review
from archive.catalog import DocumentRow
from sohoa.accounts import Permission, can_see
from sohoa.errors import NotFoundError, SettingsError
from sohoa.pipeline import document_title
from sohoa.records import Secrecy, Status, Urgency
from sohoa.vntext import nfc
from web.context import _, actor, requires, service, user
from web.documents import Found, find_document
from web.evidence import page_sizes, page_views
from web.i18n import DOC_TYPES, fmt_date, parse_date

bp = Blueprint("review", __name__)

QUEUE_LIMIT = 500
# The form's fields, in the corpus manifest's names (docs/classification.md).
TEXT_FIELDS = ("number_symbol", "place", "issuing_body", "parent_body", "signer",
               "signer_title", "signer_authority")
FORM_FIELDS = ("family", "doc_type", "number_symbol", "date", "place", "issuing_body",
               "parent_body", "abstract", "urgency", "signer", "signer_title",
               "signer_authority", "recipients")
FAMILIES = ("party", "state")
MAX_TEXT = 300
MAX_ABSTRACT = 2000
MAX_RECIPIENTS = 60
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# One review write at a time in this process: two people saving the same document must not both
# build on the same version (the token below then tells the second one).
_write_lock = threading.Lock()


# -- the queue -----------------------------------------------------------------------------------

@bp.get("/review")
@requires(Permission.REVIEW)
def queue() -> Any:
    svc = service()
    me = user()
    items = []
    for row in svc.archive.catalog.documents(review=True):
        items.append({"row": row, "vault": False,
                      "title": document_title(row.metadata, row.original_name),
                      "reasons": row.classification.get("review_reasons", [])})
    for row in svc.archive.vault_catalog.documents(review=True):
        # A stub, and only for a person cleared for the level: the others do not learn it exists.
        if row.status != "destroyed" and can_see(me, row.secrecy):
            items.append({"row": row, "vault": True, "title": "", "reasons": []})
    # Oldest first: the backlog is worked from its start. A long queue shows its first part.
    items.sort(key=lambda i: (i["row"].received_at, i["row"].doc_id))
    return render_template("review.html", items=items[:QUEUE_LIMIT], total=len(items))


# -- one document --------------------------------------------------------------------------------

def _find(doc_id: str, action: str) -> Found:
    try:
        return find_document(service(), user(), doc_id, action)
    except NotFoundError:
        abort(404)


def state_token(row: DocumentRow) -> str:
    """What a form was made from: any review action or correction changes it."""
    raw = "|".join((row.zone, row.record_object, row.secrecy, row.status, str(int(row.review))))
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


@lru_cache(maxsize=1)
def _vocabulary_types() -> dict[str, str]:
    """Document type code -> printed label (as classification writes `doc_type_label`)."""
    from classification.metadata import vocabulary

    out: dict[str, str] = {}
    for label, code in vocabulary()["doc_types"].items():
        if code not in out or len(label) < len(out[code]):
            out[str(code)] = str(label)
    return out


def type_label(code: str) -> str:
    if not code:
        return ""
    known = _vocabulary_types().get(code)
    if known:
        return known
    pair = DOC_TYPES.get(code)
    return pair[0].upper() if pair else ""


def signal_label(code: Any) -> str:
    """A signal's name in words; the code itself for a signal this page does not know yet."""
    key = f"signal.{code}"
    text = _(key)
    return str(code or "") if text == key else text


def _type_choices(current: str) -> list[str]:
    codes = list(DOC_TYPES)
    codes += sorted(c for c in _vocabulary_types() if c not in DOC_TYPES)
    if current and current not in codes:
        codes.append(current)
    return codes


def _form_values(meta: dict[str, Any]) -> dict[str, str]:
    """Record metadata as the form shows it (recipients one per line)."""
    out = {}
    for name in FORM_FIELDS:
        value = meta.get(name)
        if name == "recipients":
            out[name] = "\n".join(str(v) for v in (value or []))
        elif name == "date":
            out[name] = fmt_date(str(value or ""))  # typed and shown dd/mm/yyyy
        else:
            out[name] = "" if value is None else str(value)
    return out


def _clean_line(text: str, limit: int) -> str:
    return " ".join(_CONTROL_RE.sub(" ", nfc(text)).split())[:limit]


def parse_form(form: MultiDict[str, str], before: dict[str, Any]
               ) -> tuple[dict[str, Any], list[str]]:
    """The corrected fields (only those that differ from `before`) and the problems found."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    new: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        new[name] = _clean_line(form.get(name, ""), MAX_TEXT)
    new["abstract"] = _clean_line(form.get("abstract", ""), MAX_ABSTRACT)
    family = form.get("family", "")
    if family not in ("", *FAMILIES):
        problems.append("family")
    new["family"] = family
    doc_type = form.get("doc_type", "")
    if doc_type not in ("", *_type_choices(str(before.get("doc_type") or ""))):
        problems.append("doc_type")
    new["doc_type"] = doc_type
    urgency = form.get("urgency", Urgency.NONE.value) or Urgency.NONE.value
    if urgency not in {u.value for u in Urgency}:
        problems.append("urgency")
    new["urgency"] = urgency
    typed = form.get("date", "").strip()
    when = parse_date(typed) if typed else ""
    if when is None:
        problems.append("date")
    new["date"] = when or ""
    lines = [_clean_line(x, MAX_TEXT) for x in form.get("recipients", "").splitlines()]
    recipients = [x for x in lines if x]
    if len(recipients) > MAX_RECIPIENTS:
        problems.append("recipients")
    new["recipients"] = recipients[:MAX_RECIPIENTS]
    for name, value in new.items():
        old = before.get(name)
        if name == "recipients":
            old = [str(x) for x in (old or [])]
        elif old is None:
            old = ""
        if value != old:
            values[name] = value
    if "doc_type" in values:
        values["doc_type_label"] = type_label(values["doc_type"])
    return values, problems


def _secrecy(raw: str | None) -> Secrecy | None:
    try:
        return Secrecy(raw or "")
    except ValueError:
        return None


def _open_context(found: Found) -> dict[str, Any]:
    record = found.record or {}
    row = found.row
    cls = record.get("classification", {})
    evidence = [e for e in cls.get("evidence", []) if isinstance(e, dict)]
    pages = [p for p in record.get("pages", []) if isinstance(p, dict)]
    wanted = {e.get("page") for e in evidence if e.get("bbox") and isinstance(e.get("page"), int)}
    sizes: dict[int, tuple[float, float]] = {}
    if wanted and row.archival_object:
        try:
            sizes = page_sizes(service().archive.store.path_of(row.archival_object),
                               {int(n) for n in wanted if n is not None})
        except Exception:  # noqa: BLE001 - the boxes are a help; the page still shows
            sizes = {}
    conf = {int(p.get("number") or 0): p.get("confidence") for p in pages}
    return {
        "record": record, "evidence": evidence, "classification": cls,
        "views": page_views(evidence, pages, sizes),
        "pages": [{"number": n, "confidence": conf.get(n)} for n in range(1, row.pages + 1)],
        "title": document_title(record.get("metadata", {}), row.original_name),
        # The catalog row's reasons are the queue's (review.py clears both row and record).
        "reasons": (row.classification.get("review_reasons")
                    or cls.get("review_reasons") or []) if row.review else [],
    }


def _render(found: Found, *, form: dict[str, str] | None = None, secrecy: str = "",
            problems: list[str] | None = None, status: int = 200) -> Any:
    row = found.row
    token = state_token(row)
    if found.classified:
        page = render_template("review_vault.html", row=row, level=found.level.value,
                               token=token, levels=[s.value for s in Secrecy if s.is_classified])
        return page, status
    ctx = _open_context(found)
    meta = ctx["record"].get("metadata", {})
    values = form if form is not None else _form_values(meta)
    return render_template(
        "review_item.html", row=row, token=token, form=values, problems=problems or [],
        secrecy=secrecy or Secrecy.NONE.value, levels=[s.value for s in Secrecy],
        families=FAMILIES, types=_type_choices(str(meta.get("doc_type") or "")),
        urgencies=[u.value for u in Urgency], signal_label=signal_label, type_label=type_label,
        **ctx,
    ), status


@bp.get("/review/<doc_id>")
@requires(Permission.REVIEW)
def item(doc_id: str) -> Any:
    return _render(_find(doc_id, "review"))


@bp.post("/review/<doc_id>")
@requires(Permission.REVIEW)
def act(doc_id: str) -> Any:
    action = request.form.get("action", "")
    if action not in ("confirm", "correct"):
        abort(400)
    found = _find(doc_id, "review_" + action)
    if request.form.get("token") != state_token(found.row):
        flash(_("review.stale"), "error")
        return redirect(url_for("review.item", doc_id=doc_id), code=303)
    if found.classified:
        return _act_vault(found, action)
    doc_id = found.row.doc_id
    if action == "confirm":
        return _write(found, "review.confirmed", lambda svc, who: review.confirm(
            svc.archive, doc_id, who, _index_update(svc)))
    record = found.record or {}
    values, problems = parse_form(request.form, record.get("metadata", {}))
    target = _secrecy(request.form.get("secrecy", "none"))
    if target is None:
        problems.append("secrecy")
    if problems:
        return _render(found, form={n: request.form.get(n, "") for n in FORM_FIELDS},
                       secrecy=request.form.get("secrecy", ""), problems=problems,
                       status=400)
    assert target is not None
    if target.is_classified:
        if request.form.get("confirm_move") != "yes":
            # The confirmation step: the same values, sent again with confirm_move=yes.
            return render_template(
                "review_confirm.html", row=found.row, level=target.value,
                token=state_token(found.row),
                title=document_title(record.get("metadata", {}), found.row.original_name),
                fields=[(n, request.form.get(n, "")) for n in FORM_FIELDS],
                cleared=can_see(user(), target))
        return _write(found, "review.moved", lambda svc, who: review.correct(
            svc.archive, doc_id, who, secrecy=target, values=values,
            index_update=_index_update(svc), index_rebuild=svc.rebuild_index),
            level=target.value)
    if not values:
        return _write(found, "review.confirmed_unchanged", lambda svc, who: review.confirm(
            svc.archive, doc_id, who, _index_update(svc)))
    return _write(found, "review.corrected", lambda svc, who: review.correct(
        svc.archive, doc_id, who, values=values, index_update=_index_update(svc),
        index_rebuild=svc.rebuild_index))


def _act_vault(found: Found, action: str) -> Any:
    doc_id = found.row.doc_id
    if found.row.status == Status.HELD.value:
        abort(400)  # TUYỆT MẬT held: the officer decides on the vault's page, not here
    if action == "confirm":
        return _write(found, "review.confirmed",
                      lambda svc, who: review.confirm(svc.archive, doc_id, who))
    target = _secrecy(request.form.get("secrecy"))
    if target is None or not target.is_classified:
        abort(400)  # declassification is the vault's own procedure
    return _write(found, "review.level_changed",
                  lambda svc, who: review.correct(svc.archive, doc_id, who, secrecy=target),
                  level=target.value)


def _index_update(svc: Any) -> Callable[[DocumentRow], None]:
    def update(row: DocumentRow) -> None:
        svc.index.add([svc.index_document(row)])

    return update


def _write(found: Found, message: str, run: Callable[[Any, str], Any], **values: str) -> Any:
    """Run one review action (`run(service, actor)`) if the document is still as the form saw
    it; then sign the log's head and go back to the queue."""
    svc = service()
    with _write_lock:
        current = svc.archive.get(found.row.doc_id)
        if current is None or state_token(current) != state_token(found.row):
            flash(_("review.stale"), "error")
            return redirect(url_for("review.item", doc_id=found.row.doc_id), code=303)
        try:
            run(svc, actor())
        except SettingsError:
            flash(_("review.refused"), "error")
            return redirect(url_for("review.item", doc_id=found.row.doc_id), code=303)
        svc.archive.sign_tree_head()
    if "level" in values:
        values["level"] = _("secrecy." + values["level"])
    flash(_(message, **values), "info")
    return redirect(url_for("review.queue"), code=303)
