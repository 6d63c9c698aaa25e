"""Unlocking the vault on a busy machine: rage refuses a scrypt work factor it measures as too
slow for this machine ("Excessive work parameter"). That is not a wrong passphrase: the vault
measures again, and when the machine stays too busy says so (VaultBusyError) instead of
"wrong passphrase" (archive/vault.py)."""

from __future__ import annotations

from pathlib import Path

import pyrage
import pytest

import archive.vault as vault_module
from archive.vault import Vault
from sohoa.errors import VaultBusyError, VaultLockedError

PASSPHRASE = "mat-khau-kho-thu-nghiem"
EXCESSIVE = "Excessive work parameter for passphrase.\nDecryption would take around 64 seconds."


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Vault:
    created = Vault(tmp_path_factory.mktemp("vault"))
    created.create(PASSPHRASE)
    return created


def _refusing(times: int, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """rage refusing the work factor `times` times, then decrypting for real."""
    real = pyrage.passphrase.decrypt
    calls: list[int] = []

    def decrypt(data: bytes, passphrase: str) -> bytes:
        calls.append(1)
        if len(calls) <= times:
            raise pyrage.DecryptError(EXCESSIVE)
        return real(data, passphrase)

    monkeypatch.setattr(pyrage.passphrase, "decrypt", decrypt)
    monkeypatch.setattr(vault_module, "_UNLOCK_PAUSE_S", 0.0)
    return calls


def test_a_busy_moment_does_not_refuse_the_right_passphrase(
        vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _refusing(2, monkeypatch)
    unlocked = vault.unlock(PASSPHRASE)
    assert str(unlocked.identity.to_public()) == vault.recipient_path.read_text().strip()
    assert len(calls) == 3


def test_a_machine_that_stays_busy_says_so(vault: Vault,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _refusing(100, monkeypatch)
    with pytest.raises(VaultBusyError, match="busy"):
        vault.unlock(PASSPHRASE)
    assert len(calls) == vault_module._UNLOCK_ATTEMPTS


def test_a_wrong_passphrase_is_wrong_at_once(vault: Vault,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _refusing(0, monkeypatch)
    with pytest.raises(VaultLockedError) as raised:
        vault.unlock("not-the-passphrase")
    assert not isinstance(raised.value, VaultBusyError) and len(calls) == 1
