"""Search, documents (page images, downloads). The review queue is in views_review.py, the
export page in views_export.py."""

from __future__ import annotations

import html
import io
import re
import time
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from markupsafe import Markup, escape

from search import SearchQuery
from sohoa.errors import NotFoundError
from sohoa.pipeline import document_title
from web.context import lang, service, state, user
from web.documents import Found, audit_status, find_document, render_page
from web.i18n import DOC_TYPES, doc_type_label, fmt_date, parse_date
from web.operations import latest_audit

bp = Blueprint("docs", __name__)

SORTS = ("relevance", "date_desc", "date_asc")
# Facets the backend may return, the search parameter each sets, and its heading.
FACET_PANELS = (("doc_type", "type", "search.facet_type"), ("year", "year", "search.facet_year"),
                ("issuing_body", "body", "search.facet_body"),
                ("signer", "signer", "search.facet_signer"),
                ("file_code", "file", "search.facet_file"))
# Active filters as chips: parameter, heading of the chip.
FILTER_CHIPS = (("type", "search.type"), ("year", "search.year"), ("body", "search.body"),
                ("signer", "search.signer"), ("file", "search.file_code"),
                ("from", "search.date_from"), ("to", "search.date_to"))
_TYPE_RE = re.compile(r"^[a-z_]{1,40}$")
_BODIES_TTL = 60.0


def safe_snippet(snippet_html: str) -> Markup:
    """The backend's snippet is escaped text with <mark>; keep only <mark>, whatever it sent."""
    text = escape(html.unescape(snippet_html))
    return Markup(  # noqa: S704 - everything was escaped; only <mark> is restored
        str(text).replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>")
    )


def _known_bodies() -> list[str]:
    """Issuing bodies in the open catalog, for the filter list (cached for a minute)."""
    cache = state().cache
    cached = cache.get("bodies")
    if cached and time.monotonic() - cached[0] < _BODIES_TTL:
        return list(cached[1])
    bodies = sorted({str(r.metadata.get("issuing_body") or "")
                     for r in service().archive.catalog.documents()} - {""})
    cache["bodies"] = (time.monotonic(), bodies)
    return bodies


def _int_arg(name: str, low: int, high: int) -> int | None:
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return None
    return value if low <= value <= high else None


def _date_arg(name: str) -> tuple[str, str]:
    """(ISO date, what was typed if it is not a date) from dd/mm/yyyy or ISO."""
    typed = request.args.get(name, "").strip()[:40]
    iso = parse_date(typed)
    return (iso, "") if iso else ("", typed)


@bp.get("/")
def search() -> Any:
    settings = state().settings
    language = lang()
    q = request.args.get("q", "")[: settings.search.max_query_chars]
    doc_type = request.args.get("type", "")
    if not _TYPE_RE.match(doc_type):
        doc_type = ""
    body = request.args.get("body", "")[:300]
    signer = request.args.get("signer", "")[:300]
    file_code = request.args.get("file", "")[:100]
    year = _int_arg("year", 1900, 2200)
    (date_from, bad_from), (date_to, bad_to) = _date_arg("from"), _date_arg("to")
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from
    sort = request.args.get("sort", "relevance")
    if sort not in SORTS:
        sort = "relevance"
    page = _int_arg("page", 1, 1000) or 1
    params: dict[str, Any] = {"q": q, "type": doc_type, "body": body, "year": year or "",
                              "signer": signer, "file": file_code, "from": date_from,
                              "to": date_to, "sort": sort}

    def link(**changes: Any) -> str:
        """This search with some parameters changed (empty and default ones left out)."""
        merged = {**params, **changes}
        kept = {k: v for k, v in merged.items()
                if v not in ("", None) and not (k == "sort" and v == "relevance")
                and not (k == "page" and v == 1)}
        return url_for("docs.search", **kept)

    filtered = any(params[k] for k, _heading in FILTER_CHIPS)
    results = None
    recent: list[tuple[Any, str]] = []
    if q.strip() or filtered:
        results = service().index.search(SearchQuery(
            text=q, doc_type=doc_type, year=year, date_from=date_from, date_to=date_to,
            issuing_body=body, signer=signer, file_code=file_code, sort=sort, page=page,
            page_size=settings.search.page_size,
        ))
    else:
        rows = service().archive.catalog.documents(limit=10)
        recent = [(r, document_title(r.metadata, r.original_name)) for r in rows
                  if r.zone == "open" and r.secrecy == "none"]
    pages = 0
    if results is not None and results.total:
        pages = min(1000, (results.total + results.page_size - 1) // results.page_size)
        if page > pages:  # an old link after documents left, or a typed number
            return redirect(link(page=pages))

    def shown(param: str, value: Any) -> str:
        if param == "type":
            return doc_type_label(language, str(value))
        if param in ("from", "to"):
            return fmt_date(str(value))
        return str(value)

    # Facet values with counts: a click adds the filter (or, on the active value, removes it).
    panels = []
    for name, param, heading in FACET_PANELS:
        entries = []
        for value, count in (results.facets.get(name, ()) if results else ()):
            if not value:
                continue
            current = str(params[param]) == str(value)
            entries.append({"label": shown(param, value), "n": count, "current": current,
                            "href": link(**{param: "" if current else value, "page": 1})})
        if entries:
            panels.append({"name": name, "heading": heading, "entries": entries})
    chips = [{"param": p, "heading": h, "label": shown(p, params[p]),
              "href": link(**{p: "", "page": 1})} for p, h in FILTER_CHIPS if params[p]]
    cleared = link(**{p: "" for p, _h in FILTER_CHIPS}, page=1)
    return render_template(
        "search.html", q=q, doc_type=doc_type, body=body, year=year, sort=sort, page=page,
        signer=signer, file_code=file_code, date_from=date_from, date_to=date_to,
        bad_from=bad_from, bad_to=bad_to,
        link=link, results=results, recent=recent, pages=pages, sorts=SORTS,
        doc_types=list(DOC_TYPES), bodies=_known_bodies(), snippet=safe_snippet,
        facet_panels=panels, chips=chips, clear_link=cleared,
    )


def _find(doc_id: str, action: str) -> Found:
    try:
        return find_document(service(), user(), doc_id, action)
    except NotFoundError:
        abort(404)


@bp.get("/d/<doc_id>")
def document(doc_id: str) -> Any:
    found = _find(doc_id, "view")
    row = found.row
    report = latest_audit(service().archive.reports)
    history = state().events.for_document(row.doc_id, row.job_id)
    if found.classified:
        return render_template("classified.html", row=row, level=found.level.value,
                               history=history)
    record = found.record or {}
    meta = record.get("metadata", {})
    pages = [{"number": i + 1, "confidence": p.get("confidence"), "blank": p.get("blank")}
             for i, p in enumerate(record.get("pages", []))]
    while len(pages) < row.pages:
        pages.append({"number": len(pages) + 1, "confidence": None, "blank": False})
    classification = record.get("classification", {})
    return render_template(
        "document.html", row=row, record=record, meta=meta, pages=pages,
        title=document_title(meta, row.original_name),
        signature=record.get("archival", {}).get("signature", {}),
        review_reasons=classification.get("review_reasons", []) if row.review else [],
        audit=audit_status(report, row.doc_id), history=history,
        ocr=record.get("ocr", {}),
    )


def _private(response: Any, max_age: int = 0) -> Any:
    response.cache_control.public = False
    response.cache_control.private = True
    if max_age:
        response.cache_control.max_age = max_age
    else:
        response.cache_control.no_store = True
    return response


@bp.get("/d/<doc_id>/original")
def download_original(doc_id: str) -> Any:
    found = _find(doc_id, "download_original")
    if found.classified:
        abort(404)  # classified files are served by the vault (issue 7), not here
    row, record = found.row, found.record or {}
    path = service().archive.store.path_of(row.original_object)
    ext = {"pdf": ".pdf", "tiff": ".tif", "jpeg": ".jpg", "png": ".png"}.get(
        record.get("original", {}).get("kind", ""), "")
    return _private(send_file(path, as_attachment=True, download_name=f"{doc_id}-goc{ext}",
                              mimetype="application/octet-stream", max_age=0))


@bp.get("/d/<doc_id>/archival.pdf")
def download_archival(doc_id: str) -> Any:
    found = _find(doc_id, "download_archival")
    if found.classified:
        abort(404)
    path = service().archive.store.path_of(found.row.archival_object)
    return _private(send_file(path, as_attachment=request.args.get("dl") == "1",
                              download_name=f"{doc_id}.pdf", mimetype="application/pdf",
                              max_age=0))


@bp.get("/d/<doc_id>/page/<int:number>.png")
def page_image(doc_id: str, number: int) -> Any:
    found = _find(doc_id, "page_image")
    row = found.row
    if found.classified or not 1 <= number <= max(1, row.pages):
        abort(404)
    # The archival copy never changes (content addressed): its hash and the page are the tag.
    etag = f"{row.archival_object[:32]}-{number}"
    if etag in request.if_none_match:
        response = Response(status=304)
        response.set_etag(etag)
        return _private(response, max_age=86400)
    png = render_page(service().archive.store.path_of(row.archival_object), number)
    response = send_file(io.BytesIO(png), mimetype="image/png", max_age=86400)
    response.set_etag(etag)
    return _private(response, max_age=86400)


# The review queue and the review screen: web/views_review.py.
# The export page: web/views_export.py.
