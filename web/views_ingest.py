"""Upload into the pipeline with progress, and the ingest status page (queue, quarantine)."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from ingest.queue import Job, JobState
from sohoa.accounts import Permission, can_see
from sohoa.errors import NotFoundError
from web.context import _, actor, lang, requires, service, state, user, wants_json
from web.i18n import reason_label
from web.operations import (
    ID_RE,
    EmptyUpload,
    discard_quarantined,
    job_result,
    retry_quarantined,
    save_upload,
    upload_file_name,
)

bp = Blueprint("ingest", __name__)

MAX_FILES = 50
MAX_SHOWN_JOBS = 50


def job_view(job: Job) -> dict[str, Any]:
    """What a person may know about a job: state, label, a link when the document is open."""
    result = job_result(job)
    if job.state is JobState.DONE:
        status = job.result_status or "archived"
    elif job.state is JobState.PROCESSING:
        status = "processing"
    else:
        status = "retry" if job.last_error else "queued"
    level = str(result.get("secrecy") or "none")
    visible = can_see(user(), level)
    url = ""
    doc_id = str(result.get("doc_id") or "")
    if job.state is JobState.DONE and doc_id and ID_RE.match(doc_id):
        row = service().archive.catalog.get(doc_id)
        if row is not None and row.zone == "open" and row.secrecy == "none":
            url = url_for("docs.document", doc_id=doc_id)
    reason = ""
    if status == "quarantined":
        reason = reason_label(lang(), str(result.get("reason_code") or ""),
                              str(result.get("reason") or ""))
    return {
        "job_id": job.job_id,
        "name": job.original_name if visible else _("ingest.classified_name"),
        "status": status,
        "label": _("status." + status),
        "done": job.state is JobState.DONE,
        "url": url,
        "reason": reason,
        "pages": job.pages,
        "updated": job.updated_at,
    }


@bp.get("/upload")
@requires(Permission.UPLOAD)
def upload() -> Any:
    ids = [j for j in request.args.getlist("job") if ID_RE.match(j)][:MAX_SHOWN_JOBS]
    jobs = [job_view(j) for j in (service().queue.get(i) for i in ids) if j is not None]
    workers = state().workers
    return render_template("upload.html", jobs=jobs,
                           pending=any(not j["done"] for j in jobs),
                           workers_down=workers is None or not workers.alive,
                           max_mb=state().settings.web.max_upload_mb)


@bp.post("/upload")
@requires(Permission.UPLOAD)
def upload_post() -> Any:
    files = [f for f in request.files.getlist("files") if f and f.filename][:MAX_FILES]
    jobs: list[Job] = []
    errors: list[str] = []
    for f in files:
        try:
            jobs.append(save_upload(service(), f.stream, f.filename, actor()))
        except EmptyUpload:
            errors.append(_("upload.empty", name=upload_file_name(f.filename)))
    if not files:
        errors.append(_("upload.none"))
    status_url = url_for("ingest.upload", job=[j.job_id for j in jobs])
    if wants_json():
        code = 200 if jobs else 400
        return jsonify({"jobs": [job_view(j) for j in jobs], "errors": errors,
                        "status_url": status_url}), code
    for message in errors:
        flash(message, "error")
    return redirect(status_url, code=303)


@bp.get("/jobs/<job_id>.json")
@requires(Permission.UPLOAD)
def job_json(job_id: str) -> Any:
    job = service().queue.get(job_id) if ID_RE.match(job_id) else None
    if job is None:
        abort(404)
    return jsonify(job_view(job))


@bp.get("/ingest")
@requires(Permission.INGEST)
def status() -> Any:
    svc = service()
    catalog = svc.archive.catalog
    counts = svc.queue.counts()
    recent = [job_view(j) for j in svc.queue.jobs(limit=30)]
    quarantine = catalog.quarantine("quarantined") + catalog.quarantine("retrying")
    workers = state().workers
    return render_template(
        "ingest.html", counts=counts, recent=recent, quarantine=quarantine,
        rate=svc.queue.pages_since(time.time() - 3600) / 60.0,
        workers_on=workers is not None and workers.alive,
    )


@bp.post("/ingest/quarantine/<qid>/retry")
@requires(Permission.INGEST)
def retry(qid: str) -> Any:
    try:
        retry_quarantined(service(), qid, actor())
    except NotFoundError:
        abort(404)
    flash(_("ingest.retried"), "info")
    return redirect(url_for("ingest.status"), code=303)


@bp.post("/ingest/quarantine/<qid>/discard")
@requires(Permission.INGEST)
def discard(qid: str) -> Any:
    if request.form.get("confirm") != "yes":
        flash(_("ingest.need_confirm"), "error")
        return redirect(url_for("ingest.status"), code=303)
    try:
        discard_quarantined(service(), qid, actor())
    except NotFoundError:
        abort(404)
    flash(_("ingest.discarded"), "info")
    return redirect(url_for("ingest.status"), code=303)
