"""What every view needs: the app's state, the signed-in user, permission checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, g, request, session

from archive.vault import UnlockedVault
from sohoa.accounts import Accounts, Permission, User
from sohoa.settings import Settings
from web.history import EventIndex
from web.i18n import translate
from web.operations import AuditRunner, IngestWorkers
from web.security import LoginLimiter
from web.sessions import SessionStore
from web.vaultsessions import VaultUnlocks

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class WebState:
    settings: Settings
    service: Any  # sohoa.pipeline.Service
    accounts: Accounts
    sessions: SessionStore
    limiter: LoginLimiter
    events: EventIndex
    audits: AuditRunner
    workers: IngestWorkers | None
    cache: dict[str, Any] = field(default_factory=dict)  # small derived lists, see views
    vault_unlocks: VaultUnlocks = field(default_factory=VaultUnlocks)  # memory only


def state() -> WebState:
    return current_app.extensions["sohoa_web"]  # type: ignore[no-any-return]


def service() -> Any:
    return state().service


def user() -> User | None:
    return getattr(g, "user", None)


def actor() -> str:
    u = user()
    return u.name if u else "-"


def unlocked_vault() -> UnlockedVault | None:
    """The vault as this session unlocked it (web/vaultsessions.py), or None while locked."""
    u = user()
    return state().vault_unlocks.get(session.get("sid"), u.name) if u else None


def lang() -> str:
    return getattr(g, "lang", "vi")


def _(key: str, **values: object) -> str:
    return translate(lang(), key, **values)


def requires(permission: Permission) -> Callable[[F], F]:
    """A view only for roles holding `permission` (403 otherwise; login is checked before)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            u = user()
            if u is None or not u.can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def wants_json() -> bool:
    """A script's request (the upload page's fetch, a poll) rather than a page load."""
    return (request.path.endswith(".json")
            or request.accept_mimetypes.best == "application/json"
            or request.headers.get("X-Requested-With") == "fetch")
