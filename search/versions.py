"""Versioned index directories under HOME/index, shared by the backends.

Layout: `HOME/index/<backend>-v<schema>-<ns>/` holds one complete index and a `SCHEMA` file
naming its backend and schema version; `HOME/index/current` is a symlink to the one in use,
replaced atomically (rename of a new symlink over the old one). A rebuild writes a new
directory and swaps the link, so a reader never sees a half-built index; a process that has the
old directory open keeps reading it until its next search notices the link moved.

`REBUILD` in the root marks that `current` was (re)created empty while the store may hold
documents (first start, schema change, backend change, index deleted): `needs_rebuild()` is
true until a full rebuild has been installed.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

REBUILD_MARKER = "REBUILD"


class VersionedDirs:
    def __init__(self, root: Path, backend: str, schema_version: str) -> None:
        self.root = root
        self.tag = f"{backend} {schema_version}"
        self.prefix = f"{backend}-v{schema_version}-"

    @property
    def current(self) -> Path:
        return self.root / "current"

    def current_target(self) -> str | None:
        try:
            return os.readlink(self.current)
        except OSError:
            return None

    def is_current_valid(self) -> bool:
        try:
            return (self.current / "SCHEMA").read_text().strip() == self.tag
        except OSError:
            return False

    def needs_rebuild(self) -> bool:
        return not self.is_current_valid() or (self.root / REBUILD_MARKER).exists()

    def new_dir(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.root / f"{self.prefix}{time.time_ns()}"
        target.mkdir()
        return target

    def mark_ready(self, target: Path) -> None:
        """Write the SCHEMA tag last: a directory without it is never installed or trusted."""
        tmp = target / "SCHEMA.tmp"
        tmp.write_text(self.tag + "\n")
        os.replace(tmp, target / "SCHEMA")

    def install(self, target: Path, *, complete: bool, purge: bool = False) -> None:
        """Point `current` at `target` atomically, then remove versions no one should need.

        `complete` is true for a full rebuild from the store (clears the REBUILD marker) and
        false for an empty index created on start-up (sets it). `purge` removes every other
        version at once, the spare included: for a rebuild whose purpose is to forget a
        document (one reclassified as secret must not stay in any index directory).
        """
        marker = self.root / REBUILD_MARKER
        if not complete:
            marker.write_text("the index was created empty; rebuild it from the store\n")
        tmp_link = self.root / f".current-{time.time_ns()}"
        os.symlink(target.name, tmp_link)
        os.replace(tmp_link, self.current)
        dir_fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        if complete:
            marker.unlink(missing_ok=True)
        self.cleanup(keep=target.name, keep_spare=not purge)

    def cleanup(self, keep: str, keep_spare: bool = True) -> None:
        """Delete old versions, keeping `keep` and the newest other complete one.

        The newest other one may still be open in another process (the web UI) that has not
        searched since the swap; on its next search it moves to `current`.
        """
        # Every directory here is an index version: ours, another backend's, or the layout of
        # earlier releases (`v3-<ns>`).
        others = sorted(
            (p for p in self.root.iterdir()
             if p.is_dir() and not p.is_symlink() and p.name != keep),
            key=lambda p: p.stat().st_mtime, reverse=True,
        )
        complete = [p for p in others if (p / "SCHEMA").exists()]
        spare = complete[0].name if complete and keep_spare else None
        day_ago = time.time() - 86400
        for p in others:
            if p.name == spare:
                continue
            # A directory without SCHEMA may be a rebuild under way in another process.
            if (p / "SCHEMA").exists() or p.stat().st_mtime < day_ago:
                shutil.rmtree(p, ignore_errors=True)
