"""Integrity audit: store, vault, catalog, event log, tree heads and index must all agree.

Problem kinds: ``missing``, ``modified``, ``orphan``, ``signature``, ``record``, ``preflight``,
``log_broken``, ``log_missing_event``, ``log_unknown_document``, ``tree_head``, ``index_missing``,
``index_extra``. A rotating slice (`--slice K/N`) re-hashes only the objects whose name falls
in slice K, so N runs read the whole archive; the catalog, log and index checks always run whole.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archive import merkle
from archive.archive import Archive, utc_iso
from archive.catalog import DocumentRow
from archive.eventlog import ZERO, parse_line
from archive.signing import check_pdf_signatures


@dataclass(frozen=True)
class Problem:
    doc_id: str
    kind: str
    detail: str


@dataclass
class AuditReport:
    ok: bool = True
    checked: int = 0  # objects re-hashed
    documents: int = 0
    bytes_hashed: int = 0
    seconds: float = 0.0
    slice: str = "all"
    started_at: str = ""
    log_size: int = 0
    tree_heads: int = 0
    problems: list[Problem] = field(default_factory=list)

    def add(self, doc_id: str, kind: str, detail: str) -> None:
        self.problems.append(Problem(doc_id, kind, detail))
        self.ok = False

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["problems"] = [asdict(p) for p in self.problems]
        return out


def _in_slice(name: str, k: int, n: int) -> bool:
    return n <= 1 or int(name[:8], 16) % n == k - 1


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(4 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def run_audit(
    archive: Archive,
    *,
    index_ids: Callable[[], set[str]] | None = None,
    slice_k: int = 1,
    slice_n: int = 1,
    pending_objects: set[str] | None = None,
    preflight: Callable[[Path], list[str]] | None = None,
) -> AuditReport:
    started = time.monotonic()
    report = AuditReport(started_at=utc_iso(), slice="all" if slice_n <= 1 else f"{slice_k}/{slice_n}")
    trust = archive.identity.trust_roots()
    pending = pending_objects or set()

    open_docs = archive.catalog.documents()
    vault_docs = archive.vault_catalog.documents()
    report.documents = len(open_docs) + len(vault_docs)

    # -- objects -----------------------------------------------------------------------------
    def check_objects(docs: list[DocumentRow], store: Any, zone: str) -> set[str]:
        referenced: set[str] = set()
        for doc in docs:
            for role, sha in doc.objects():
                referenced.add(sha)
                path = store.path_of(sha)
                if not path.exists():
                    report.add(doc.doc_id, "missing", f"{zone} {role} object {sha[:16]}… is missing")
                    continue
                if not _in_slice(sha, slice_k, slice_n):
                    continue
                actual, size = _hash_file(path)
                report.checked += 1
                report.bytes_hashed += size
                if actual != sha:
                    report.add(doc.doc_id, "modified",
                               f"{zone} {role} object {sha[:16]}… now hashes to {actual[:16]}…")
                    continue
                if zone == "open" and role == "archival":
                    _check_archival(archive, doc, path, trust, report, preflight)
                if zone == "open" and role == "record":
                    _check_record(doc, path, report)
            if zone == "open" and doc.archival_object == doc.original_object:
                # A signed input kept as is: its own signature must still hold.
                path = store.path_of(doc.original_object)
                if path.exists() and _in_slice(doc.original_object, slice_k, slice_n):
                    check = check_pdf_signatures(path.read_bytes(), None)
                    if check.present and not (check.intact and check.valid and check.whole_file):
                        report.add(doc.doc_id, "signature",
                                   f"the original's own signature no longer holds ({check.status})")
        return referenced

    referenced_open = check_objects(open_docs, archive.store, "open")
    referenced_open |= archive.catalog.referenced_objects()
    referenced_vault = check_objects(vault_docs, archive.vault.store, "vault")
    referenced_vault |= archive.vault_catalog.referenced_objects()
    for name in archive.store.iter_names():
        if name not in referenced_open and name not in pending:
            report.add("", "orphan", f"open store object {name[:16]}… belongs to no document")
    for name in archive.vault.store.iter_names():
        if name not in referenced_vault and name not in pending:
            report.add("", "orphan", f"vault object {name[:16]}… belongs to no document")

    # -- event log ---------------------------------------------------------------------------
    leaves = _check_log(archive, report, {d.doc_id for d in open_docs + vault_docs},
                        open_docs + vault_docs)
    _check_tree_heads(archive, leaves, report)

    # -- index -------------------------------------------------------------------------------
    if index_ids is not None:
        indexed = index_ids()
        open_ids = {d.doc_id for d in open_docs}
        for doc_id in sorted(open_ids - indexed):
            report.add(doc_id, "index_missing", "open document missing from the search index")
        for doc_id in sorted(indexed - open_ids):
            report.add(doc_id, "index_extra",
                       "search index holds a document the open catalog does not")
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _check_archival(archive: Archive, doc: DocumentRow, path: Path, trust: list[Any],
                    report: AuditReport, preflight: Callable[[Path], list[str]] | None) -> None:
    check = check_pdf_signatures(path.read_bytes(), trust)
    if not check.ok:
        report.add(doc.doc_id, "signature",
                   f"archival PDF signature is {check.status}" + (f" ({check.detail})"
                                                                   if check.detail else ""))
    if preflight is not None:
        for failure in preflight(path):
            report.add(doc.doc_id, "preflight", failure)


def _check_record(doc: DocumentRow, path: Path, report: AuditReport) -> None:
    try:
        record = json.loads(path.read_bytes())
    except ValueError:
        report.add(doc.doc_id, "record", "document record is not valid JSON")
        return
    if record.get("doc_id") != doc.doc_id or record.get("original", {}).get("sha256") != doc.sha256:
        report.add(doc.doc_id, "record", "document record does not match the catalog")


def _check_log(archive: Archive, report: AuditReport, doc_ids: set[str],
               docs: list[DocumentRow]) -> list[bytes]:
    leaves: list[bytes] = []
    prev = ZERO
    logged_docs: dict[str, set[str]] = {}
    path = archive.log.path
    if not path.exists():
        report.add("", "log_broken", "the event log file is missing")
        return leaves
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            line = raw.rstrip(b"\n")
            try:
                event = parse_line(line)
            except (ValueError, KeyError):
                report.add("", "log_broken", f"event log line {number} is not a valid event")
                return leaves
            if event.seq != number - 1:
                report.add("", "log_broken",
                           f"event log line {number} has sequence {event.seq}: lines were "
                           "removed or reordered")
                return leaves
            if event.prev != prev:
                report.add("", "log_broken",
                           f"event log line {number} does not chain to line {number - 1}: "
                           "an earlier line was edited, removed or reordered")
                return leaves
            prev = event.line_hash
            leaves.append(event.leaf)
            if event.doc_id:
                logged_docs.setdefault(event.doc_id, set()).add(event.type)
    report.log_size = len(leaves)
    for doc in docs:
        types = logged_docs.get(doc.doc_id, set())
        if not types & {"archive", "vault", "hold", "declassify", "reclassify"}:
            report.add(doc.doc_id, "log_missing_event",
                       "document in the catalog has no archive event in the log")
    for doc_id, types in logged_docs.items():
        if "archive" in types or "vault" in types or "hold" in types:
            if doc_id not in doc_ids and not types & {"destroy"}:
                report.add(doc_id, "log_unknown_document",
                           "the log records a document the catalog no longer has")
    return leaves


def _check_tree_heads(archive: Archive, leaves: list[bytes], report: AuditReport) -> None:
    heads = archive.log.tree_heads()
    report.tree_heads = len(heads)
    previous = None
    for head in heads:
        try:
            signature = base64.b64decode(head.signature)
        except ValueError:
            signature = b""
        if not archive.identity.verify_bytes(head.signed_bytes(), signature, head.key_id):
            report.add("", "tree_head", f"tree head of size {head.tree_size} has a bad signature")
            continue
        if head.tree_size > len(leaves):
            report.add("", "tree_head",
                       f"signed tree head covers {head.tree_size} events but the log has "
                       f"{len(leaves)}: the log was rolled back or truncated")
            continue
        if merkle.root(leaves[: head.tree_size]).hex() != head.root_hash:
            report.add("", "tree_head",
                       f"the log's first {head.tree_size} events do not match the signed tree "
                       "head: history was rewritten")
        if previous is not None and previous.tree_size > head.tree_size:
            report.add("", "tree_head", "tree heads go backwards in size")
        previous = head


def write_report(report: AuditReport, directory: Path) -> tuple[Path, Path]:
    from html import escape

    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    json_path = directory / f"audit-{stamp}.json"
    html_path = directory / f"audit-{stamp}.html"
    json_path.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2),
                         encoding="utf-8")
    rows = "".join(
        f"<tr><td>{escape(p.doc_id)}</td><td>{escape(p.kind)}</td><td>{escape(p.detail)}</td></tr>"
        for p in report.problems
    )
    verdict = "Không phát hiện vấn đề" if report.ok else f"{len(report.problems)} vấn đề"
    html_path.write_text(
        "<!doctype html><html lang='vi'><meta charset='utf-8'><title>Báo cáo kiểm tra</title>"
        f"<h1>Báo cáo kiểm tra toàn vẹn {escape(report.started_at)}</h1>"
        f"<p>{escape(verdict)}. Tài liệu: {report.documents}; đối tượng đã băm: {report.checked}; "
        f"sự kiện: {report.log_size}; phần: {escape(report.slice)}; {report.seconds} s.</p>"
        "<table border='1'><tr><th>Tài liệu</th><th>Loại</th><th>Chi tiết</th></tr>"
        f"{rows}</table></html>",
        encoding="utf-8",
    )
    (directory / "latest.json").write_text(json_path.read_text(encoding="utf-8"), encoding="utf-8")
    return json_path, html_path
