"""User accounts: roles, clearance, argon2 password hashes, and the one access rule.

Used by the CLI (`sohoa user ...`) and the web UI, so it imports no web framework. Users live in
the open catalog's `users` table (`archive.catalog.UserRow`); changes to them are events in the
Merkle log (who changed whom, never a password or a hash).

Roles (docs: issue 9):
- viewer: searches and reads the open archive;
- archivist: also uploads, reviews and edits metadata, handles the ingest queue and quarantine;
- officer: an archivist cleared for classified documents (MẬT, TỐI MẬT, ...), the vault, exports;
- admin: users and settings, audits, the ingest queue. Only officers hold a clearance
  (separation of duties: whoever manages accounts does not read classified records).

`can_see(user, secrecy)` is the single place that decides whether a person may know that a
document exists; every route that shows or serves a document calls it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from archive.catalog import Catalog, UserRow
from sohoa.errors import NotFoundError, SettingsError
from sohoa.records import Secrecy
from sohoa.vntext import fold


class Role(StrEnum):
    VIEWER = "viewer"
    ARCHIVIST = "archivist"
    OFFICER = "officer"
    ADMIN = "admin"


class Permission(StrEnum):
    SEARCH = "search"  # search and read open documents, dashboard
    UPLOAD = "upload"  # send files into the pipeline
    REVIEW = "review"  # review queue, edit metadata
    INGEST = "ingest"  # queue and quarantine: retry, discard
    AUDIT = "audit"  # run an audit, read reports
    USERS = "users"  # accounts and settings
    VAULT = "vault"  # classified documents (still subject to clearance per document)
    EXPORT = "export"  # encrypted exports of classified documents


_ARCHIVIST = {Permission.SEARCH, Permission.UPLOAD, Permission.REVIEW, Permission.INGEST}
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.SEARCH}),
    Role.ARCHIVIST: frozenset(_ARCHIVIST),
    Role.OFFICER: frozenset(_ARCHIVIST | {Permission.VAULT, Permission.EXPORT}),
    Role.ADMIN: frozenset(_ARCHIVIST | {Permission.AUDIT, Permission.USERS}),
}

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 hashes any length; a bound keeps a hostile request cheap


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    clearance: Secrecy
    disabled: bool = False
    created_at: str = ""

    def can(self, permission: Permission | str) -> bool:
        return not self.disabled and Permission(permission) in PERMISSIONS[self.role]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role.value, "clearance": self.clearance.value,
                "disabled": self.disabled, "created_at": self.created_at}


def can(user: User | None, permission: Permission | str) -> bool:
    return user is not None and user.can(permission)


def can_see(user: User | None, secrecy: Secrecy | str) -> bool:
    """May `user` learn that a document of this secrecy level exists (and read it)?

    Open documents: any signed-in, enabled user. Classified: only an officer whose clearance is
    at least the document's level. An unknown level is treated as the highest (fail closed).
    """
    if user is None or user.disabled:
        return False
    try:
        level = Secrecy(secrecy)
    except ValueError:
        level = Secrecy.TUYET_MAT
    if not level.is_classified:
        return True
    return user.can(Permission.VAULT) and user.clearance.at_least(level)


# -- parsing -------------------------------------------------------------------------------------

_CLEARANCE_WORDS = {
    "none": Secrecy.NONE, "khong": Secrecy.NONE, "thuong": Secrecy.NONE,
    "mat": Secrecy.MAT,
    "toi_mat": Secrecy.TOI_MAT, "toi mat": Secrecy.TOI_MAT, "toi-mat": Secrecy.TOI_MAT,
    "tuyet_mat": Secrecy.TUYET_MAT, "tuyet mat": Secrecy.TUYET_MAT,
    "tuyet-mat": Secrecy.TUYET_MAT,
}


def parse_clearance(text: str) -> Secrecy:
    """`mat`, `toi_mat`, `MẬT`, `TỐI MẬT`, ... -> Secrecy."""
    key = " ".join(fold(text).split())
    if key in _CLEARANCE_WORDS:
        return _CLEARANCE_WORDS[key]
    raise SettingsError(f"unknown clearance {text!r}: use none, mat, toi_mat or tuyet_mat")


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise SettingsError(
            f"unknown role {text!r}: use {', '.join(r.value for r in Role)}"
        ) from None


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise SettingsError(
            "a user name is 2-32 characters: lower-case letters a-z, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise SettingsError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise SettingsError(f"the password must have at most {MAX_PASSWORD} characters")
    return password


def check_role_clearance(role: Role, clearance: Secrecy) -> None:
    if clearance.is_classified and role is not Role.OFFICER:
        raise SettingsError("only an officer can hold a clearance (MẬT or higher)")
    if role is Role.OFFICER and not clearance.is_classified:
        raise SettingsError("an officer needs a clearance: --clearance mat, toi_mat or tuyet_mat")


# -- hashing -------------------------------------------------------------------------------------

_hasher_lock = threading.Lock()
_hasher: Any = None
_dummy_hash: str = ""


def _ph() -> Any:
    global _hasher
    with _hasher_lock:
        if _hasher is None:
            from argon2 import PasswordHasher

            _hasher = PasswordHasher()  # argon2id with the library's current defaults
        return _hasher


def hash_password(password: str) -> str:
    return str(_ph().hash(check_password(password)))


def _verify(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_ph().verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def _dummy() -> str:
    """A hash to verify against when the user does not exist, so the answer takes as long."""
    global _dummy_hash
    if not _dummy_hash:
        _dummy_hash = _ph().hash("not-a-real-password-" + str(time.time()))
    return _dummy_hash


def password_tag(password_hash: str) -> str:
    """A short fingerprint of the stored hash: sessions made before a password change end."""
    import hashlib

    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


# -- the store -----------------------------------------------------------------------------------

def _user(row: UserRow) -> User:
    try:
        role = Role(row.role)
    except ValueError:
        role = Role.VIEWER  # a row written by a newer version: least privilege
    try:
        clearance = Secrecy(row.clearance)
    except ValueError:
        clearance = Secrecy.NONE
    if role is not Role.OFFICER:
        clearance = Secrecy.NONE
    return User(row.name, role, clearance, row.disabled, row.created_at)


def _utc_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Accounts:
    """User management over the catalog; each change is an event when a log is given."""

    def __init__(self, catalog: Catalog, log: Any = None) -> None:
        self.catalog = catalog
        self.log = log

    def _event(self, type_: str, actor: str, **data: Any) -> None:
        if self.log is not None:
            self.log.append(type_, actor=actor or "system", **data)

    def get(self, name: str) -> User | None:
        row = self.catalog.get_user(name) if NAME_RE.match(name or "") else None
        return _user(row) if row else None

    def row(self, name: str) -> UserRow | None:
        return self.catalog.get_user(name) if NAME_RE.match(name or "") else None

    def list(self) -> list[User]:
        return [_user(r) for r in self.catalog.users()]

    def add(self, name: str, role: Role | str, password: str, clearance: Secrecy | str = "none",
            *, actor: str = "") -> User:
        name = check_name(name)
        role = parse_role(role) if isinstance(role, str) else role
        level = parse_clearance(clearance) if isinstance(clearance, str) else clearance
        check_role_clearance(role, level)
        if self.catalog.get_user(name) is not None:
            raise SettingsError(f"user {name} already exists (use `sohoa user passwd`)")
        row = UserRow(name, role.value, level.value, hash_password(password), _utc_iso(), False)
        self.catalog.upsert_user(row)
        self._event("user_add", actor, user=name, role=role.value, clearance=level.value)
        return _user(row)

    def _require(self, name: str) -> UserRow:
        row = self.row(name)
        if row is None:
            raise NotFoundError(f"no user {name}")
        return row

    def set_password(self, name: str, password: str, *, actor: str = "") -> None:
        row = self._require(name)
        self.catalog.upsert_user(UserRow(row.name, row.role, row.clearance,
                                         hash_password(password), row.created_at, row.disabled))
        self._event("user_password", actor, user=name)

    def set_disabled(self, name: str, disabled: bool, *, actor: str = "") -> None:
        row = self._require(name)
        self.catalog.upsert_user(UserRow(row.name, row.role, row.clearance, row.password_hash,
                                         row.created_at, disabled))
        self._event("user_disable" if disabled else "user_enable", actor, user=name)

    def set_role(self, name: str, role: Role | str, clearance: Secrecy | str = "none", *,
                 actor: str = "") -> User:
        row = self._require(name)
        role = parse_role(role) if isinstance(role, str) else role
        level = parse_clearance(clearance) if isinstance(clearance, str) else clearance
        check_role_clearance(role, level)
        new = UserRow(row.name, role.value, level.value, row.password_hash, row.created_at,
                      row.disabled)
        self.catalog.upsert_user(new)
        self._event("user_role", actor, user=name, role=role.value, clearance=level.value)
        return _user(new)

    def authenticate(self, name: str, password: str) -> tuple[User, str] | None:
        """The user and their password tag when the password is right and the account enabled.

        Takes the same time whether or not the user exists (a dummy hash is verified).
        """
        row = self.row(name.strip().lower()) if len(password) <= MAX_PASSWORD else None
        if row is None:
            _verify(_dummy(), password[:MAX_PASSWORD])
            return None
        if not _verify(row.password_hash, password) or row.disabled:
            return None
        stored = row.password_hash
        if _ph().check_needs_rehash(stored):
            stored = hash_password(password)
            self.catalog.upsert_user(UserRow(row.name, row.role, row.clearance, stored,
                                             row.created_at, row.disabled))
        return _user(row), password_tag(stored)

    def current(self, name: str, tag: str) -> User | None:
        """The user behind a session, if the account still exists, is enabled and its password
        has not changed since the session began."""
        row = self.row(name)
        if row is None or row.disabled or password_tag(row.password_hash) != tag:
            return None
        return _user(row)


def roles() -> Iterable[Role]:
    return tuple(Role)
