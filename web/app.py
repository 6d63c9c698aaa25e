"""Flask application factory and the open-archive views."""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, abort, g, render_template, request, send_file
from markupsafe import Markup

from search import SearchQuery
from sohoa.errors import NotFoundError
from sohoa.settings import Settings

_DOC_ID = re.compile(r"^[a-z2-7]{10,64}$")

DOC_TYPE_VI = {
    "nghi_quyet": "Nghị quyết", "quyet_dinh": "Quyết định", "chi_thi": "Chỉ thị",
    "ket_luan": "Kết luận", "ke_hoach": "Kế hoạch", "huong_dan": "Hướng dẫn",
    "thong_bao": "Thông báo", "bao_cao": "Báo cáo", "to_trinh": "Tờ trình",
    "chuong_trinh": "Chương trình", "quy_dinh": "Quy định", "quy_che": "Quy chế",
    "cong_van": "Công văn", "bien_ban": "Biên bản", "giay_moi": "Giấy mời",
}


def vn_date(iso: str) -> str:
    """2025-08-15 -> 15/08/2025 (Vietnamese order)."""
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", iso or "")
    return f"{m.group(3)}/{m.group(2)}/{m.group(1)}" if m else (iso or "")


def create_app(settings: Settings, *, testing: bool = False) -> Flask:
    from sohoa.pipeline import Service

    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(
        TESTING=testing,
        SECRET_KEY=_secret_key(settings.home),
        MAX_CONTENT_LENGTH=settings.web.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.web.secure_cookies,
    )
    service = Service(settings).open()
    app.extensions["sohoa"] = service
    app.jinja_env.autoescape = True
    app.jinja_env.filters["vn_date"] = vn_date
    app.jinja_env.filters["doc_type_vi"] = lambda code: DOC_TYPE_VI.get(code, code or "")

    @app.after_request
    def security_headers(response):  # type: ignore[no-untyped-def]
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        )
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    @app.get("/")
    def search_page():  # type: ignore[no-untyped-def]
        text = request.args.get("q", "")[: settings.search.max_query_chars]
        doc_type = request.args.get("type", "")
        sort = request.args.get("sort", "relevance")
        if sort not in ("relevance", "date_desc", "date_asc"):
            sort = "relevance"
        try:
            page = max(1, min(1000, int(request.args.get("page", "1"))))
        except ValueError:
            page = 1
        results = None
        if text.strip() or doc_type:
            results = service.index.search(SearchQuery(
                text=text, doc_type=doc_type, sort=sort, page=page,
                page_size=settings.search.page_size,
            ))
        return render_template("search.html", q=text, results=results, doc_type=doc_type,
                               sort=sort, page=page, doc_types=DOC_TYPE_VI,
                               snippet=lambda html_text: Markup(html_text))  # noqa: S704

    @app.get("/d/<doc_id>")
    def document_page(doc_id: str):  # type: ignore[no-untyped-def]
        row, record = _open_document(service, doc_id)
        return render_template("document.html", row=row, record=record,
                               meta=record.get("metadata", {}))

    @app.get("/d/<doc_id>/original")
    def download_original(doc_id: str):  # type: ignore[no-untyped-def]
        row, record = _open_document(service, doc_id)
        path = service.archive.store.path_of(row.original_object)
        ext = {"pdf": ".pdf", "tiff": ".tif", "jpeg": ".jpg", "png": ".png"}.get(
            record["original"].get("kind", ""), "")
        return send_file(path, as_attachment=True, download_name=f"{doc_id}-goc{ext}",
                         mimetype="application/octet-stream")

    @app.get("/d/<doc_id>/archival.pdf")
    def download_archival(doc_id: str):  # type: ignore[no-untyped-def]
        row, _ = _open_document(service, doc_id)
        path = service.archive.store.path_of(row.archival_object)
        return send_file(path, as_attachment=request.args.get("dl") == "1",
                         download_name=f"{doc_id}.pdf", mimetype="application/pdf")

    @app.get("/d/<doc_id>/page/<int:number>.png")
    def page_image(doc_id: str, number: int):  # type: ignore[no-untyped-def]
        row, _ = _open_document(service, doc_id)
        if not 1 <= number <= max(1, row.pages):
            abort(404)
        png = _render_page(service.archive.store.path_of(row.archival_object), number)
        return send_file(io.BytesIO(png), mimetype="image/png", max_age=3600)

    @app.errorhandler(404)
    def not_found(_error):  # type: ignore[no-untyped-def]
        return render_template("error.html", message="Không tìm thấy tài liệu."), 404

    @app.errorhandler(413)
    def too_large(_error):  # type: ignore[no-untyped-def]
        return render_template("error.html", message="Tệp quá lớn."), 413

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {"nonce": getattr(g, "nonce", "")}

    return app


def _open_document(service: Any, doc_id: str) -> tuple[Any, dict[str, Any]]:
    """Only open documents; anything else (classified, unknown, malformed id) is "not found"."""
    if not _DOC_ID.match(doc_id):
        abort(404)
    try:
        row = service.archive.get_open(doc_id)
        return row, service.archive.open_record(row)
    except NotFoundError:
        abort(404)


def _render_page(pdf_path: Path, number: int, width_px: int = 1100) -> bytes:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        page = doc[number - 1]
        width_pt, _ = page.get_size()
        bitmap = page.render(scale=width_px / width_pt)
        out = io.BytesIO()
        bitmap.to_pil().convert("RGB").save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        doc.close()


def _secret_key(home: Path) -> bytes:
    path = home / "web-secret.key"
    if not path.exists():
        import os

        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
    return path.read_bytes()
