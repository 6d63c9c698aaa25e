"""Flask application factory: security around every request, then the blueprints.

Every page needs a signed-in user (only the login form, the language switch and static files do
not); every POST carries the session's CSRF token; every response carries the security headers.
Uploads are spooled under HOME/work, never in the system temp directory.
"""

from __future__ import annotations

import atexit
import os
import secrets
import tempfile
from pathlib import Path
from typing import IO, Any

from flask import (
    Flask,
    Request,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException

from sohoa.accounts import Accounts, Permission
from sohoa.accounts import can as user_can
from sohoa.logs import get_logger
from sohoa.settings import Settings
from web import i18n
from web.context import WebState, lang, user, wants_json
from web.history import EventIndex
from web.operations import AuditRunner, IngestWorkers
from web.security import LoginLimiter, apply_headers, check_csrf, csrf_token, safe_next
from web.sessions import SessionStore

log = get_logger(__name__)

PUBLIC_ENDPOINTS = {"auth.login", "auth.language", "static"}
LANG_COOKIE = "sohoa_lang"


class _SpoolingRequest(Request):
    """Multipart bodies over 500 KB go to an unnamed file in HOME/work/uploads (not /tmp)."""

    spool_dir: Path | None = None

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None,
                         content_length: int | None = None) -> IO[bytes]:
        if total_content_length is not None and total_content_length <= 500 * 1024:
            import io

            return io.BytesIO()
        return tempfile.TemporaryFile("wb+", dir=self.spool_dir)  # noqa: SIM115


def create_app(settings: Settings, *, testing: bool = False,
               start_workers: bool | None = None) -> Flask:
    """The web UI over one home. Background workers process uploads unless `testing` (or
    `start_workers=False`, when a `sohoa watch` elsewhere does the work)."""
    from sohoa.pipeline import Service

    service = Service(settings).open()
    home = settings.home
    spool = home / "work" / "uploads"
    spool.mkdir(parents=True, exist_ok=True)

    class SpoolingRequest(_SpoolingRequest):
        spool_dir = spool

    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.request_class = SpoolingRequest
    app.config.update(
        TESTING=testing,
        SECRET_KEY=_secret_key(home),
        MAX_CONTENT_LENGTH=settings.web.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_NAME="__Host-sohoa" if settings.web.secure_cookies else "sohoa",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.web.secure_cookies,
        SESSION_COOKIE_PATH="/",
        SEND_FILE_MAX_AGE_DEFAULT=3600,
        JSON_AS_ASCII=False,
    )
    app.jinja_env.autoescape = True
    sessions = SessionStore(home / "sessions.db")
    sessions.create_schema()
    workers_on = (not testing) if start_workers is None else start_workers
    web_state = WebState(
        settings=settings,
        service=service,
        accounts=Accounts(service.archive.catalog, service.archive.log),
        sessions=sessions,
        limiter=LoginLimiter(settings.web.login_attempts_per_minute),
        events=EventIndex(service.archive.log.path),
        audits=AuditRunner(service),
        workers=IngestWorkers(service) if workers_on else None,
    )
    app.extensions["sohoa"] = service
    app.extensions["sohoa_web"] = web_state

    from web.views_admin import bp as admin_bp
    from web.views_auth import bp as auth_bp
    from web.views_docs import bp as docs_bp
    from web.views_ingest import bp as ingest_bp

    for bp in (auth_bp, docs_bp, ingest_bp, admin_bp):
        app.register_blueprint(bp)
    from web.views_review import bp as review_bp

    app.register_blueprint(review_bp)
    from web.views_vault import bp as vault_bp

    app.register_blueprint(vault_bp)
    from web.views_export import bp as export_bp

    app.register_blueprint(export_bp)

    @app.before_request
    def load_request_state() -> Any:
        cookie_lang = request.cookies.get(LANG_COOKIE, "")
        g.lang = cookie_lang if cookie_lang in i18n.LANGUAGES else settings.web.language
        g.user = None
        sid = session.get("sid")
        if isinstance(sid, str):
            row = sessions.get(sid)
            found = web_state.accounts.current(row.user, row.tag) if row else None
            if found is None:
                sessions.delete(sid)
                session.pop("sid", None)
                g.session_ended = True
            else:
                g.user = found
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            check_csrf(request)
        if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
            if getattr(g, "session_ended", False):
                flash(i18n.translate(g.lang, "login.expired"), "info")
            if wants_json():
                return jsonify({"error": "login required"}), 401
            target = request.full_path if request.query_string else request.path
            return redirect(url_for("auth.login", next=target))
        return None

    @app.after_request
    def headers(response: Any) -> Any:
        return apply_headers(response, tls=settings.web.secure_cookies)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        key = f"error.{code}" if code in (400, 403, 404, 405, 413, 429) else "error.500"
        message = i18n.translate(getattr(g, "lang", settings.web.language), key,
                                 mb=settings.web.max_upload_mb)
        if wants_json():
            return jsonify({"error": message}), code
        return render_template("error.html", message=message, code=code), code

    @app.errorhandler(Exception)
    def internal_error(exc: Exception) -> Any:
        if testing:
            raise exc
        # The page says nothing of the cause; the service log gets the type and traceback (the
        # web process never holds classified content: the vault is not opened here).
        log.error("web.error", exc_info=True, error=type(exc).__name__)
        message = i18n.translate(getattr(g, "lang", settings.web.language), "error.500")
        return render_template("error.html", message=message, code=500), 500

    @app.context_processor
    def template_globals() -> dict[str, Any]:
        current = user()
        language = lang()
        return {
            "user": current,
            "lang": language,
            "_": lambda key, **values: i18n.translate(language, key, **values),
            "csrf_token": csrf_token,
            "can": lambda permission: user_can(current, Permission(permission)),
            "fmt_date": i18n.fmt_date,
            "fmt_dt": i18n.fmt_datetime,
            "fmt_epoch": i18n.fmt_epoch,
            "fmt_num": lambda value, decimals=0: i18n.fmt_number(language, value, decimals),
            "fmt_size": lambda size: i18n.fmt_size(language, size),
            "doc_type_label": lambda code: i18n.doc_type_label(language, code),
            "reason_label": lambda code, fallback="": i18n.reason_label(language, code, fallback),
            "endpoint": request.endpoint or "",
        }

    if web_state.workers is not None:
        web_state.workers.start()
        atexit.register(web_state.workers.stop, 5.0)
    return app


def _secret_key(home: Path) -> bytes:
    path = home / "web-secret.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as fh:
        fh.write(secrets.token_bytes(32))
        fh.flush()
        os.fsync(fh.fileno())
    return path.read_bytes()


def safe_redirect(target: str | None, default: str) -> Any:
    return redirect(safe_next(target, default))
