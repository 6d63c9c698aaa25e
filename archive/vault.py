"""The classified vault: age (X25519) encryption at rest (see docs/vault.md).

The service holds only the vault's public key (`recipient.txt`), so it can add documents while the
vault is locked. Reading needs the identity, stored only as `identity.age`: the X25519 secret
encrypted with the vault passphrase (age scrypt). The passphrase is never written to disk.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyrage

from archive.store import ObjectStore, sha256_file
from sohoa.errors import SettingsError, VaultBusyError, VaultLockedError

VAULT_FORMAT = "sohoa-vault 1"
_CHUNK = 1 << 20
_UNLOCK_ATTEMPTS = 5
_UNLOCK_PAUSE_S = 0.5


class Vault:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = ObjectStore(root)
        self.recipient_path = root / "recipient.txt"
        self.identity_path = root / "identity.age"

    def exists(self) -> bool:
        return self.recipient_path.exists() and self.identity_path.exists()

    def create(self, passphrase: str) -> None:
        """Generate the vault identity (idempotent: an existing vault is kept)."""
        self.store.create()
        fmt = self.root / "FORMAT"
        if not fmt.exists():
            fmt.write_text(VAULT_FORMAT + "\n", encoding="ascii")
        if self.exists():
            return
        if len(passphrase) < 8:
            raise SettingsError("the vault passphrase must have at least 8 characters")
        identity = pyrage.x25519.Identity.generate()
        sealed = pyrage.passphrase.encrypt(str(identity).encode(), passphrase)
        fd = os.open(self.identity_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(sealed)
            fh.flush()
            os.fsync(fh.fileno())
        self.recipient_path.write_text(str(identity.to_public()) + "\n", encoding="ascii")

    def recipient(self) -> pyrage.x25519.Recipient:
        try:
            return pyrage.x25519.Recipient.from_str(self.recipient_path.read_text().strip())
        except FileNotFoundError:
            raise SettingsError("the vault is not set up: run `sohoa init`") from None

    # -- writing (public key only) ---------------------------------------------------------

    def put_bytes(self, data: bytes) -> str:
        return self.store.put_bytes(pyrage.encrypt(data, [self.recipient()]))

    def put_file(self, path: Path) -> str:
        """Encrypt a file in bounded memory; the ciphertext goes through the vault's tmp/."""
        fd, tmp_name = tempfile.mkstemp(dir=self.store.tmp, prefix="enc-")
        try:
            with open(path, "rb") as src, os.fdopen(fd, "wb") as out:
                pyrage.encrypt_io(src, out, [self.recipient()])
                out.flush()
                os.fsync(out.fileno())
            return self.store.put_file(Path(tmp_name))
        finally:
            try:
                os.unlink(tmp_name)
            except FileNotFoundError:
                pass

    def stage_file(self, path: Path) -> tuple[Path, str]:
        """Encrypt into the vault's tmp/ and return (staged file, ciphertext hash) without
        committing: the caller records the hash as intent first (docs/store.md §4)."""
        fd, tmp_name = tempfile.mkstemp(dir=self.store.tmp, prefix="stage-")
        with open(path, "rb") as src, os.fdopen(fd, "wb") as out:
            pyrage.encrypt_io(src, out, [self.recipient()])
            out.flush()
            os.fsync(out.fileno())
        staged = Path(tmp_name)
        return staged, sha256_file(staged)

    def stage_bytes(self, data: bytes) -> tuple[Path, str]:
        fd, tmp_name = tempfile.mkstemp(dir=self.store.tmp, prefix="stage-")
        with os.fdopen(fd, "wb") as out:
            out.write(pyrage.encrypt(data, [self.recipient()]))
            out.flush()
            os.fsync(out.fileno())
        staged = Path(tmp_name)
        return staged, sha256_file(staged)

    def commit_staged(self, staged: Path, sha256: str) -> str:
        try:
            return self.store.put_file(staged, expected_sha256=sha256)
        finally:
            try:
                staged.unlink()
            except FileNotFoundError:
                pass

    # -- reading (needs the identity) --------------------------------------------------------

    def unlock(self, passphrase: str) -> UnlockedVault:
        try:
            sealed = self.identity_path.read_bytes()
        except FileNotFoundError:
            raise SettingsError("the vault is not set up: run `sohoa init`") from None
        # rage refuses a scrypt work factor far above what it measures this machine does in
        # about a second ("Excessive work parameter"), before doing any scrypt work. That
        # measurement is a short timing: on a loaded server (OCR on both cores) it can come out
        # many times too slow, and the right passphrase would be refused as a wrong one. So the
        # refusal is told apart from a wrong passphrase and measured again after a pause.
        for attempt in range(_UNLOCK_ATTEMPTS):
            try:
                secret = pyrage.passphrase.decrypt(sealed, passphrase)
                break
            except pyrage.DecryptError as exc:
                if "excessive work" not in str(exc).lower():
                    raise VaultLockedError("wrong vault passphrase") from None
                time.sleep(_UNLOCK_PAUSE_S * (attempt + 1))
        else:
            raise VaultBusyError("the machine is too busy to check the vault passphrase now: "
                                 "try again in a moment")
        return UnlockedVault(self, pyrage.x25519.Identity.from_str(secret.decode()))

    def unlock_from_env(self, env_name: str) -> UnlockedVault:
        passphrase = os.environ.get(env_name, "")
        if not passphrase:
            raise VaultLockedError(f"the vault is locked: set {env_name} or enter the passphrase")
        return self.unlock(passphrase)


@dataclass
class UnlockedVault:
    vault: Vault
    identity: pyrage.x25519.Identity

    def read(self, sha256: str) -> bytes:
        """Decrypt one object into memory (verifying the ciphertext hash first)."""
        ciphertext = self.vault.store.read_bytes(sha256, verify=True)
        return pyrage.decrypt(ciphertext, [self.identity])

    def decrypt_to(self, sha256: str, out: BinaryIO) -> None:
        with self.vault.store.open(sha256) as src:
            pyrage.decrypt_io(src, out, [self.identity])

    def ciphertext_sha256(self, sha256: str) -> str:
        digest = hashlib.sha256()
        with self.vault.store.open(sha256) as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def read_stream(self, sha256: str) -> BinaryIO:
        buf = io.BytesIO()
        self.decrypt_to(sha256, buf)
        buf.seek(0)
        return buf
