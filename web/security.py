"""Request security: CSRF tokens, login rate limiting, response headers, safe redirects."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from urllib.parse import urlsplit

from flask import Request, Response, abort, session

CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"

# No inline scripts or styles anywhere (no 'unsafe-inline'): templates use classes and the one
# script file; charts are SVG with presentation attributes, which CSP does not treat as styles.
CSP = (
    "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; frame-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def csrf_token() -> str:
    """The session's CSRF token (created on first use; replaced at login and logout)."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def new_csrf_token() -> str:
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return str(session[CSRF_FIELD])


def check_csrf(req: Request) -> None:
    """Every state-changing request carries the session's token (form field or header) and, when
    the browser says where it comes from, comes from this site."""
    origin = req.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != req.host:
        abort(400, description="csrf")
    expected = session.get(CSRF_FIELD)
    # The header is checked first, so a script's upload is refused before its body is parsed.
    given = req.headers.get(CSRF_HEADER) or req.form.get(CSRF_FIELD, "")
    if not isinstance(expected, str) or not expected or not given or not hmac.compare_digest(
        expected.encode(), given.encode()
    ):
        abort(400, description="csrf")


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: no scheme, no host, no `//host`, no backslashes."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return default
    return target


def apply_headers(response: Response, *, tls: bool) -> Response:
    h = response.headers
    h["Content-Security-Policy"] = CSP
    h["X-Frame-Options"] = "DENY"
    h["X-Content-Type-Options"] = "nosniff"
    h["Referrer-Policy"] = "same-origin"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    h["Cross-Origin-Resource-Policy"] = "same-origin"
    h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    if tls:
        h["Strict-Transport-Security"] = "max-age=31536000"
    if "Cache-Control" not in h or response.mimetype == "text/html":
        # Pages show who may see what: never kept by shared caches or the back button.
        h["Cache-Control"] = "no-store"
    return response


class LoginLimiter:
    """At most `per_minute` failed logins per key (user name, client address) in any minute.

    In memory, per process; the number of keys is bounded so a flood of names cannot grow it.
    While a key is over the limit, even the right password is refused (no guessing through).
    """

    def __init__(self, per_minute: int, window_s: float = 60.0, max_keys: int = 10000) -> None:
        self.limit = max(1, per_minute)
        self.window = window_s
        self.max_keys = max_keys
        self._fails: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _prune(self, key: str, now: float) -> deque[float]:
        times = self._fails.get(key)
        if times is None:
            return deque()
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._fails[key]
        return times

    def retry_after(self, *keys: str) -> float:
        """Seconds until an attempt is allowed again (0: allowed now)."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._prune(key, now)
                if len(times) >= self.limit:
                    wait = max(wait, self.window - (now - times[0]))
        return wait

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                times = self._fails.setdefault(key, deque())
                times.append(now)
                self._fails.move_to_end(key)
                while len(times) > self.limit:
                    times.popleft()
            while len(self._fails) > self.max_keys:
                self._fails.popitem(last=False)

    def succeeded(self, user_key: str) -> None:
        with self._lock:
            self._fails.pop(user_key, None)
