"""Signing in and out, changing one's password, choosing the language."""

from __future__ import annotations

import math
from typing import Any

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from sohoa.accounts import MAX_PASSWORD, MIN_PASSWORD
from sohoa.errors import SettingsError
from sohoa.logs import get_logger
from web.context import _, state, user
from web.i18n import LANGUAGES
from web.security import new_csrf_token, safe_next

bp = Blueprint("auth", __name__)
log = get_logger(__name__)


def _client() -> str:
    return request.remote_addr or "-"


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    target = safe_next(request.values.get("next"), url_for("docs.search"))
    if user() is not None:
        return redirect(target)
    if request.method != "POST":
        return render_template("login.html", next=target, name="")
    s = state()
    name = request.form.get("name", "").strip().lower()[:64]
    password = request.form.get("password", "")[: MAX_PASSWORD + 1]
    keys = ("user:" + name, "ip:" + _client())
    wait = s.limiter.retry_after(*keys)
    if wait > 0:
        log.warning("web.login_limited", user=name, ip=_client())
        seconds = max(1, math.ceil(wait))
        response = make_response(render_template(
            "login.html", next=target, name=name,
            error=_("login.limited", seconds=seconds)), 429)
        response.headers["Retry-After"] = str(seconds)
        return response
    result = s.accounts.authenticate(name, password)
    if result is None:
        s.limiter.failed(*keys)
        log.warning("web.login_failed", user=name, ip=_client())
        return render_template("login.html", next=target, name=name,
                               error=_("login.failed")), 401
    found, tag = result
    s.limiter.succeeded(keys[0])
    # A fresh session: nothing from before the login (no fixation), a new CSRF token.
    session.clear()
    session["sid"] = s.sessions.create(found.name, tag)
    new_csrf_token()
    s.service.archive.log.append("login", actor=found.name)
    return redirect(target)


@bp.post("/logout")
def logout() -> Any:
    sid = session.get("sid")
    if isinstance(sid, str):
        state().sessions.delete(sid)
        state().vault_unlocks.drop(sid)  # signing out locks the vault of this session
    session.clear()
    new_csrf_token()
    flash(_("logout.done"), "info")
    return redirect(url_for("auth.login"))


@bp.post("/lang")
def language() -> Any:
    chosen = request.form.get("lang", "")
    response = redirect(safe_next(request.form.get("next"), url_for("docs.search")))
    if chosen in LANGUAGES:
        response.set_cookie("sohoa_lang", chosen, max_age=365 * 86400, httponly=True,
                            samesite="Lax", secure=state().settings.web.secure_cookies)
    return response


@bp.route("/account", methods=["GET", "POST"])
def account() -> Any:
    current = user()
    assert current is not None
    if request.method != "POST":
        return render_template("account.html")
    s = state()
    old = request.form.get("current", "")[: MAX_PASSWORD + 1]
    new = request.form.get("new", "")[: MAX_PASSWORD + 1]
    confirm = request.form.get("confirm", "")[: MAX_PASSWORD + 1]
    keys = ("user:" + current.name, "ip:" + _client())
    if s.limiter.retry_after(*keys) > 0:
        return render_template("account.html", error=_("error.429")), 429
    if s.accounts.authenticate(current.name, old) is None:
        s.limiter.failed(*keys)
        return render_template("account.html", error=_("account.wrong")), 400
    if new != confirm:
        return render_template("account.html", error=_("account.mismatch")), 400
    try:
        s.accounts.set_password(current.name, new, actor=current.name)
    except SettingsError:
        return render_template("account.html",
                               error=_("account.too_short", n=MIN_PASSWORD)), 400
    result = s.accounts.authenticate(current.name, new)
    assert result is not None
    # Every other session of this user ends; this one continues under a new id.
    s.sessions.delete_user(current.name)
    session.clear()
    session["sid"] = s.sessions.create(current.name, result[1])
    new_csrf_token()
    flash(_("account.changed"), "info")
    return redirect(url_for("docs.search"))
