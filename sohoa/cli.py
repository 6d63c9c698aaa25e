"""The `sohoa` command line. One error handler maps our exceptions to exit codes and messages."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from sohoa import __version__
from sohoa.errors import ExitCode, NotFoundError, SettingsError, SohoaError
from sohoa.logs import configure, get_logger
from sohoa.settings import SETTINGS_FILE, Settings, default_home, load_settings, render_default_toml

log = get_logger("sohoa.cli")

Handler = Callable[[argparse.Namespace, Settings], int]
COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        return fn

    return register


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _service(settings: Settings):  # type: ignore[no-untyped-def]
    from sohoa.pipeline import Service

    return Service(settings).open()


def _passphrase(settings: Settings, *, confirm: bool = False,
                prompt: str = "Mật khẩu kho mật: ") -> str:
    value = os.environ.get(settings.vault.passphrase_env, "")
    if value:
        return value
    if not sys.stdin.isatty():
        raise SettingsError(
            f"the vault passphrase is needed: set {settings.vault.passphrase_env} or run "
            "interactively"
        )
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Nhập lại: ") != first:
        raise SettingsError("the two passphrases differ")
    return first


def _unlock(settings: Settings, archive: Any) -> Any:
    """The vault, unlocked with the passphrase from the environment or a prompt (exit 7 when
    neither gives the right one)."""
    from sohoa.errors import VaultLockedError

    name = settings.vault.passphrase_env
    if not os.environ.get(name) and not sys.stdin.isatty():
        raise VaultLockedError(f"the vault is locked: set {name} or run interactively")
    return archive.vault.unlock(_passphrase(settings))


def _ram_dir(settings: Settings) -> Path:
    """Where plaintext work files go: RAM (`ocr.ram_tmp_dir`), else HOME/work/tmp."""
    base = Path(settings.ocr.ram_tmp_dir)
    if base.is_dir() and os.access(base, os.W_OK):
        return base
    fallback = settings.home / "work" / "tmp"
    fallback.mkdir(parents=True, exist_ok=True)
    log.warning("workdir.not_in_ram", path=str(fallback))
    return fallback


# -- init ---------------------------------------------------------------------------------------

@command("init")
def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    from archive import Archive

    home = settings.home
    home.mkdir(parents=True, exist_ok=True)
    settings_path = home / SETTINGS_FILE
    if not settings_path.exists():
        settings_path.write_text(render_default_toml(), encoding="utf-8")
    archive = Archive(home)
    pkcs12 = None
    if args.pkcs12:
        pw = os.environ.get("SOHOA_PKCS12_PASSPHRASE", "")
        pkcs12 = (Path(args.pkcs12).read_bytes(), pw.encode() if pw else None)
    already = archive.is_initialised()
    passphrase = "" if archive.vault.exists() else _passphrase(settings, confirm=True)
    archive.create(args.organisation or settings.archive.organisation, passphrase, pkcs12)
    service = _service(settings)
    _ = service.index  # opening it creates it
    settings.inbox.mkdir(parents=True, exist_ok=True)
    service.close()
    result = {"home": str(home), "created": not already, "inbox": str(settings.inbox),
              "vault_recipient": archive.vault.recipient_path.read_text().strip()}
    if args.json:
        _print_json(result)
    else:
        print(("Đã có sẵn" if already else "Đã tạo") + f" kho lưu trữ: {home}")
        print(f"Thư mục quét (inbox): {settings.inbox}")
    return 0


# -- ingest -------------------------------------------------------------------------------------

def expand_inputs(paths: Iterable[str]) -> list[Path]:
    from ingest.watcher import is_unfinished_name

    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if (child.is_file() and not child.is_symlink()
                        and not is_unfinished_name(child.name)):
                    out.append(child)
        elif path.is_file():
            out.append(path)
        else:
            raise NotFoundError(f"no such file or folder: {raw}")
    return out


STATUS_VI = {
    "archived": "đã lưu trữ",
    "classified": "tài liệu mật, đã đưa vào kho mật",
    "held": "TUYỆT MẬT, tạm giữ chờ cán bộ xử lý",
    "duplicate": "trùng lặp",
    "quarantined": "cách ly",
    "queued": "đang chờ",
}


@command("ingest")
def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    if args.authorisation or args.scanned_by:
        import dataclasses

        settings = dataclasses.replace(settings, vault=dataclasses.replace(
            settings.vault,
            scan_authorisation=args.authorisation or settings.vault.scan_authorisation,
            scanned_by=args.scanned_by or settings.vault.scanned_by))
    service = _service(settings)
    service.recover()
    inputs = expand_inputs(args.paths)
    jobs = {}
    for path in inputs:
        job = service.submit(path, move=False, source_label=str(path))
        jobs[job.job_id] = path

    def report(outcome: Any) -> None:
        if outcome.job_id not in jobs:
            return
        if args.json:
            _print_json(outcome.to_json())
        else:
            label = STATUS_VI.get(outcome.status, outcome.status)
            archived = outcome.status == "archived"
            extra = f" → {outcome.doc_id}" if outcome.doc_id and archived else ""
            reason = f" ({outcome.reason})" if outcome.reason and not archived else ""
            pages = f", {outcome.pages} trang" if outcome.pages else ""
            print(f"{outcome.source}: {label}{extra}{pages}{reason}", flush=True)

    outcomes = service.run_workers(workers=args.workers, until_empty=True, on_outcome=report)
    service.close()
    final = {"archived", "classified", "duplicate", "quarantined", "held"}
    mine = [o for o in outcomes if o.job_id in jobs and o.status in final]
    return 0 if len({o.job_id for o in mine}) == len(jobs) else ExitCode.PROBLEMS_FOUND


# -- watch --------------------------------------------------------------------------------------

@command("watch")
def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.watcher import InboxWatcher

    service = _service(settings)
    service.recover()
    inbox = Path(args.inbox) if args.inbox else settings.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    watcher = InboxWatcher(
        inbox,
        on_ready=lambda path: service.submit(path, move=True,
                                             source_label=str(path.relative_to(inbox))),
        quiet_seconds=settings.ingest.quiet_seconds,
        rescan_seconds=settings.ingest.rescan_seconds,
        polling=args.polling,
    )
    print(f"Đang theo dõi {inbox} (Ctrl+C để dừng)", flush=True)
    import threading

    stop = threading.Event()
    watcher.start()
    worker = threading.Thread(
        target=service.run_workers,
        kwargs={"workers": args.workers, "until_empty": False, "stop": stop,
                "on_outcome": lambda o: _print_json(o.to_json()) if args.json else print(
                    f"{o.source}: {STATUS_VI.get(o.status, o.status)}"
                    + (f" ({o.reason})" if o.reason else ""), flush=True)},
        daemon=True,
    )
    worker.start()
    try:
        last_head = time.monotonic()
        while worker.is_alive():
            time.sleep(1)
            if time.monotonic() - last_head > 60:
                service.archive.sign_tree_head()
                last_head = time.monotonic()
            if args.once and not service._queue_busy() and watcher.idle():
                break
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        watcher.stop()
        worker.join(timeout=30)
        service.archive.sign_tree_head()
        service.close()
    return 0


# -- search / show ------------------------------------------------------------------------------

@command("search")
def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from search import SearchQuery

    service = _service(settings)
    text = args.query[: settings.search.max_query_chars]
    results = service.index.search(SearchQuery(
        text=text, doc_type=args.type or "", year=args.year, page=args.page,
        page_size=args.limit, sort=args.sort, issuing_body=args.issuer or "",
        signer=args.signer or "", file_code=args.file_code or "",
        date_from=args.date_from or "", date_to=args.date_to or "",
    ))
    if args.json:
        _print_json({
            "total": results.total,
            "hits": [{"doc_id": h.doc_id, "title": h.title, "snippet": h.snippet_text,
                      "snippet_html": h.snippet_html, "score": round(h.score, 4),
                      "date": h.date, "number_symbol": h.number_symbol}
                     for h in results.hits],
            "facets": {k: dict(v) for k, v in results.facets.items()},
            "page": results.page,
            "fuzzy": results.corrected,
        })
    else:
        print(f"{results.total} kết quả" + (" (tìm gần đúng)" if results.corrected else ""))
        for h in results.hits:
            print(f"- {h.doc_id}  {h.title}  [{h.score:.2f}]")
            print(f"    {h.snippet_text[:200]}")
    service.close()
    return 0


@command("reindex")
def cmd_reindex(args: argparse.Namespace, settings: Settings) -> int:
    """Rebuild the search index from the store into a new directory and swap it in."""
    service = _service(settings)
    started = time.monotonic()
    count = service.rebuild_index()
    seconds = round(time.monotonic() - started, 2)
    service.close()
    if args.json:
        _print_json({"documents": count, "seconds": seconds,
                     "backend": settings.search.backend})
    else:
        print(f"Đã lập lại chỉ mục tìm kiếm: {count} tài liệu, {seconds} s")
    return 0


def document_view(service: Any, doc_id: str) -> dict[str, Any]:
    row = service.archive.get(doc_id)
    if row is None:
        raise NotFoundError(f"no document {doc_id}")
    out: dict[str, Any] = {"doc_id": row.doc_id, "status": row.status, "secrecy": row.secrecy,
                           "sha256": row.sha256, "received_at": row.received_at,
                           "archived_at": row.archived_at, "pages": row.pages,
                           "review": row.review}
    if row.zone != "open":
        out["metadata"] = {}
        out["signature"] = {"status": row.signature_status}
        out["note"] = "classified: metadata and files are in the encrypted vault"
        return out
    record = service.archive.open_record(row)
    out["metadata"] = record["metadata"]
    out["original_name"] = row.original_name
    out["signature"] = record["archival"]["signature"]
    out["classification"] = record["classification"]
    out["ocr"] = record.get("ocr", {})
    out["page_confidence"] = [p.get("confidence") for p in record.get("pages", [])]
    out["original_path"] = str(service.archive.store.path_of(row.original_object))
    out["archival_path"] = str(service.archive.store.path_of(row.archival_object))
    out["archival_sha256"] = row.archival_object
    return out


@command("show")
def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    service = _service(settings)
    view = document_view(service, args.doc_id)
    service.close()
    if args.json:
        _print_json(view)
        return 0
    print(f"Tài liệu {view['doc_id']}: {STATUS_VI.get(view['status'], view['status'])}, "
          f"độ mật {view['secrecy']}")
    print(f"SHA-256 bản gốc: {view['sha256']}")
    for key, value in (view.get("metadata") or {}).items():
        if value not in ("", None, [], 0):
            print(f"  {key}: {value}")
    if "signature" in view:
        print(f"Chữ ký số: {view['signature'].get('status')}")
    return 0


# -- review -------------------------------------------------------------------------------------

def _actor(args: argparse.Namespace) -> str:
    name = args.by or os.environ.get("SOHOA_USER") or getpass.getuser()
    return "cli:" + "".join(c for c in name if c.isprintable())[:64]


@command("review")
def cmd_review(args: argparse.Namespace, settings: Settings) -> int:
    """The review queue: list, show, confirm, correct (archive/review.py)."""
    from archive import review
    from sohoa.records import Secrecy

    service = _service(settings)
    try:
        archive = service.archive
        if args.review_action == "list":
            items = review.review_queue(archive)
            if args.json:
                _print_json({"count": len(items), "items": [i.to_json() for i in items]})
            else:
                print(f"{len(items)} tài liệu chờ xem xét")
                for i in items:
                    reasons = ", ".join(i.reasons)
                    print(f"- {i.doc_id}  [{i.zone}, {i.secrecy}]  {i.title}"
                          + (f"  ({reasons})" if reasons else ""))
            return 0
        row = archive.get(args.doc_id)
        if row is None:
            raise NotFoundError(f"no document {args.doc_id}")
        if args.review_action == "show":
            view = document_view(service, args.doc_id)
            if args.json:
                _print_json(view)
            else:
                print(f"Tài liệu {view['doc_id']} [{row.zone}], độ mật {view['secrecy']}, "
                      f"cần xem xét: {'có' if view['review'] else 'không'}")
                cls = view.get("classification") or {}
                if cls:
                    print(f"  độ tin cậy {cls.get('confidence')}, lý do: "
                          f"{', '.join(cls.get('review_reasons', [])) or '-'}")
                    for e in cls.get("evidence", []):
                        print(f"  dấu hiệu: {e['signal']} {e['level']} {e['score']} "
                              f"trang {e.get('page')} {e.get('detail', '')}")
                for key, value in (view.get("metadata") or {}).items():
                    if value not in ("", None, [], 0):
                        print(f"  {key}: {value}")
            return 0

        def index_update(updated: Any) -> None:
            service.index.add([service.index_document(updated)])

        actor = _actor(args)
        if args.review_action == "confirm":
            updated = review.confirm(archive, args.doc_id, actor, index_update)
        else:
            values = {}
            for item in args.set or []:
                name, sep, raw = item.partition("=")
                if not sep:
                    raise SettingsError(f"--set takes field=value, not {item!r}")
                values[name.strip()] = review.parse_value(name.strip(), raw)
            secrecy = Secrecy(args.secrecy) if args.secrecy else None
            if secrecy is None and not values:
                raise SettingsError("nothing to correct: give --secrecy and/or --set")
            updated = review.correct(archive, args.doc_id, actor, secrecy=secrecy,
                                     values=values, index_update=index_update,
                                     index_rebuild=lambda: service.rebuild_index(purge=True))
        archive.sign_tree_head()
        out = {"doc_id": updated.doc_id, "zone": updated.zone, "status": updated.status,
               "secrecy": updated.secrecy, "review": updated.review}
        if args.json:
            _print_json(out)
        else:
            print(f"Đã ghi: {updated.doc_id} [{updated.zone}], độ mật {updated.secrecy}")
        return 0
    finally:
        service.close()


# -- vault --------------------------------------------------------------------------------------

def _check_date(text: str) -> str:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise SettingsError(f"not a date (YYYY-MM-DD): {text!r}") from None


@command("vault")
def cmd_vault(args: argparse.Namespace, settings: Settings) -> int:
    """Officers' view of the vault: list, show, copies, search, keep, destroy, declassify."""
    from archive import decisions

    service = _service(settings)
    archive = service.archive
    try:
        action = args.vault_action
        if action == "list":
            return _vault_list(args, archive)
        if action == "copies":
            rows = archive.vault_catalog.copies(args.doc_id)
            if args.json:
                _print_json({"copies": [c.to_json() for c in rows]})
            else:
                for c in rows:
                    numbers = ", ".join(f"{n:02d}" for n in c.numbers)
                    print(f"{c.doc_id}  số {numbers}  {c.kind} ({c.state})  {c.made_at}  "
                          f"{c.made_by}  căn cứ: {c.authorisation or '-'}  {c.reference}")
            return 0
        actor = _actor(args)
        if action in ("show", "keep", "destroy", "declassify", "search"):
            unlocked = _unlock(settings, archive)
        if action == "search":
            return _vault_search(args, service, unlocked, actor)
        if action == "show":
            return _vault_show(args, archive, unlocked, actor)
        if action == "keep":
            row = service.keep_held(args.doc_id, unlocked, actor=actor, reference=args.reference)
            out = {"doc_id": row.doc_id, "status": row.status, "secrecy": row.secrecy}
            message = f"Đã xử lý và giữ trong kho mật: {row.doc_id} ({row.secrecy})"
        elif action == "destroy":
            out = decisions.destroy(archive, unlocked, args.doc_id, actor=actor,
                                    reference=args.reference)
            message = (f"Đã hủy {args.doc_id} ({out['level']}); biên bản hủy ghi trong nhật ký, "
                       f"căn cứ {out['reference']}")
        else:
            row = service.declassify(args.doc_id, unlocked, actor=actor,
                                     reference=args.reference, date=_check_date(args.date))
            out = {"doc_id": row.doc_id, "status": row.status, "secrecy": row.secrecy,
                   "zone": row.zone}
            message = f"Đã giải mật {row.doc_id}: chuyển sang kho lưu trữ thường và chỉ mục"
        archive.sign_tree_head()
        if args.json:
            _print_json(out)
        else:
            print(message)
        return 0
    finally:
        service.close()


def _vault_list(args: argparse.Namespace, archive: Any) -> int:
    rows = archive.vault_catalog.documents()
    copies: dict[str, int] = {}
    for c in archive.vault_catalog.copies():
        if c.state == "made":
            copies[c.doc_id] = copies.get(c.doc_id, 0) + c.count
    destroyed = [{"doc_id": e.doc_id, "level": e.data.get("level"), "by": e.actor, "at": e.ts,
                  "reference": e.data.get("reference"), "sha256": e.data.get("sha256")}
                 for e in archive.log.events() if e.type == "destroy"]
    items = [{"doc_id": r.doc_id, "level": r.secrecy, "status": r.status,
              "received_at": r.received_at, "pages": r.pages, "review": r.review,
              "copies": copies.get(r.doc_id, 0)} for r in rows]
    if args.json:
        _print_json({"count": len(items), "documents": items, "destroyed": destroyed})
        return 0
    print(f"{len(items)} tài liệu trong kho mật")
    for i in items:
        print(f"- {i['doc_id']}  [{i['level']}, {STATUS_VI.get(i['status'], i['status'])}]  "
              f"nhận {i['received_at']}, {i['pages']} trang, {i['copies']} bản sao")
    for d in destroyed:
        print(f"- {d['doc_id']}  [{d['level']}] ĐÃ HỦY {d['at']} bởi {d['by']}, "
              f"căn cứ {d['reference']}")
    return 0


def _vault_search(args: argparse.Namespace, service: Any, unlocked: Any, actor: str) -> int:
    """The vault's index, decrypted into this process's memory only; the query is not logged
    (it may itself be secret), the documents it showed are."""
    from search import SearchQuery

    archive = service.archive
    index = service.vault_index(unlocked)
    try:
        results = index.search(SearchQuery(
            text=args.query[: service.settings.search.max_query_chars], page_size=args.limit))
    finally:
        index.close()
    hits = []
    for h in results.hits:
        row = archive.vault_catalog.get(h.doc_id)
        hits.append({"doc_id": h.doc_id, "level": row.secrecy if row else "", "title": h.title,
                     "snippet": h.snippet_text, "score": round(h.score, 4), "date": h.date,
                     "number_symbol": h.number_symbol})
    archive.log.append("vault_search", actor=actor, hits=len(hits),
                       doc_ids=[h["doc_id"] for h in hits])
    if args.json:
        _print_json({"total": results.total, "hits": hits})
    else:
        print(f"{results.total} kết quả trong kho mật")
        for h in hits:
            print(f"- {h['doc_id']} [{h['level']}]  {h['title']}")
            print(f"    {h['snippet'][:200]}")
    return 0


def _vault_show(args: argparse.Namespace, archive: Any, unlocked: Any, actor: str) -> int:
    row = archive.vault_catalog.get(args.doc_id)
    if row is None:
        raise NotFoundError(f"no classified document {args.doc_id}")
    record = json.loads(unlocked.read(row.record_object))
    archive.log.append("access", doc_id=row.doc_id, actor=actor, action="show",
                       level=row.secrecy, granted=True)
    view = {"doc_id": row.doc_id, "level": row.secrecy, "status": row.status,
            "received_at": row.received_at, "archived_at": row.archived_at,
            "sha256": row.sha256, "pages": row.pages,
            "metadata": record.get("metadata", {}),
            "original_name": record.get("original", {}).get("name", ""),
            "classification": record.get("classification", {}),
            "signature": record.get("archival", {}).get("signature", {}),
            "copies": [c.to_json() for c in archive.vault_catalog.copies(row.doc_id)]}
    if args.json:
        _print_json(view)
        return 0
    print(f"Tài liệu {row.doc_id}: {row.secrecy}, {STATUS_VI.get(row.status, row.status)}")
    for key, value in view["metadata"].items():
        if value not in ("", None, [], 0):
            print(f"  {key}: {value}")
    for c in view["copies"]:
        print(f"  bản sao {c['numbers']}: {c['kind']} {c['at']} {c['by']} ({c['state']})")
    return 0


# -- audit --------------------------------------------------------------------------------------

@command("audit")
def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    from archive.audit import audit_and_log
    from archive.preflight import preflight
    from sohoa.pipeline import Service

    k, n = 1, 1
    if args.slice:
        try:
            k_text, n_text = args.slice.split("/")
            k, n = int(k_text), int(n_text)
            if not 1 <= k <= n:
                raise ValueError
        except ValueError:
            raise SettingsError("--slice takes K/N with 1 <= K <= N") from None
    # Not Service.open(): that refuses a damaged event log, which is what the audit must report.
    service = Service(settings)
    service.archive.open(load_log=False)
    service.queue.create()
    pending = set()
    for job in service.queue.jobs(limit=100000):
        pending.update(job.pending_objects)
    report, json_path, html_path = audit_and_log(
        service.archive, actor="cli", index_ids=service.index.doc_ids, slice_k=k, slice_n=n,
        pending_objects=pending, preflight=preflight,
    )
    service.close()
    if args.json:
        out = report.to_json()
        out["report"] = str(json_path)
        out["report_html"] = str(html_path)
        _print_json(out)
    else:
        print("Kiểm tra: " + ("KHÔNG có vấn đề" if report.ok else f"{len(report.problems)} vấn đề"))
        print(f"  tài liệu {report.documents}, đối tượng đã băm {report.checked} "
              f"({report.throughput_mb_s} MB/s), chữ ký {report.signatures_checked}, "
              f"sự kiện {report.log_size}, {report.seconds} s")
        for p in report.problems:
            print(f"  - [{p.kind}] {p.doc_id or '-'}: {p.detail}")
        print(f"Báo cáo: {html_path}")
    return 0 if report.ok else ExitCode.PROBLEMS_FOUND


# -- proofs and keys ----------------------------------------------------------------------------

@command("prove")
def cmd_prove(args: argparse.Namespace, settings: Settings) -> int:
    from archive import Archive
    from archive.proofs import consistency_bundle, inclusion_bundle

    archive = Archive(settings.home)
    archive.open()
    if args.consistency:
        if args.doc_id or len(args.consistency) > 2:
            raise SettingsError("use `sohoa prove DOC_ID` or `sohoa prove --consistency OLD [NEW]`")
        try:
            sizes = [int(x) for x in args.consistency]
        except ValueError:
            raise SettingsError("tree sizes are whole numbers") from None
        bundle = consistency_bundle(archive, sizes[0], sizes[1] if len(sizes) > 1 else None)
    elif args.doc_id:
        bundle = inclusion_bundle(archive, args.doc_id)
    else:
        raise SettingsError("give a document id, or --consistency OLD_SIZE [NEW_SIZE]")
    text = json.dumps(bundle, ensure_ascii=False, indent=1) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


@command("verify-proof")
def cmd_verify_proof(args: argparse.Namespace, settings: Settings) -> int:
    # Needs no home: archive/proofcheck.py uses the standard library and `cryptography` only.
    from archive import proofcheck

    argv = [args.file]
    if args.ca_fingerprint:
        argv += ["--ca-fingerprint", args.ca_fingerprint]
    if args.document:
        argv += ["--document", args.document]
    if args.known_head:
        argv += ["--known-head", args.known_head]
    if args.json:
        argv.append("--json")
    return proofcheck.main(argv)


@command("keys")
def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    from archive import Archive

    archive = Archive(settings.home)
    archive.open()
    if args.action == "rotate":
        number = archive.rotate_signing_key(args.organisation or settings.archive.organisation,
                                            actor="cli")
        print(f"Đã cấp chứng thư ký số mới #{number}; các chứng thư cũ vẫn được giữ trong "
              f"{archive.identity.dir}")
    identity = archive.identity
    from archive.proofcheck import fingerprint, key_id

    rows = []
    for path in identity.all_signer_certs():
        chain = identity.chain(int(path.stem.split("-")[1]))
        cert = chain[0]
        rows.append({"number": int(path.stem.split("-")[1]), "key_id": key_id(cert),
                     "subject": cert.subject.rfc4514_string(),
                     "not_after": cert.not_valid_after_utc.isoformat(),
                     "sha256": fingerprint(cert)})
    out = {"ca_sha256_fingerprint": identity.ca_fingerprint(),
           "current": identity.current_number(), "certificates": rows}
    if args.json:
        _print_json(out)
    elif args.action == "list":
        print(f"Chứng thư gốc (CA), SHA-256: {out['ca_sha256_fingerprint']}")
        for row in rows:
            mark = "*" if row["number"] == out["current"] else " "
            print(f"{mark} #{row['number']} {row['subject']} (hết hạn {row['not_after']})")
    return 0


# -- export -------------------------------------------------------------------------------------

@command("export")
def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Classified documents as a signed BagIt bag, age-encrypted (archive/export.py)."""
    from archive import Archive
    from archive.export import ExportRequest, export_documents, parse_recipients, select_documents
    from sohoa.records import Secrecy

    parse_recipients(args.recipient or [])  # bad keys are a usage error before any work
    archive = Archive(settings.home)
    archive.open()
    try:
        level = Secrecy(args.level) if args.level else None
        rows = select_documents(archive, ids=args.ids, level=level)
        out = Path(args.out)
        if out.exists() and not args.force:
            raise SettingsError(f"{out} exists: choose another --out (or --force)")
        if not out.parent.is_dir():
            raise SettingsError(f"no such folder: {out.parent}")
        unlocked = _unlock(settings, archive)
        request = ExportRequest(
            doc_ids=tuple(r.doc_id for r in rows), recipients=tuple(args.recipient),
            exporter=_actor(args), organisation=settings.archive.organisation,
            marked_copies=not args.no_marked_copy)
        result = export_documents(archive, unlocked, request, out, _ram_dir(settings))
    finally:
        archive.catalog.close()
        archive.vault_catalog.close()
    if args.json:
        _print_json({"out": str(out), **result.to_json()})
    else:
        print(f"Đã xuất {len(result.documents)} tài liệu ({result.level}) vào {out}, "
              f"mã xuất {result.export_id}, mã hóa cho {len(result.recipients)} người nhận.")
        for d in result.documents:
            print(f"  {d.doc_id}: bản sao số {d.copy_number:02d}")
        print(f"SHA-256 của tệp xuất: {result.ciphertext_sha256}")
    return 0


@command("verify-export")
def cmd_verify_export(args: argparse.Namespace, settings: Settings) -> int:
    # Needs no home: what a recipient runs.
    from archive.exportcheck import read_identities, verify_export

    identities = read_identities(Path(args.identity))
    result = verify_export(Path(args.file), identities, ca_fingerprint=args.ca_fingerprint,
                           workdir=Path(args.workdir) if args.workdir else None,
                           extract_to=Path(args.extract) if args.extract else None)
    if args.json:
        _print_json(result.to_json())
    else:
        for line in result.checks:
            print(f"ok: {line}")
        for p in result.problems:
            print(f"FAILED [{p['kind']}]: {p['detail']}")
        if result.ca_fingerprint:
            print(f"CA certificate SHA-256 fingerprint: {result.ca_fingerprint}")
            print("Compare it with the fingerprint the organisation published.")
        if result.extracted_to:
            print(f"Extracted to {result.extracted_to}")
        print("VALID" if result.ok else "INVALID")
    return 0 if result.ok else ExitCode.PROBLEMS_FOUND


# -- status -------------------------------------------------------------------------------------

@command("status")
def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    service = _service(settings)
    q = service.queue.counts()
    docs = service.archive.catalog.counts_by_status()
    vault = service.archive.vault_catalog.counts_by_status()
    counts = {
        "queued": q.get("queued", 0),
        "processing": q.get("processing", 0),
        "archived": docs.get("archived", 0),
        "classified": vault.get("classified", 0),
        "held": vault.get("held", 0),
        "duplicate": service.archive.catalog.duplicate_count(),
        "quarantined": service.archive.catalog.quarantine_count(),
    }
    quarantine = [{"id": r.qid, "source": r.source_name, "reason": r.reason,
                   "reason_code": r.reason_code, "at": r.at}
                  for r in service.archive.catalog.quarantine()]
    pages_hour = service.queue.pages_since(time.time() - 3600)
    errors = [{"job": j.job_id, "source": j.original_name, "error": j.last_error}
              for j in service.queue.recent_errors()]
    service.close()
    out = {"counts": counts, "quarantine": quarantine,
           "pages_per_minute": round(pages_hour / 60, 2), "last_errors": errors}
    if args.json:
        _print_json(out)
    else:
        print("Trạng thái: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        print(f"Tốc độ giờ qua: {out['pages_per_minute']} trang/phút")
        if quarantine:
            print("Cách ly:")
            for item in quarantine:
                print(f"  - {item['source']}: {item['reason']}  (id {item['id']})")
    return 0


# -- quarantine -----------------------------------------------------------------------------------

@command("quarantine")
def cmd_quarantine(args: argparse.Namespace, settings: Settings) -> int:
    service = _service(settings)
    try:
        if args.action == "list":
            rows = service.archive.catalog.quarantine()
            if args.json:
                _print_json([{"id": r.qid, "source": r.source_name, "reason_code": r.reason_code,
                              "reason": r.reason, "sha256": r.sha256, "at": r.at} for r in rows])
            else:
                for r in rows:
                    print(f"{r.qid}  {r.source_name}: {r.reason}")
            return 0
        if not args.id:
            raise SettingsError(
                f"quarantine {args.action} needs an ID (see `sohoa quarantine list`)")
        if args.action == "retry":
            service.retry_quarantined(args.id, actor="cli")
            outcomes = service.run_workers(workers=1, until_empty=True)
            for o in outcomes:
                if args.json:
                    _print_json(o.to_json())
                else:
                    print(f"{o.source}: {STATUS_VI.get(o.status, o.status)}"
                          + (f" ({o.reason})" if o.reason else ""))
        else:
            service.discard_quarantined(args.id, actor="cli")
            print(f"Đã hủy tệp cách ly {args.id} (ghi nhật ký).")
        return 0
    finally:
        service.close()


# -- users --------------------------------------------------------------------------------------

def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        text = sys.stdin.read()
        # One trailing newline belongs to the pipe (`echo`), not to the password.
        return text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text
    if not sys.stdin.isatty():
        raise SettingsError("give the password on standard input with --password-stdin")
    first = getpass.getpass("Mật khẩu: ")
    if getpass.getpass("Nhập lại: ") != first:
        raise SettingsError("the two passwords differ")
    return first


@command("user")
def cmd_user(args: argparse.Namespace, settings: Settings) -> int:
    from archive import Archive
    from sohoa.accounts import Accounts

    archive = Archive(settings.home)
    archive.open()
    accounts = Accounts(archive.catalog, archive.log)
    actor = "cli"
    try:
        if args.user_command == "add":
            user = accounts.add(args.name, args.role, _read_password(args),
                                args.clearance or "none", actor=actor)
            print(f"Đã tạo tài khoản {user.name} ({user.role.value}, "
                  f"độ mật được tiếp cận: {user.clearance.label_vi})")
        elif args.user_command == "passwd":
            accounts.set_password(args.name, _read_password(args), actor=actor)
            print(f"Đã đổi mật khẩu của {args.name}")
        elif args.user_command in ("disable", "enable"):
            accounts.set_disabled(args.name, args.user_command == "disable", actor=actor)
            print(("Đã khóa" if args.user_command == "disable" else "Đã mở khóa")
                  + f" tài khoản {args.name}")
        elif args.user_command == "set":
            user = accounts.set_role(args.name, args.role, args.clearance or "none", actor=actor)
            print(f"{user.name}: {user.role.value}, {user.clearance.label_vi}")
        else:  # list
            users = accounts.list()
            if args.json:
                _print_json({"users": [u.to_json() for u in users]})
            else:
                for u in users:
                    state = " (đã khóa)" if u.disabled else ""
                    print(f"{u.name}\t{u.role.value}\t{u.clearance.value}{state}")
        if args.user_command != "list":
            archive.sign_tree_head()
    finally:
        archive.catalog.close()
        archive.vault_catalog.close()
    return 0


# -- serve --------------------------------------------------------------------------------------

@command("serve")
def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from web import create_app

    app = create_app(settings, start_workers=not args.no_workers)
    host = args.host or settings.web.host
    port = args.port or settings.web.port
    if not app.extensions["sohoa"].archive.catalog.users():
        print("Chưa có tài khoản nào: tạo bằng `sohoa user add TÊN --role admin "
              "--password-stdin`", flush=True)
    print(f"Giao diện web: http://{host}:{port}/", flush=True)
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False)
    return 0


# -- parser -------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sohoa", description="Số hóa và lưu trữ văn bản")
    parser.add_argument("--version", action="version", version=f"sohoa {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", help="data home (default $SOHOA_HOME, else ./sohoa-data)")
    common.add_argument("--log-json", action="store_true", help="log as JSON lines")
    common.add_argument("--verbose", "-v", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", parents=[common], help="create the data home")
    p.add_argument("--organisation", help="organisation name for the signing certificate")
    p.add_argument("--pkcs12", help="use an existing signing identity (PKCS#12 file); "
                   "passphrase in SOHOA_PKCS12_PASSPHRASE")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("ingest", parents=[common], help="process files or folders now")
    p.add_argument("paths", nargs="+")
    p.add_argument("--authorisation", metavar="REF",
                   help="copy register: the authorisation to scan classified documents")
    p.add_argument("--scanned-by", dest="scanned_by", metavar="NAME",
                   help="copy register: who scanned")
    p.add_argument("--json", action="store_true")
    p.add_argument("--workers", type=int, default=None)

    p = sub.add_parser("watch", parents=[common], help="watch the drop folder")
    p.add_argument("--inbox")
    p.add_argument("--polling", action="store_true", help="poll (network shares)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--once", action="store_true", help="stop when the inbox is empty (tests)")

    p = sub.add_parser("search", parents=[common], help="search the open archive")
    p.add_argument("query")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--type", help="document type code, e.g. ke_hoach")
    p.add_argument("--year", type=int)
    p.add_argument("--sort", choices=["relevance", "date_desc", "date_asc"], default="relevance")
    p.add_argument("--issuer", help="issuing body, exactly as shown in the facets")
    p.add_argument("--signer")
    p.add_argument("--file-code", dest="file_code")
    p.add_argument("--from", dest="date_from", help="date from, YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", help="date to, YYYY-MM-DD (or YYYY, YYYY-MM)")

    p = sub.add_parser("reindex", parents=[common],
                       help="rebuild the search index from the store (atomic swap)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("show", parents=[common], help="one document")
    p.add_argument("doc_id")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("review", parents=[common], help="the review queue")
    rsub = p.add_subparsers(dest="review_action", required=True)
    # The same options after the action ("review list --home H"), without defaults that would
    # overwrite the ones given before it ("review --home H list").
    nested = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    nested.add_argument("--home")
    nested.add_argument("--log-json", action="store_true")
    nested.add_argument("--verbose", "-v", action="store_true")
    r = rsub.add_parser("list", parents=[nested], help="documents waiting for a person")
    r.add_argument("--json", action="store_true")
    r = rsub.add_parser("show", parents=[nested], help="one document with its evidence")
    r.add_argument("doc_id")
    r.add_argument("--json", action="store_true")
    r = rsub.add_parser("confirm", parents=[nested], help="the decision stands")
    r.add_argument("doc_id")
    r.add_argument("--by", help="who confirms (default: the login name)")
    r.add_argument("--json", action="store_true")
    r = rsub.add_parser("correct", parents=[nested], help="correct secrecy and/or metadata")
    r.add_argument("doc_id")
    r.add_argument("--secrecy", choices=["none", "mat", "toi_mat", "tuyet_mat"])
    r.add_argument("--set", action="append", metavar="FIELD=VALUE",
                   help="metadata field; lists as JSON or 'a | b'")
    r.add_argument("--by", help="who corrects (default: the login name)")
    r.add_argument("--json", action="store_true")

    p = sub.add_parser("vault", parents=[common], help="classified documents (officers)")
    vsub = p.add_subparsers(dest="vault_action", required=True)
    v = vsub.add_parser("list", parents=[nested], help="vault stubs and destruction records")
    v.add_argument("--json", action="store_true")
    v = vsub.add_parser("show", parents=[nested], help="one document (needs the passphrase)")
    v.add_argument("doc_id")
    v.add_argument("--by", help="who reads (default: the login name)")
    v.add_argument("--json", action="store_true")
    v = vsub.add_parser("copies", parents=[nested], help="the copy register")
    v.add_argument("doc_id", nargs="?")
    v.add_argument("--json", action="store_true")
    v = vsub.add_parser("search", parents=[nested],
                        help="search the vault's own index (needs the passphrase)")
    v.add_argument("query")
    v.add_argument("--limit", type=int, default=10)
    v.add_argument("--by", help="who searches (default: the login name)")
    v.add_argument("--json", action="store_true")
    for name, text in (("keep", "process a held TUYỆT MẬT document and keep it"),
                       ("destroy", "destroy a vault document (logged record)"),
                       ("declassify", "GIẢI MẬT: move a document to the open archive")):
        v = vsub.add_parser(name, parents=[nested], help=text)
        v.add_argument("doc_id")
        v.add_argument("--reference", required=True,
                       help="the decision's reference (number and symbol)")
        if name == "declassify":
            v.add_argument("--date", required=True, help="date of the decision, YYYY-MM-DD")
        v.add_argument("--by", help="who decides (default: the login name)")
        v.add_argument("--json", action="store_true")

    p = sub.add_parser("audit", parents=[common], help="check the whole archive")
    p.add_argument("--json", action="store_true")
    p.add_argument("--slice", help="K/N: re-hash only slice K of N")

    p = sub.add_parser("prove", parents=[common],
                       help="inclusion proof of a document, or consistency of two tree heads")
    p.add_argument("doc_id", nargs="?")
    p.add_argument("--consistency", nargs="+", metavar="SIZE",
                   help="OLD_SIZE [NEW_SIZE]: prove the later signed head extends the earlier")
    p.add_argument("--output", "-o", help="write the proof to this file")

    p = sub.add_parser("verify-proof", parents=[common],
                       help="check a proof without the archive (exit 0 valid, 1 invalid)")
    p.add_argument("file", help="proof file from `sohoa prove` ('-' for standard input)")
    p.add_argument("--ca-fingerprint", help="published SHA-256 fingerprint of the CA")
    p.add_argument("--document", help="a file that must be the one the proven event names")
    p.add_argument("--known-head", help="a tree head (JSON) kept from earlier")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("export", parents=[common],
                       help="classified documents as a signed BagIt bag, age-encrypted")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--ids", nargs="+", metavar="ID", help="documents to export")
    which.add_argument("--level", choices=["mat", "toi_mat", "tuyet_mat"],
                       help="every processed vault document at this level")
    p.add_argument("--recipient", nargs="+", action="extend", metavar="AGE_PUBLIC_KEY",
                   required=True, help="age X25519 public key (age1...); repeat for more")
    p.add_argument("--out", required=True, help="the encrypted export file to write")
    p.add_argument("--force", action="store_true", help="replace an existing --out file")
    p.add_argument("--no-marked-copy", action="store_true",
                   help="leave out the visibly marked, re-signed copy of each PDF")
    p.add_argument("--by", help="who exports (default: the login name)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("verify-export", parents=[common],
                       help="check an export (exit 0 valid, 1 invalid, 2 usage)")
    p.add_argument("file", help="the .age export file")
    p.add_argument("--identity", "-i", required=True,
                   help="age identity file (as age-keygen writes it)")
    p.add_argument("--ca-fingerprint", help="published SHA-256 fingerprint of the sender's CA")
    p.add_argument("--extract", metavar="DIR",
                   help="keep the verified bag in this new directory (only when valid)")
    p.add_argument("--workdir", help="where the private temporary area is made "
                   "(default /dev/shm, else the system temporary directory)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("keys", parents=[common], help="signing certificates")
    p.add_argument("action", choices=["list", "rotate"])
    p.add_argument("--organisation", help="organisation name for the new certificate")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("status", parents=[common], help="queue, quarantine, throughput")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("quarantine", parents=[common], help="list, retry or discard rejected files")
    p.add_argument("action", choices=["list", "retry", "discard"])
    p.add_argument("id", nargs="?")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("serve", parents=[common], help="the web UI")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--no-workers", action="store_true",
                   help="do not process uploads in this process (a `sohoa watch` does)")

    # Options repeated after the sub-command (`sohoa user add NAME --home H`) must not reset
    # what was given before it: argparse would overwrite them with the sub-parser's defaults.
    nested = argparse.ArgumentParser(add_help=False)
    nested.add_argument("--home", default=argparse.SUPPRESS)
    nested.add_argument("--log-json", action="store_true", default=argparse.SUPPRESS)
    nested.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS)
    p = sub.add_parser("user", parents=[common], help="user accounts of the web UI")
    users = p.add_subparsers(dest="user_command", required=True)
    q = users.add_parser("add", parents=[nested], help="create an account")
    q.add_argument("name")
    q.add_argument("--role", required=True, choices=["viewer", "archivist", "officer", "admin"])
    q.add_argument("--clearance", help="officers only: mat, toi_mat or tuyet_mat")
    q.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    q = users.add_parser("passwd", parents=[nested], help="set a new password")
    q.add_argument("name")
    q.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    q = users.add_parser("set", parents=[nested], help="change role and clearance")
    q.add_argument("name")
    q.add_argument("--role", required=True, choices=["viewer", "archivist", "officer", "admin"])
    q.add_argument("--clearance", help="officers only: mat, toi_mat or tuyet_mat")
    for action in ("disable", "enable"):
        q = users.add_parser(action, parents=[nested], help=f"{action} an account")
        q.add_argument("name")
    q = users.add_parser("list", parents=[nested], help="list accounts")
    q.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        home = Path(args.home).resolve() if args.home else default_home()
        settings = load_settings(home)
        configure(level="DEBUG" if args.verbose else settings.log.level,
                  json_lines=args.log_json or settings.log.json)
        return int(COMMANDS[args.command](args, settings))
    except SohoaError as exc:
        sys.stderr.write(f"sohoa: {exc}\n")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
