"""`kill -9` at every step of the pipeline loses nothing and duplicates nothing.

For each fault-injection step (sohoa/faults.py) a new scan is dropped into an inbox and
`sohoa watch --once` is started with SOHOA_CRASH_AT=<step>: the process SIGKILLs itself there.
A second, clean `sohoa watch --once` must finish the work. After each round the store, catalog,
event log and index must agree (`sohoa audit`), every file is archived exactly once, and nothing
is left in the inbox or the processing area.
"""

from __future__ import annotations

import json
import signal
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from sohoa.faults import STEPS
from tests.conftest import json_lines, run_cli
from tests.scans import DEFAULT_LINES, write_scan

FAST = {
    "SOHOA_INGEST__QUIET_SECONDS": "0.2",
    "SOHOA_INGEST__RESCAN_SECONDS": "1",
    "SOHOA_INGEST__WORKERS": "1",
}
OPEN_STEPS = [s for s in STEPS if not s.startswith("vault_")]
VAULT_STEPS = ["classified", "signed", "intent", "vault_objects_written",
               "vault_catalog_written", "log_written"]


def _counts(home: Path) -> tuple[int, int, dict[str, int]]:
    with sqlite3.connect(home / "catalog.db") as db:
        open_docs = db.execute("SELECT COUNT(*), COUNT(DISTINCT sha256) FROM documents").fetchone()
    with sqlite3.connect(home / "vault" / "catalog.db") as db:
        vault_docs = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    assert open_docs[0] == open_docs[1], "two catalog rows for the same original"
    events: dict[str, int] = {}
    for line in (home / "log" / "events.jsonl").read_text(encoding="utf-8").splitlines():
        ev = json.loads(line)
        if ev["type"] in ("archive", "vault"):
            key = f"{ev['type']}:{ev['doc_id']}"
            events[key] = events.get(key, 0) + 1
    return open_docs[0], vault_docs, events


def _referenced_objects(db_path: Path) -> set[str]:
    with sqlite3.connect(db_path) as db:
        rows = db.execute(
            "SELECT original_object, archival_object, record_object FROM documents").fetchall()
        kept = db.execute("SELECT value FROM meta WHERE key LIKE 'object:%'").fetchall()
    return {x for row in rows for x in row if x} | {k[0] for k in kept}


def _stored_objects(store: Path) -> set[str]:
    return {p.name for p in (store / "objects").rglob("*") if p.is_file()}


def _assert_consistent(home: Path, expected_open: int, expected_vault: int) -> None:
    """Cheap checks after every round; `sohoa audit` (everything, signatures and index
    included) runs once at the end, since what a round breaks stays broken."""
    open_docs, vault_docs, events = _counts(home)
    assert open_docs == expected_open
    assert vault_docs == expected_vault
    assert all(n == 1 for n in events.values()), f"an event was logged twice: {events}"
    assert len(events) == expected_open + expected_vault
    assert _stored_objects(home / "store") == _referenced_objects(home / "catalog.db"), "orphan"
    assert _stored_objects(home / "vault") == _referenced_objects(
        home / "vault" / "catalog.db"), "orphan in the vault"
    assert not any((home / "inbox").iterdir()), "a file was left in the inbox"
    processing = home / "work" / "processing"
    assert not any(processing.iterdir()), "a claimed original was left behind"
    with sqlite3.connect(home / "queue.db") as db:
        unfinished = db.execute("SELECT COUNT(*) FROM jobs WHERE state != 'done'").fetchone()[0]
    assert unfinished == 0


def _crash_rounds(home: Path, rounds: list[tuple[str, str]], tag: str) -> None:
    inbox = home / "inbox"
    open_count = vault_count = 0
    for number, (step, stamp) in enumerate(rounds):
        lines = [*DEFAULT_LINES, f"Bản kiểm tra {tag} số {number} bước {step}"]
        write_scan(inbox / f"round-{number:02d}.pdf", lines, stamp=stamp)
        crashed = run_cli(home, "watch", "--once", env={**FAST, "SOHOA_CRASH_AT": step},
                          check=False, timeout=300)
        assert crashed.returncode == -signal.SIGKILL, (
            f"step {step} was never reached: {crashed.stderr[-2000:]}"
        )
        run_cli(home, "watch", "--once", env=FAST, timeout=300)
        if stamp:
            vault_count += 1
        else:
            open_count += 1
        _assert_consistent(home, open_count, vault_count)
    audit = run_cli(home, "audit", "--json", check=False)
    report = json_lines(audit.stdout)[-1]
    assert report["ok"], report["problems"]


@pytest.mark.slow
def test_kill9_at_every_step_loses_nothing(tmp_path: Path) -> None:
    rounds = [(step, "") for step in OPEN_STEPS] + [(step, "MẬT") for step in VAULT_STEPS]
    # Two homes side by side (the machine has two cores): every step is still killed once.
    halves = [rounds[0::2], rounds[1::2]]
    homes = [tmp_path / f"home{i}" for i in range(2)]
    for home in homes:
        run_cli(home, "init")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(_crash_rounds, home, half, f"h{i}")
                   for i, (home, half) in enumerate(zip(homes, halves, strict=True))]
        for future in futures:
            future.result()
