"""Watches the drop folder and hands over each file once it is complete.

A file is "ready" when its size and mtime have not changed for `quiet_seconds` and its content
checks out (a PDF ends with %%EOF, an image decodes its header). Events only say "look here":
the decision is always made from the file itself, and a full rescan at start-up and every
`rescan_seconds` catches files that arrived while we were down or whose events were dropped.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from sohoa.logs import get_logger
from sohoa.vntext import safe_display_name

log = get_logger(__name__)

PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".swp", "~")


def is_unfinished_name(name: str) -> bool:
    """Names of files still being written (browser downloads, editors' lock files, macOS
    resource forks). Every other name is ingest's to judge, odd ones included."""
    lower = name.lower()
    return lower.startswith(("._", ".~", "~$")) or lower.endswith(PARTIAL_SUFFIXES)


def content_complete(path: Path) -> bool:
    """Cheap structural check that a scanner has finished writing the file."""
    try:
        size = path.stat().st_size
        if size == 0:
            return False
        with open(path, "rb") as fh:
            head = fh.read(16)
            if b"%PDF-" in head or head.startswith(b"%PDF"):
                fh.seek(max(0, size - 2048))
                return b"%%EOF" in fh.read()
            if head.startswith(b"\xff\xd8\xff"):
                fh.seek(max(0, size - 2))
                return fh.read(2) == b"\xff\xd9"
            if head.startswith(b"\x89PNG"):
                fh.seek(max(0, size - 12))
                return b"IEND" in fh.read()
        if head[:4] in (b"II*\x00", b"MM\x00*"):
            from PIL import Image

            with Image.open(path) as img:
                for i in range(getattr(img, "n_frames", 1)):
                    img.seek(i)
            return True
    except (OSError, SyntaxError, ValueError):
        return False
    # Anything else is not ours to judge: once quiet, ingest decides (and quarantines it).
    return True


@dataclass
class _Seen:
    size: int
    mtime: float
    since: float


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: InboxWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        target = getattr(event, "dest_path", "") or event.src_path
        if isinstance(target, bytes):
            target = os.fsdecode(target)
        self.watcher.touch(Path(target))


class InboxWatcher:
    def __init__(self, inbox: Path, on_ready: Callable[[Path], object], *,
                 quiet_seconds: float = 5.0, rescan_seconds: float = 180.0,
                 polling: bool = False, tick_seconds: float = 0.5) -> None:
        self.inbox = inbox
        self.on_ready = on_ready
        self.quiet = quiet_seconds
        self.rescan_every = rescan_seconds
        self.tick = tick_seconds
        self.observer = PollingObserver(timeout=1) if polling else Observer()
        self._candidates: dict[Path, _Seen | None] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_rescan = 0.0
        self._busy = False

    def touch(self, path: Path) -> None:
        with self._lock:
            self._candidates[path] = None

    def rescan(self) -> None:
        for root, dirs, files in os.walk(self.inbox):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                self.touch(Path(root) / name)
        self._last_rescan = time.monotonic()

    def start(self) -> None:
        self.observer.schedule(_Handler(self), str(self.inbox), recursive=True)
        self.observer.start()
        self.rescan()
        self._thread = threading.Thread(target=self._loop, name="inbox-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.observer.stop()
        self.observer.join(timeout=5)
        if self._thread:
            self._thread.join(timeout=5)

    def idle(self) -> bool:
        with self._lock:
            return not self._candidates and not self._busy

    def _loop(self) -> None:
        while not self._stop.wait(self.tick):
            if time.monotonic() - self._last_rescan > self.rescan_every:
                self.rescan()
            self.check_once()

    def check_once(self, now: float | None = None) -> list[Path]:
        now = time.monotonic() if now is None else now
        ready: list[Path] = []
        with self._lock:
            items = list(self._candidates.items())
        for path, seen in items:
            try:
                st = path.stat()
            except FileNotFoundError:
                self._forget(path)
                continue
            if not path.is_file() or path.is_symlink() or is_unfinished_name(path.name):
                self._forget(path)
                continue
            if seen is None or seen.size != st.st_size or seen.mtime != st.st_mtime:
                with self._lock:
                    self._candidates[path] = _Seen(st.st_size, st.st_mtime, now)
                continue
            if now - seen.since < self.quiet:
                continue
            if not content_complete(path) and now - seen.since < self.quiet * 10:
                # Quiet but incomplete: a scanner pausing between pages. Keep watching; a file
                # that never completes is taken after 10 quiet periods, and ingest quarantines it
                # with a specific reason.
                continue
            ready.append(path)
        if not ready:
            return ready
        with self._lock:
            self._busy = True  # before the candidates go: idle() must never see a gap
            for path in ready:
                self._candidates.pop(path, None)
        try:
            for path in ready:
                try:
                    self.on_ready(path)
                except Exception:  # the watcher never dies on one file
                    log.error("watch.claim_failed", exc_info=True,
                              file=safe_display_name(path.name))
        finally:
            with self._lock:
                self._busy = False
        return ready

    def _forget(self, path: Path) -> None:
        with self._lock:
            self._candidates.pop(path, None)
