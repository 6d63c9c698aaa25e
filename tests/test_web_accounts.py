"""Accounts: the `sohoa user` commands, the access rule, password hashing; and the UI strings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from archive import Archive
from sohoa.accounts import Accounts, Permission, Role, User, can_see, parse_clearance
from sohoa.records import Secrecy, Status
from tests.conftest import run_cli
from web.i18n import DOC_TYPES, EN, VI, fmt_date, fmt_datetime, fmt_number

WEB = Path(__file__).resolve().parents[1] / "web"


def test_user_commands(fresh_home: Path) -> None:
    home = fresh_home
    run_cli(home, "user", "add", "bich", "--role", "archivist", "--password-stdin",
            input_text="mot-mat-khau-dai\n")
    run_cli(home, "user", "add", "an", "--role", "officer", "--clearance", "TỐI MẬT",
            "--password-stdin", input_text="mat-khau-can-bo-1\n")
    listed = json.loads(run_cli(home, "user", "list", "--json").stdout)["users"]
    assert [(u["name"], u["role"], u["clearance"], u["disabled"]) for u in listed] == [
        ("an", "officer", "toi_mat", False), ("bich", "archivist", "none", False)]
    for bad in (["user", "add", "bich", "--role", "viewer"],  # exists
                ["user", "add", "Bad Name", "--role", "viewer"],
                ["user", "add", "chi", "--role", "viewer", "--clearance", "mat"],
                ["user", "add", "dung", "--role", "officer"],  # an officer needs a clearance
                ["user", "add", "em", "--role", "admin", "--clearance", "nonsense"]):
        result = run_cli(home, *bad, "--password-stdin", input_text="mot-mat-khau-dai\n",
                         check=False)
        assert result.returncode == 2, bad
        assert result.stderr.startswith("sohoa: ")
    short = run_cli(home, "user", "add", "gia", "--role", "viewer", "--password-stdin",
                    input_text="ngan\n", check=False)
    assert short.returncode == 2 and "at least 10" in short.stderr
    no_stdin = run_cli(home, "user", "add", "gia", "--role", "viewer", check=False,
                       input_text="")
    assert no_stdin.returncode == 2 and "--password-stdin" in no_stdin.stderr
    run_cli(home, "user", "passwd", "bich", "--password-stdin", input_text="mat-khau-moi-2\n")
    run_cli(home, "user", "disable", "an")
    missing = run_cli(home, "user", "passwd", "khong-co", "--password-stdin",
                      input_text="mat-khau-moi-2\n", check=False)
    assert missing.returncode == 3

    archive = Archive(home)
    archive.open()
    accounts = Accounts(archive.catalog)
    assert accounts.authenticate("bich", "mot-mat-khau-dai") is None
    assert accounts.authenticate("bich", "mat-khau-moi-2") is not None
    assert accounts.authenticate("an", "mat-khau-can-bo-1") is None  # disabled
    stored = archive.catalog.get_user("bich").password_hash
    assert stored.startswith("$argon2id$") and "mat-khau" not in stored
    log = (home / "log" / "events.jsonl").read_text(encoding="utf-8")
    types = [json.loads(line)["type"] for line in log.splitlines()]
    assert types.count("user_add") == 2 and "user_password" in types
    assert "user_disable" in types
    assert "mat-khau" not in log and "$argon2" not in log  # no secret reaches the log
    text = run_cli(home, "user", "list").stdout
    assert "an\tofficer\ttoi_mat (đã khóa)" in text


LEVELS = [Secrecy.NONE, Secrecy.MAT, Secrecy.TOI_MAT, Secrecy.TUYET_MAT]


@pytest.mark.parametrize("clearance", LEVELS)
def test_can_see_follows_clearance(clearance: Secrecy) -> None:
    officer = User("o", Role.OFFICER, clearance)
    for level in LEVELS:
        assert can_see(officer, level) == (level.rank <= clearance.rank)
    for role in (Role.VIEWER, Role.ARCHIVIST, Role.ADMIN):
        user = User("u", role, Secrecy.NONE)
        assert can_see(user, Secrecy.NONE)
        assert not any(can_see(user, level) for level in LEVELS[1:])
    assert not can_see(None, Secrecy.NONE)
    assert not can_see(User("o", Role.OFFICER, Secrecy.TUYET_MAT, disabled=True), "none")
    assert not can_see(User("o", Role.OFFICER, Secrecy.TOI_MAT), "not-a-level")  # fail closed


def test_roles_and_clearance_words() -> None:
    assert not User("v", Role.VIEWER, Secrecy.NONE).can(Permission.UPLOAD)
    assert User("a", Role.ARCHIVIST, Secrecy.NONE).can(Permission.REVIEW)
    assert not User("a", Role.ARCHIVIST, Secrecy.NONE).can(Permission.AUDIT)
    assert User("o", Role.OFFICER, Secrecy.MAT).can(Permission.EXPORT)
    assert not User("x", Role.ADMIN, Secrecy.NONE).can(Permission.VAULT)
    assert User("x", Role.ADMIN, Secrecy.NONE).can(Permission.USERS)
    assert parse_clearance("TỐI MẬT") is Secrecy.TOI_MAT
    assert parse_clearance("toi_mat") is Secrecy.TOI_MAT
    assert parse_clearance(" Mật ") is Secrecy.MAT


def test_both_languages_have_every_string() -> None:
    assert set(VI) == set(EN)
    used: set[str] = set()
    for path in list((WEB / "templates").glob("*.html")) + list(WEB.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        used.update(re.findall(r"""\b_\(\s*['"]([a-z_.\-]+)['"]""", text))
    missing = {k for k in used if not k.endswith(".") and k not in VI}
    assert not missing, missing
    # Keys built from values at run time (e.g. 'status.' ~ status) exist for every value.
    for prefix, values in {
        "status.": [s.value for s in Status] + ["queued", "processing", "retry"],
        "secrecy.": [s.value for s in Secrecy],
        "role.": [r.value for r in Role],
        "sig.": ["valid", "unsigned", "broken", "partial-coverage", "untrusted", "invalid"],
        "search.sort.": ["relevance", "date_desc", "date_asc"],
        "review_reason.": ["low_ocr_confidence", "secrecy_uncertain", "no_text"],
        "event.": ["archive", "vault", "hold", "duplicate", "quarantine", "upload", "access",
                   "quarantine_retry", "quarantine_discard", "audit"],
        "reason.": ["corrupt", "encrypted", "truncated", "unsupported", "too_large"],
    }.items():
        for value in values:
            assert prefix + value in VI, prefix + value
    assert all(len(pair) == 2 and all(pair) for pair in DOC_TYPES.values())


def test_vietnamese_formats() -> None:
    assert fmt_date("2025-08-15") == "15/08/2025"
    assert fmt_datetime("2025-08-15T18:30:00Z") == "16/08/2025 01:30"  # UTC+7
    assert fmt_number("vi", 1234567.5, 1) == "1.234.567,5"
    assert fmt_number("en", 1234567.5, 1) == "1,234,567.5"
