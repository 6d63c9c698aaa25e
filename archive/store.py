"""Content-addressed, write-once object store (see docs/store.md, sections 2-4)."""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from sohoa.errors import IntegrityError

STORE_FORMAT = "sohoa-store 1"
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _is_hex_name(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


class ObjectStore:
    """Objects named by the SHA-256 of their bytes; never overwritten; read-only once written."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.objects = root / "objects"
        self.tmp = root / "tmp"

    def create(self) -> None:
        self.objects.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        fmt = self.root / "FORMAT"
        if not fmt.exists():
            fmt.write_text(STORE_FORMAT + "\n", encoding="ascii")

    def path_of(self, sha256: str) -> Path:
        if not _is_hex_name(sha256):
            raise ValueError("object names are 64 lower-case hex digits")
        return self.objects / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).exists()

    def put_file(self, source: Path, expected_sha256: str | None = None) -> str:
        """Copy `source` in; return its hash. Verified by reading the stored copy back."""
        with open(source, "rb") as fh:
            return self.put_stream(fh, expected_sha256)

    def put_bytes(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        final = self.path_of(sha)
        if final.exists():
            self._check_existing(final, sha)
            return sha
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="put-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            return self._commit(Path(tmp_name), sha)
        finally:
            _unlink_quiet(Path(tmp_name))

    def put_stream(self, stream: BinaryIO, expected_sha256: str | None = None) -> str:
        digest = hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="put-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            if expected_sha256 and sha != expected_sha256:
                raise IntegrityError(
                    f"source changed while being stored: expected {expected_sha256}, read {sha}"
                )
            final = self.path_of(sha)
            if final.exists():
                self._check_existing(final, sha)
                return sha
            return self._commit(tmp, sha)
        finally:
            _unlink_quiet(tmp)

    def _commit(self, tmp: Path, sha: str) -> str:
        final = self.path_of(sha)
        final.parent.mkdir(exist_ok=True)
        os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        # link() fails if the name exists, so a concurrent writer of the same bytes cannot make us
        # replace an object: exactly one copy ever becomes the object.
        try:
            os.link(tmp, final)
        except FileExistsError:
            self._check_existing(final, sha)
            return sha
        fsync_dir(final.parent)
        actual = sha256_file(final)
        if actual != sha:
            raise IntegrityError(f"object {sha} reads back as {actual} right after writing")
        return sha

    def _check_existing(self, final: Path, sha: str) -> None:
        actual = sha256_file(final)
        if actual != sha:
            raise IntegrityError(
                f"object {sha} already exists but its content hashes to {actual}: "
                "the store is damaged; run `sohoa audit`"
            )

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path_of(sha256), "rb")

    def read_bytes(self, sha256: str, verify: bool = True) -> bytes:
        data = self.path_of(sha256).read_bytes()
        if verify and hashlib.sha256(data).hexdigest() != sha256:
            raise IntegrityError(f"object {sha256} does not match its hash")
        return data

    def verify(self, sha256: str) -> str | None:
        """None when the object is present and intact, else a short problem kind."""
        path = self.path_of(sha256)
        if not path.exists():
            return "missing"
        return None if sha256_file(path) == sha256 else "modified"

    def iter_names(self) -> Iterator[str]:
        if not self.objects.exists():
            return
        for fan in sorted(self.objects.iterdir()):
            if not fan.is_dir():
                yield fan.name
                continue
            for obj in sorted(fan.iterdir()):
                yield obj.name

    def remove_uncommitted(self, sha256: str) -> None:
        """Only for recovery of objects no catalog row references (docs/store.md §4)."""
        path = self.path_of(sha256)
        if path.exists():
            path.unlink()
            fsync_dir(path.parent)

    def clean_tmp(self) -> None:
        if self.tmp.exists():
            for leftover in self.tmp.iterdir():
                _unlink_quiet(leftover)


def _unlink_quiet(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
