"""Tampering with the event log and its signed tree heads, each found by the audit.

Edited, removed, reordered, appended-to-and-re-chained, rolled back (with or without the tree
heads), and forged heads. A rollback of both the log and its heads leaves no trace inside the
log itself; it is caught by the catalog (documents without their archiving event) and by the
head the previous audit recorded (reports/latest.json); a rewrite by someone holding the signing
key is caught only against a head kept outside (tests/test_archive_proofs.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.test_archive_fixtures import OPEN_IDS, audit, cli, copy_home, new_archive, open_service

from archive import Archive
from archive.audit import audit_and_log, previous_audit_head


def lines_of(home: Path) -> list[bytes]:
    return (home / "log" / "events.jsonl").read_bytes().splitlines()


def write_lines(home: Path, lines: list[bytes]) -> None:
    (home / "log" / "events.jsonl").write_bytes(b"".join(x + b"\n" for x in lines))


def canonical(event: dict) -> bytes:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def rechain(events: list[dict]) -> list[bytes]:
    """What a careful forger does after an edit: renumber and recompute every `prev`."""
    out, prev = [], "0" * 64
    for seq, event in enumerate(events):
        event = dict(event, seq=seq, prev=prev)
        line = canonical(event)
        out.append(line)
        prev = hashlib.sha256(line).hexdigest()
    return out


def index_of(home: Path, doc_id: str, type_: str = "archive") -> int:
    for i, raw in enumerate(lines_of(home)):
        event = json.loads(raw)
        if event["doc_id"] == doc_id and event["type"] == type_:
            return i
    raise AssertionError(doc_id)


# -- the tampering ------------------------------------------------------------------------------


def edit_middle_line(home: Path) -> None:
    lines = lines_of(home)
    i = index_of(home, OPEN_IDS[0])
    event = json.loads(lines[i])
    event["actor"] = "someone else"
    lines[i] = canonical(event)
    write_lines(home, lines)


def edit_last_line(home: Path) -> None:
    """The last line has no successor to break the chain: only the signed head catches it."""
    lines = lines_of(home)
    event = json.loads(lines[-1])
    event["ts"] = "2020-01-01T00:00:00.000Z"
    lines[-1] = canonical(event)
    write_lines(home, lines)


def edit_and_rechain(home: Path) -> None:
    events = [json.loads(x) for x in lines_of(home)]
    events[index_of(home, OPEN_IDS[1])]["data"]["pages"] = 7
    write_lines(home, rechain(events))


def remove_line(home: Path) -> None:
    lines = lines_of(home)
    del lines[index_of(home, OPEN_IDS[1])]
    write_lines(home, lines)


def remove_and_rechain(home: Path) -> None:
    events = [json.loads(x) for x in lines_of(home)]
    del events[index_of(home, OPEN_IDS[1])]
    write_lines(home, rechain(events))


def swap_lines(home: Path) -> None:
    lines = lines_of(home)
    i, j = index_of(home, OPEN_IDS[0]), index_of(home, OPEN_IDS[1])
    lines[i], lines[j] = lines[j], lines[i]
    write_lines(home, lines)


def swap_and_rechain(home: Path) -> None:
    events = [json.loads(x) for x in lines_of(home)]
    i, j = index_of(home, OPEN_IDS[0]), index_of(home, OPEN_IDS[1])
    events[i], events[j] = events[j], events[i]
    write_lines(home, rechain(events))


def roll_back_log(home: Path) -> None:
    """Truncate the log to before the last two documents; the heads file is left alone."""
    write_lines(home, lines_of(home)[: index_of(home, OPEN_IDS[1])])


def torn_last_line(home: Path) -> None:
    log = home / "log" / "events.jsonl"
    log.write_bytes(log.read_bytes()[:-20])


def garbage_line(home: Path) -> None:
    lines = lines_of(home)
    lines.insert(2, b"this is not an event")
    write_lines(home, lines)


def heads_file(home: Path) -> Path:
    return home / "log" / "tree-heads.jsonl"


def forge_head_signature(home: Path) -> None:
    heads = [json.loads(x) for x in heads_file(home).read_bytes().splitlines()]
    sig = bytearray(base64.b64decode(heads[1]["signature"]))
    sig[10] ^= 1
    heads[1]["signature"] = base64.b64encode(bytes(sig)).decode()
    heads_file(home).write_bytes(b"".join(canonical(h) + b"\n" for h in heads))


def head_signed_by_a_stranger(home: Path, tmp: Path) -> None:
    """A head over the true log, signed by another organisation's key."""
    stranger = new_archive(tmp / "stranger")
    heads = [json.loads(x) for x in heads_file(home).read_bytes().splitlines()]
    head = dict(heads[-1], timestamp=heads[-1]["timestamp"][:-1] + "9Z")
    signed = json.dumps({"root_hash": head["root_hash"], "timestamp": head["timestamp"],
                         "tree_size": head["tree_size"]}, sort_keys=True,
                        separators=(",", ":")).encode()
    key_id, sig = stranger.identity.sign_bytes(signed)
    head.update(key_id=key_id, signature=base64.b64encode(sig).decode())
    heads_file(home).write_bytes(heads_file(home).read_bytes() + canonical(head) + b"\n")


def reorder_heads(home: Path) -> None:
    heads = heads_file(home).read_bytes().splitlines()
    heads[1], heads[2] = heads[2], heads[1]
    heads_file(home).write_bytes(b"".join(h + b"\n" for h in heads))


def malformed_head(home: Path) -> None:
    heads_file(home).write_bytes(heads_file(home).read_bytes() + b"{not a head}\n")


def delete_heads(home: Path) -> None:
    heads_file(home).write_bytes(b"")


Tamper = Callable[..., None]
CASES: dict[str, tuple[Tamper, set[str]]] = {
    # A broken chain, and the signed heads covering the edited line no longer match.
    "edit a middle line": (edit_middle_line, {"log_broken", "log_rewritten"}),
    "edit the last line": (edit_last_line, {"log_rewritten"}),
    "edit and re-chain": (edit_and_rechain, {"log_rewritten"}),
    # One line fewer: sequence break, heads mismatch, the newest head is now beyond the log,
    # and the catalog's document lost its archiving event.
    "remove a line": (remove_line, {"log_broken", "log_rewritten", "log_rollback",
                                    "log_missing_event"}),
    "remove and re-chain": (remove_and_rechain, {"log_rewritten", "log_rollback",
                                                 "log_missing_event"}),
    "swap two lines": (swap_lines, {"log_broken", "log_rewritten"}),
    "swap and re-chain": (swap_and_rechain, {"log_rewritten"}),
    "roll the log back": (roll_back_log, {"log_rollback", "log_missing_event"}),
    # The last line archived the classified document: the catalog misses its event too.
    "torn last line": (torn_last_line, {"log_broken", "log_rewritten", "log_missing_event"}),
    "garbage line inserted": (garbage_line, {"log_broken", "log_rewritten"}),
    "forged head signature": (forge_head_signature, {"tree_head"}),
    "head signed by a stranger": (head_signed_by_a_stranger, {"tree_head"}),
    "heads reordered": (reorder_heads, {"tree_head"}),
    "malformed head": (malformed_head, {"tree_head"}),
    "heads deleted": (delete_heads, {"tree_head"}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_log_tampering_is_found(name: str, tmp_path: Path) -> None:
    tamper, expected = CASES[name]
    home = copy_home(tmp_path / "home")
    if tamper.__code__.co_argcount == 2:
        tamper(home, tmp_path)
    else:
        tamper(home)
    report = audit(home)
    assert not report.ok
    assert report.kinds() == expected, [(p.kind, p.detail) for p in report.problems]


def test_rollback_of_log_and_heads_together_is_caught_by_the_previous_audit(
        tmp_path: Path) -> None:
    home = copy_home(tmp_path / "home")
    archive = Archive(home)
    archive.open()
    first, _, _ = audit_and_log(archive, actor="test")
    assert first.ok and first.last_head["tree_size"] == archive.log.size
    assert previous_audit_head(archive.reports) == first.last_head
    # Roll back both files to just after the first two documents, consistently: every
    # remaining head still matches the remaining log.
    keep = index_of(home, OPEN_IDS[1]) + 1
    write_lines(home, lines_of(home)[:keep])
    heads = [x for x in heads_file(home).read_bytes().splitlines()
             if json.loads(x)["tree_size"] <= keep]
    heads_file(home).write_bytes(b"".join(h + b"\n" for h in heads))
    service = open_service(home)
    try:
        report, _, _ = audit_and_log(service.archive, actor="test",
                                     index_ids=service.index.doc_ids)
    finally:
        service.close()
    assert report.kinds() == {"log_rollback", "log_missing_event"}, report.problems
    assert any("earlier audit" in p.detail for p in report.problems)


def test_cli_audit_of_a_broken_log_reports_instead_of_refusing(tmp_path: Path) -> None:
    home = copy_home(tmp_path / "home")
    swap_lines(home)
    result = cli(home, "audit", "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert {p["kind"] for p in report["problems"]} == {"log_broken", "log_rewritten"}
    # A broken log takes no further lines: the audit says it could not log itself.
    assert report["logged"] is False
    assert Path(report["report_html"]).exists()
    assert "nhật ký đã hỏng" in Path(report["report_html"]).read_text(encoding="utf-8")
    # And the service refuses to work on it until it is restored.
    refused = cli(home, "prove", OPEN_IDS[0])
    assert refused.returncode == 1 and "event log" in refused.stderr
