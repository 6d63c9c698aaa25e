"""Integrity audit: store, vault, catalog, event log, tree heads and index must all agree.

Problem kinds (``Problem.kind``; the HTML report explains each in Vietnamese):

objects
    ``missing`` (a committed object is gone), ``modified`` (its bytes no longer hash to its
    name), ``orphan`` (a file in the store no document references, or a stray file),
    ``permissions`` (an object is writable: objects are 0444);
archival copies and records
    ``signature`` (not intact, invalid, untrusted, or not covering the whole file),
    ``preflight`` (PDF/A-2b preflight or ``qpdf --check`` failed), ``record`` (the document
    record does not match the catalog), ``catalog`` (a catalog row contradicts itself);
event log
    ``log_broken`` (a line edited, removed or reordered: the hash chain or the sequence breaks),
    ``log_rewritten`` (the log no longer matches a signed tree head, or two heads are not
    consistent), ``log_rollback`` (a signed head, or the head recorded by the previous audit,
    covers more events than the log has), ``tree_head`` (a head is malformed, out of order or
    its signature does not verify), ``log_missing_event``, ``log_unknown_document`` and
    ``log_mismatch`` (catalog and log disagree about a document or its hashes);
index
    ``index_missing``, ``index_extra``.

A rotating slice (`--slice K/N`) re-hashes, and checks the signature and preflight of, only the
objects whose name falls in slice K, so N runs read the whole archive. Existence of every object,
orphans, the catalog, the log, the tree heads and the index are always checked whole: they are
cheap. Vault objects are ciphertexts: the audit checks their hashes (no passphrase needed), not
the signatures inside them.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import os
import stat
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archive import merkle
from archive.archive import Archive, utc_iso
from archive.catalog import DocumentRow
from archive.eventlog import ZERO, TreeHead, parse_line
from archive.proofcheck import head_problems, verify_consistency
from archive.signing import check_pdf_signatures
from archive.store import ObjectStore, _is_hex_name
from sohoa.errors import IntegrityError

Preflight = Callable[[Path], list[str]]

# Events that put a document into the archive, or move it between zones, and the catalog row
# each implies. Any event carrying "sha256"/"archival_sha256"/"record_sha256" for a document
# updates what the catalog must say (a correction logs the new record hash, docs/store.md).
ARCHIVING = frozenset({"archive", "vault", "hold", "declassify", "reclassify"})
REMOVING = frozenset({"destroy"})
HASH_FIELDS = (("sha256", "sha256"), ("archival_sha256", "archival_object"),
               ("record_sha256", "record_object"))
_BUF = 1 << 20
MAX_BREAKS_SHOWN = 20


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
    hash_seconds: float = 0.0
    seconds: float = 0.0
    slice: str = "all"
    started_at: str = ""
    log_size: int = 0
    tree_heads: int = 0
    last_head: dict[str, Any] = field(default_factory=dict)
    ca_fingerprint: str = ""
    logged: bool = True  # whether this audit could be appended to the event log
    signatures_checked: int = 0
    preflights_run: int = 0
    problems: list[Problem] = field(default_factory=list)

    def add(self, doc_id: str, kind: str, detail: str) -> None:
        self.problems.append(Problem(doc_id, kind, detail))
        self.ok = False

    def kinds(self) -> set[str]:
        return {p.kind for p in self.problems}

    @property
    def throughput_mb_s(self) -> float:
        return round(self.bytes_hashed / 1e6 / self.hash_seconds, 1) if self.hash_seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["problems"] = [asdict(p) for p in self.problems]
        out["throughput_mb_s"] = self.throughput_mb_s
        return out


def in_slice(name: str, k: int, n: int) -> bool:
    return n <= 1 or int(name[:8], 16) % n == k - 1


class _Hasher:
    """SHA-256 of files through one reused buffer (no allocation per chunk)."""

    def __init__(self) -> None:
        self.buf = bytearray(_BUF)
        self.view = memoryview(self.buf)
        self.seconds = 0.0

    def hash(self, path: Path, keep: bool = False) -> tuple[str, int, bytes | None]:
        started = time.perf_counter()
        digest = hashlib.sha256()
        size = 0
        kept = bytearray() if keep else None
        with open(path, "rb", buffering=0) as fh:
            while n := fh.readinto(self.buf):
                chunk = self.view[:n]
                digest.update(chunk)
                if kept is not None:
                    kept += chunk
                size += n
        self.seconds += time.perf_counter() - started
        return digest.hexdigest(), size, bytes(kept) if kept is not None else None


def run_audit(
    archive: Archive,
    *,
    index_ids: Callable[[], set[str]] | None = None,
    slice_k: int = 1,
    slice_n: int = 1,
    pending_objects: set[str] | None = None,
    preflight: Preflight | None = None,
    previous_head: dict[str, Any] | None = None,
) -> AuditReport:
    """Check everything; `previous_head` is a head recorded earlier (by the last audit or by an
    auditor) that the log must still contain."""
    started = time.monotonic()
    report = AuditReport(started_at=utc_iso(),
                         slice="all" if slice_n <= 1 else f"{slice_k}/{slice_n}")
    pending = pending_objects or set()
    hasher = _Hasher()
    try:
        report.ca_fingerprint = archive.identity.ca_fingerprint()
    except Exception:
        report.add("", "tree_head", "the CA certificate keys/ca.pem cannot be read")

    open_docs = archive.catalog.documents()
    vault_docs = archive.vault_catalog.documents()
    report.documents = len(open_docs) + len(vault_docs)

    for doc in open_docs:
        _check_document(archive, doc, archive.store, "open", report, hasher, slice_k, slice_n,
                        preflight)
    for doc in vault_docs:
        _check_document(archive, doc, archive.vault.store, "vault", report, hasher, slice_k,
                        slice_n, None)
    _check_orphans(archive.store, archive.catalog.referenced_objects(), pending, "open", report)
    _check_orphans(archive.vault.store, archive.vault_catalog.referenced_objects(), pending,
                   "vault", report)

    tree, latest = _check_log(archive, report, open_docs + vault_docs)
    _check_tree_heads(archive, tree, report)
    if previous_head:
        _check_previous_head(tree, previous_head, report)

    if index_ids is not None:
        indexed = index_ids()
        open_ids = {d.doc_id for d in open_docs}
        for doc_id in sorted(open_ids - indexed):
            report.add(doc_id, "index_missing", "open document missing from the search index")
        for doc_id in sorted(indexed - open_ids):
            report.add(doc_id, "index_extra",
                       "the search index holds a document the open catalog does not")
    report.hash_seconds = round(hasher.seconds, 6)
    report.seconds = round(time.monotonic() - started, 3)
    return report


# -- documents and objects ----------------------------------------------------------------------

def _check_document(archive: Archive, doc: DocumentRow, store: ObjectStore, zone: str,
                    report: AuditReport, hasher: _Hasher, k: int, n: int,
                    preflight: Preflight | None) -> None:
    if zone == "open" and doc.original_object != doc.sha256:
        report.add(doc.doc_id, "catalog",
                   "the catalog's original object is not named by the original's hash")
    for role, sha in doc.objects():
        if not _is_hex_name(sha):
            report.add(doc.doc_id, "catalog", f"{role} object name is not a SHA-256 hash")
            continue
        path = store.path_of(sha)
        try:
            st = path.stat()
        except FileNotFoundError:
            report.add(doc.doc_id, "missing", f"{zone} {role} object {sha[:16]}… is missing")
            continue
        if st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            report.add(doc.doc_id, "permissions",
                       f"{zone} {role} object {sha[:16]}… is writable (objects are read-only)")
        if not in_slice(sha, k, n):
            continue
        keep = zone == "open" and role in ("archival", "record", "original")
        actual, size, data = hasher.hash(path, keep=keep and st.st_size <= (256 << 20))
        report.checked += 1
        report.bytes_hashed += size
        if actual != sha:
            report.add(doc.doc_id, "modified",
                       f"{zone} {role} object {sha[:16]}… now hashes to {actual[:16]}…")
            continue
        if zone != "open":
            continue
        if role == "archival":
            _check_archival(archive, doc, path, data, report, preflight)
        elif role == "record":
            _check_record(doc, data if data is not None else path.read_bytes(), report)
        elif role == "original" and doc.archival_object == doc.original_object:
            # A signed input kept byte-exact: its own signature must still hold (any issuer).
            check = check_pdf_signatures(data if data is not None else path.read_bytes(), None)
            report.signatures_checked += 1
            if check.present and not (check.intact and check.valid and check.whole_file):
                report.add(doc.doc_id, "signature",
                           f"the original's own signature no longer holds ({check.status})")


def _check_archival(archive: Archive, doc: DocumentRow, path: Path, data: bytes | None,
                    report: AuditReport, preflight: Preflight | None) -> None:
    check = archive.check_signature(data if data is not None else path.read_bytes())
    report.signatures_checked += 1
    if not check.ok:
        report.add(doc.doc_id, "signature",
                   f"archival PDF signature is {check.status}"
                   + (f" ({check.detail})" if check.detail else ""))
    if preflight is not None:
        report.preflights_run += 1
        for failure in preflight(path):
            report.add(doc.doc_id, "preflight", failure)


def _check_record(doc: DocumentRow, data: bytes, report: AuditReport) -> None:
    try:
        record = json.loads(data)
        same = (record.get("doc_id") == doc.doc_id
                and record.get("original", {}).get("sha256") == doc.sha256
                and record.get("archival", {}).get("sha256") == doc.archival_object)
    except (ValueError, AttributeError):
        report.add(doc.doc_id, "record", "the document record is not valid JSON")
        return
    if not same:
        report.add(doc.doc_id, "record", "the document record does not match the catalog")


def _check_orphans(store: ObjectStore, referenced: set[str], pending: set[str], zone: str,
                   report: AuditReport) -> None:
    if not store.objects.exists():
        report.add("", "missing", f"the {zone} store's objects/ folder is missing")
        return
    for fan in sorted(store.objects.iterdir()):
        if not fan.is_dir() or fan.is_symlink():
            report.add("", "orphan", f"stray entry {zone} objects/{fan.name[:80]}")
            continue
        for entry in sorted(fan.iterdir()):
            name = entry.name
            if not _is_hex_name(name) or name[:2] != fan.name or not entry.is_file() \
                    or entry.is_symlink():
                report.add("", "orphan", f"stray entry {zone} objects/{fan.name[:8]}/{name[:80]}")
            elif name not in referenced and name not in pending:
                report.add("", "orphan", f"{zone} object {name[:16]}… belongs to no document")


# -- event log ----------------------------------------------------------------------------------

def _check_log(archive: Archive, report: AuditReport, docs: list[DocumentRow]
               ) -> tuple[merkle.Tree, dict[str, dict[str, str]]]:
    """Walk the log once: hash chain, sequence, Merkle leaves, and what it says of documents."""
    tree = merkle.Tree()
    prev = ZERO
    # doc_id -> latest hashes the log recorded for it, and the event types seen
    latest: dict[str, dict[str, str]] = {}
    types: dict[str, set[str]] = {}
    path = archive.log.path
    if not path.exists():
        report.add("", "log_broken", "the event log file is missing")
        return tree, latest
    breaks = 0

    def broken(detail: str) -> None:
        nonlocal breaks
        breaks += 1
        if breaks <= MAX_BREAKS_SHOWN:
            report.add("", "log_broken", detail)

    # Every line is a Merkle leaf as stored, even after a break: the signed heads then tell
    # whether the damage is within what was signed (rewritten) or beyond it.
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            line = raw[:-1] if raw.endswith(b"\n") else raw
            if not raw.endswith(b"\n"):
                broken(f"event log line {number} is incomplete (no end of line)")
            tree.append(merkle.leaf_hash(line))
            try:
                event = parse_line(line)
            except (ValueError, KeyError, TypeError, AttributeError):
                broken(f"event log line {number} is not a valid event")
                prev = hashlib.sha256(line).hexdigest()
                continue
            if event.seq != number - 1:
                broken(f"event log line {number} has sequence number {event.seq}: lines were "
                       "removed, inserted or reordered")
            elif event.prev != prev:
                broken(f"event log line {number} does not chain to line {number - 1}: that "
                       "line was edited, or lines were removed or reordered")
            prev = event.line_hash
            if event.doc_id:
                types.setdefault(event.doc_id, set()).add(event.type)
                fields = {k: str(event.data[k]) for k, _ in HASH_FIELDS if k in event.data}
                if fields:
                    latest.setdefault(event.doc_id, {}).update(fields)
    if breaks > MAX_BREAKS_SHOWN:
        report.add("", "log_broken", f"… and {breaks - MAX_BREAKS_SHOWN} more broken lines")
    report.log_size = tree.size

    catalog_ids = {d.doc_id for d in docs}
    for doc in docs:
        seen = types.get(doc.doc_id, set())
        if seen & REMOVING:
            report.add(doc.doc_id, "catalog", "the log records the destruction of this document "
                       "but it is still in the catalog: run the destruction again to finish it")
        if not seen & ARCHIVING:
            report.add(doc.doc_id, "log_missing_event",
                       "document in the catalog has no archiving event in the log")
            continue
        logged = latest.get(doc.doc_id, {})
        for event_key, attr in HASH_FIELDS:
            if event_key in logged and logged[event_key] != getattr(doc, attr):
                report.add(doc.doc_id, "log_mismatch",
                           f"the catalog's {attr.replace('_', ' ')} {getattr(doc, attr)[:16]}… "
                           f"is not the one the log recorded ({logged[event_key][:16]}…)")
    for doc_id, seen in types.items():
        if seen & {"archive", "vault", "hold"} and doc_id not in catalog_ids \
                and not seen & REMOVING:
            report.add(doc_id, "log_unknown_document",
                       "the log records a document the catalog does not have")
    return tree, latest


def _read_heads(archive: Archive, report: AuditReport) -> list[TreeHead]:
    heads: list[TreeHead] = []
    path = archive.log.heads_path
    if not path.exists():
        report.add("", "tree_head", "the signed tree heads file is missing")
        return heads
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            heads.append(TreeHead.from_json(json.loads(raw)))
        except (ValueError, KeyError, TypeError):
            report.add("", "tree_head", f"tree head line {number} is malformed")
    return heads


def _check_tree_heads(archive: Archive, tree: merkle.Tree, report: AuditReport) -> None:
    heads = _read_heads(archive, report)
    report.tree_heads = len(heads)
    if not heads:
        if tree.size:
            report.add("", "tree_head", "the log has events but no signed tree head")
        return
    try:
        ca = archive.identity.ca_cert()
    except Exception:
        return
    chains: dict[str, list[Any]] = {}
    previous: TreeHead | None = None
    current_root = tree.root()
    for head in heads:
        count = len(report.problems)
        if head.key_id not in chains:
            chains[head.key_id] = archive.identity.chain_for_key_id(head.key_id)
        problems = head_problems(head.to_json(), chains[head.key_id], ca)
        if problems:
            report.add("", "tree_head",
                       f"tree head of size {head.tree_size}: " + "; ".join(problems))
            continue
        try:
            root = bytes.fromhex(head.root_hash)
        except ValueError:
            report.add("", "tree_head", f"tree head of size {head.tree_size} is malformed")
            continue
        if previous is not None:
            if head.tree_size < previous.tree_size:
                report.add("", "tree_head",
                           f"tree heads go backwards: {previous.tree_size} then {head.tree_size}")
            elif head.timestamp < previous.timestamp:
                report.add("", "tree_head", f"tree head of size {head.tree_size} is dated before "
                           "the head signed before it")
            elif head.tree_size <= tree.size:
                # Consecutive heads must be consistent: the later log extends the earlier.
                proof = tree.consistency_proof(previous.tree_size, head.tree_size)
                if not verify_consistency(previous.tree_size, head.tree_size,
                                          bytes.fromhex(previous.root_hash), root, proof):
                    report.add("", "log_rewritten",
                               f"signed heads of size {previous.tree_size} and {head.tree_size} "
                               "are not consistent with each other through this log")
        if head.tree_size > tree.size:
            report.add("", "log_rollback",
                       f"a signed tree head covers {head.tree_size} events but the log has "
                       f"{tree.size}: the log was rolled back or truncated")
        elif head.tree_size > 0:
            proof = tree.consistency_proof(head.tree_size, tree.size)
            if not verify_consistency(head.tree_size, tree.size, root, current_root, proof):
                report.add("", "log_rewritten",
                           f"the log's first {head.tree_size} events do not match the signed "
                           "tree head: history was rewritten")
        if len(report.problems) == count:
            report.last_head = head.to_json()  # the newest head that passed every check
        previous = head


def _check_previous_head(tree: merkle.Tree, head: dict[str, Any], report: AuditReport) -> None:
    """The head an earlier audit (or an auditor) recorded must still be in the log."""
    try:
        size, root = int(head["tree_size"]), bytes.fromhex(str(head["root_hash"]))
    except (KeyError, TypeError, ValueError, binascii.Error):
        return
    if size > tree.size:
        report.add("", "log_rollback",
                   f"an earlier audit saw a signed log of {size} events; the log now has "
                   f"{tree.size}: the log and its tree heads were rolled back")
    elif size and tree.root(size) != root:
        report.add("", "log_rewritten",
                   f"the log's first {size} events differ from those an earlier audit saw")


# -- running and reporting ----------------------------------------------------------------------

def previous_audit_head(reports: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((reports / "latest.json").read_text(encoding="utf-8"))
        head = data.get("last_head") or None
        return head if isinstance(head, dict) else None
    except (OSError, ValueError, AttributeError):
        return None


def audit_and_log(archive: Archive, *, actor: str = "system",
                  **kwargs: Any) -> tuple[AuditReport, Path, Path]:
    """Run the audit, write its report, log it as an event and sign a tree head after it."""
    kwargs.setdefault("previous_head", previous_audit_head(archive.reports))
    report = run_audit(archive, **kwargs)
    try:
        archive.log.append("audit", actor=actor, ok=report.ok, problems=len(report.problems),
                           kinds=sorted(report.kinds()), checked=report.checked,
                           slice=report.slice, log_size=report.log_size)
        head = archive.sign_tree_head()
        if head is not None and report.ok:
            report.last_head = head.to_json()
    except IntegrityError:
        # A broken log cannot take another line (it would chain onto a damaged one); the
        # report says so and the operator restores the log first.
        report.logged = False
    json_path, html_path = write_report(report, archive.reports)
    return report, json_path, html_path


KIND_VI = {
    "missing": ("Thiếu tệp", "Tệp đã lưu trữ không còn trong kho. Khôi phục từ bản sao lưu."),
    "modified": ("Tệp bị thay đổi", "Nội dung tệp không còn khớp mã băm SHA-256 đã ghi."),
    "orphan": ("Tệp thừa", "Tệp trong kho không thuộc tài liệu nào (bị thêm vào hoặc còn sót)."),
    "permissions": ("Tệp không ở chế độ chỉ đọc", "Đối tượng lưu trữ phải là chỉ đọc (0444)."),
    "signature": ("Chữ ký số không đạt", "Chữ ký bị hỏng, không hợp lệ, không tin cậy, hoặc "
                  "không bao trùm toàn bộ tệp (có dữ liệu nối thêm sau chữ ký)."),
    "preflight": ("Không đạt kiểm tra PDF/A-2b", "Bản lưu trữ không đạt tiêu chí PDF/A-2b "
                  "hoặc qpdf --check."),
    "record": ("Hồ sơ tài liệu không khớp", "Bản ghi siêu dữ liệu không khớp danh mục."),
    "catalog": ("Danh mục mâu thuẫn", "Một dòng trong danh mục tự mâu thuẫn."),
    "log_broken": ("Nhật ký bị sửa, xóa hoặc đảo dòng", "Chuỗi băm của nhật ký sự kiện bị đứt."),
    "log_rewritten": ("Nhật ký bị viết lại", "Nhật ký không còn khớp bản tóm tắt cây đã ký."),
    "log_rollback": ("Nhật ký bị quay lui", "Nhật ký ngắn hơn bản tóm tắt cây đã ký trước đó."),
    "tree_head": ("Bản tóm tắt cây không hợp lệ", "Chữ ký, định dạng hoặc thứ tự sai."),
    "log_missing_event": ("Thiếu sự kiện trong nhật ký", "Tài liệu có trong danh mục nhưng "
                          "nhật ký không ghi việc lưu trữ nó."),
    "log_unknown_document": ("Tài liệu lạ trong nhật ký", "Nhật ký ghi một tài liệu mà danh "
                             "mục không có (có thể đã bị xóa khỏi danh mục)."),
    "log_mismatch": ("Danh mục và nhật ký khác nhau", "Mã băm trong danh mục khác mã băm "
                     "nhật ký đã ghi."),
    "index_missing": ("Thiếu trong chỉ mục tìm kiếm", "Chạy `sohoa reindex`."),
    "index_extra": ("Thừa trong chỉ mục tìm kiếm", "Chạy `sohoa reindex`."),
}


def write_report(report: AuditReport, directory: Path) -> tuple[Path, Path]:
    from html import escape

    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    base = f"audit-{stamp}"
    n = 1
    while (directory / f"{base}.json").exists():
        n += 1
        base = f"audit-{stamp}-{n}"
    json_path = directory / f"{base}.json"
    html_path = directory / f"{base}.html"
    text = json.dumps(report.to_json(), ensure_ascii=False, indent=2)
    _write_durable(json_path, text)
    rows = "".join(
        "<tr><td>{}</td><td title='{}'>{}</td><td>{}</td></tr>".format(
            escape(p.doc_id) or "—", escape(p.kind),
            escape(KIND_VI.get(p.kind, (p.kind, ""))[0]), escape(p.detail))
        for p in report.problems
    )
    legend = "".join(
        f"<dt>{escape(KIND_VI[k][0])}</dt><dd>{escape(KIND_VI[k][1])}</dd>"
        for k in sorted(report.kinds()) if k in KIND_VI
    )
    verdict = ("Không phát hiện vấn đề nào." if report.ok
               else f"Phát hiện {len(report.problems)} vấn đề.")
    head = report.last_head
    head_html = (f"<p>Bản tóm tắt cây đã ký mới nhất: {head.get('tree_size')} sự kiện, gốc "
                 f"<code>{escape(str(head.get('root_hash', '')))}</code>, lúc "
                 f"{escape(str(head.get('timestamp', '')))}.</p>") if head else ""
    scope = "toàn bộ" if report.slice == "all" else f"phần {escape(report.slice)}"
    page = (
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
        "<title>Báo cáo kiểm tra toàn vẹn kho lưu trữ</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em .5em;"
        "text-align:left;vertical-align:top}.ok{color:#060}.bad{color:#a00}</style></head><body>"
        f"<h1>Báo cáo kiểm tra toàn vẹn kho lưu trữ</h1>"
        f"<p>Bắt đầu lúc {escape(report.started_at)}, phạm vi kiểm tra: {scope}.</p>"
        f"<p class='{'ok' if report.ok else 'bad'}'><strong>{escape(verdict)}</strong></p>"
        "<ul>"
        f"<li>Số tài liệu: {report.documents}</li>"
        f"<li>Số tệp đã băm lại: {report.checked} ({report.bytes_hashed / 1e6:.1f} MB, "
        f"{report.throughput_mb_s} MB/giây)</li>"
        f"<li>Số chữ ký số đã kiểm tra: {report.signatures_checked}; số lần kiểm tra PDF/A: "
        f"{report.preflights_run}</li>"
        f"<li>Số sự kiện trong nhật ký: {report.log_size}; số bản tóm tắt cây đã ký: "
        f"{report.tree_heads}</li>"
        f"<li>Dấu vân tay SHA-256 của chứng thư gốc (CA): "
        f"<code>{escape(report.ca_fingerprint)}</code></li>"
        f"<li>Thời gian: {report.seconds} giây</li>"
        + ("" if report.logged else "<li class='bad'>Không ghi được lần kiểm tra này vào nhật ký "
           "vì nhật ký đã hỏng.</li>")
        + "</ul>"
        f"{head_html}"
        + (("<h2>Các vấn đề</h2><table><tr><th>Tài liệu</th><th>Loại</th><th>Chi tiết</th></tr>"
            f"{rows}</table><h2>Giải thích</h2><dl>{legend}</dl>") if report.problems else "")
        + "</body></html>"
    )
    _write_durable(html_path, page)
    _write_durable(directory / "latest.json", text)
    return json_path, html_path


def _write_durable(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


__all__ = ["AuditReport", "Problem", "audit_and_log", "in_slice", "run_audit", "write_report"]
