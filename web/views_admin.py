"""Dashboard (everyone), audit (admins), user accounts (admins)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from sohoa.accounts import MIN_PASSWORD, Permission, Role, can
from sohoa.errors import NotFoundError, SettingsError
from web.context import _, actor, requires, service, state, user
from web.dashboard import bar_chart, indicators
from web.i18n import fmt_number
from web.operations import latest_audit

bp = Blueprint("admin", __name__)


@bp.get("/dashboard")
@requires(Permission.SEARCH)
def dashboard() -> Any:
    from web.context import lang

    ind = indicators(service(), show_classified=can(user(), Permission.VAULT))
    months = ind.months
    labels = [m.label for m in months]
    language = lang()
    charts = []
    if months:
        charts.append(bar_chart(labels, [float(m.docs) for m in months],
                                title=_("dash.chart_docs"),
                                value_text=[fmt_number(language, m.docs) for m in months],
                                css="docs"))
        charts.append(bar_chart(labels, [m.signed_share for m in months],
                                title=_("dash.chart_signed"), max_value=100.0,
                                value_text=[fmt_number(language, m.signed_share) for m in months],
                                css="signed"))
        per_page = [m.seconds_per_page or 0.0 for m in months]
        charts.append(bar_chart(labels, per_page, title=_("dash.chart_time"),
                                value_text=[fmt_number(language, v, 1) for v in per_page],
                                css="time"))
    return render_template("dashboard.html", ind=ind, charts=charts)


@bp.get("/audit")
@requires(Permission.AUDIT)
def audit() -> Any:
    runner = state().audits
    return render_template("audit.html", report=latest_audit(service().archive.reports),
                           running=runner.state.running, error=runner.state.error)


@bp.post("/audit/run")
@requires(Permission.AUDIT)
def audit_run() -> Any:
    started = state().audits.start(actor())
    flash(_("audit.started") if started else _("audit.already"), "info")
    return redirect(url_for("admin.audit"), code=303)


@bp.get("/users")
@requires(Permission.USERS)
def users() -> Any:
    return render_template("users.html", users=state().accounts.list(), roles=list(Role),
                           min_password=MIN_PASSWORD)


@bp.post("/users")
@requires(Permission.USERS)
def users_add() -> Any:
    form = request.form
    try:
        added = state().accounts.add(
            form.get("name", "").strip().lower(), form.get("role", ""),
            form.get("password", ""), form.get("clearance", "none") or "none", actor=actor())
    except SettingsError as exc:
        # Messages of account checks name rules, never secrets; shown as given (English).
        return render_template("users.html", users=state().accounts.list(), roles=list(Role),
                               min_password=MIN_PASSWORD, error=str(exc)), 400
    flash(_("users.added", name=added.name), "info")
    return redirect(url_for("admin.users"), code=303)


@bp.post("/users/<name>/state")
@requires(Permission.USERS)
def users_state(name: str) -> Any:
    current = user()
    assert current is not None
    disable = request.form.get("disabled") == "1"
    if disable and name == current.name:
        flash(_("users.self"), "error")
        return redirect(url_for("admin.users"), code=303)
    try:
        state().accounts.set_disabled(name, disable, actor=actor())
    except NotFoundError:
        abort(404)
    if disable:
        state().sessions.delete_user(name)
    flash(_("users.updated", name=name), "info")
    return redirect(url_for("admin.users"), code=303)
