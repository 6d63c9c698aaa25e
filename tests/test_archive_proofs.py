"""Inclusion and consistency proofs: made from a real archive, checked without it.

The checker is archive/proofcheck.py, run as a lone file copied out of the repository under
`python -I` (no sohoa on the path), as an auditor would run it; `sohoa verify-proof` runs the same
checks. Every tampering a forger could try on a proof must make it fail.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.test_archive_fixtures import (
    OPEN_IDS,
    VAULT_IDS,
    add_document,
    cli,
    copy_home,
    new_archive,
)

from archive import Archive, proofcheck
from archive.proofs import consistency_bundle, inclusion_bundle
from sohoa.errors import IntegrityError, NotFoundError, SettingsError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return copy_home(tmp_path / "home")


@pytest.fixture
def lone_checker(tmp_path: Path) -> Path:
    """proofcheck.py alone in an empty folder: it must not need anything else of sohoa."""
    folder = tmp_path / "auditor"
    folder.mkdir()
    return Path(shutil.copy(REPO / "archive" / "proofcheck.py", folder / "proofcheck.py"))


def run_checker(checker: Path, proof: dict | Path, *extra: str) -> subprocess.CompletedProcess:
    if isinstance(proof, dict):
        path = checker.parent / "proof.json"
        path.write_text(json.dumps(proof), encoding="utf-8")
    else:
        path = proof
    return subprocess.run([sys.executable, "-I", str(checker), str(path), *extra],
                          capture_output=True, text=True, cwd=checker.parent, timeout=60)


def opened(home: Path) -> Archive:
    archive = Archive(home)
    archive.open()
    return archive


def test_inclusion_proof_of_every_document_verifies_alone(home: Path, lone_checker: Path) -> None:
    archive = opened(home)
    for doc_id in OPEN_IDS + VAULT_IDS:
        bundle = inclusion_bundle(archive, doc_id)
        assert bundle["event"]["doc_id"] == doc_id
        assert bundle["event"]["type"] in ("archive", "vault")
        result = run_checker(lone_checker, bundle)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "VALID" in result.stdout
        assert archive.identity.ca_fingerprint() in result.stdout
    # The vault event names hashes and a level, never content.
    vault_event = inclusion_bundle(archive, VAULT_IDS[0])["event"]
    assert set(vault_event["data"]) <= {"zone", "level", "sha256"}


def test_prove_signs_a_new_head_when_the_latest_does_not_cover_the_event(tmp_path: Path) -> None:
    home = copy_home(tmp_path / "home")
    archive = opened(home)
    heads_before = archive.log.tree_heads()
    row = add_document(archive, "doc-late", workdir=tmp_path / "work")
    assert archive.log.tree_heads() == heads_before  # committed, no head yet
    bundle = inclusion_bundle(archive, row.doc_id)
    heads = archive.log.tree_heads()
    assert len(heads) == len(heads_before) + 1
    assert bundle["tree_head"] == heads[-1].to_json()
    assert bundle["leaf_index"] == heads[-1].tree_size - 1
    assert proofcheck.check_bundle(bundle).ok
    # Asked again, the proof uses the same head (no head per request).
    assert inclusion_bundle(archive, row.doc_id)["tree_head"] == heads[-1].to_json()
    assert len(archive.log.tree_heads()) == len(heads)


def test_unknown_document_has_no_proof(home: Path) -> None:
    with pytest.raises(NotFoundError):
        inclusion_bundle(opened(home), "no-such-document")


def test_the_document_itself_can_be_checked_against_the_proof(home: Path,
                                                                 lone_checker: Path) -> None:
    archive = opened(home)
    bundle = inclusion_bundle(archive, OPEN_IDS[1])
    row = archive.catalog.get(OPEN_IDS[1])
    assert row is not None
    pdf = archive.store.path_of(row.archival_object)
    ok = run_checker(lone_checker, bundle, "--document", str(pdf))
    assert ok.returncode == 0, ok.stdout
    other = archive.catalog.get(OPEN_IDS[0])
    assert other is not None
    wrong = run_checker(lone_checker, bundle, "--document",
                        str(archive.store.path_of(other.archival_object)))
    assert wrong.returncode == 1
    assert "is not named by the event" in wrong.stdout


def _flip_hex(text: str) -> str:
    return ("0" if text[0] != "0" else "1") + text[1:]


def _tamperings(bundle: dict, other_ca_pem: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    event = json.loads(base64.b64decode(bundle["event_line_b64"]))
    event["data"]["sha256"] = "0" * 64  # claim another document was archived
    forged = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    b = copy.deepcopy(bundle)
    b["event_line_b64"] = base64.b64encode(forged.encode()).decode()
    b["event"] = event
    out["edited event line"] = b
    b = copy.deepcopy(bundle)
    b["event"]["data"]["sha256"] = "0" * 64  # only the displayed event differs
    out["displayed event differs from hashed line"] = b
    b = copy.deepcopy(bundle)
    b["audit_path"][0] = _flip_hex(b["audit_path"][0])
    out["audit path"] = b
    b = copy.deepcopy(bundle)
    b["audit_path"] = b["audit_path"][:-1]
    out["shortened audit path"] = b
    b = copy.deepcopy(bundle)
    b["leaf_index"] += 1
    out["leaf index"] = b
    b = copy.deepcopy(bundle)
    b["tree_head"]["root_hash"] = _flip_hex(b["tree_head"]["root_hash"])
    out["head root"] = b
    b = copy.deepcopy(bundle)
    b["tree_head"]["tree_size"] += 1
    b["tree_size"] += 1
    out["head size"] = b
    b = copy.deepcopy(bundle)
    b["tree_head"]["timestamp"] = "2020-01-01T00:00:00.000Z"
    out["head timestamp"] = b
    b = copy.deepcopy(bundle)
    sig = bytearray(base64.b64decode(b["tree_head"]["signature"]))
    sig[-1] ^= 1
    b["tree_head"]["signature"] = base64.b64encode(bytes(sig)).decode()
    out["head signature"] = b
    b = copy.deepcopy(bundle)
    b["ca_pem"] = other_ca_pem
    out["another CA"] = b
    b = copy.deepcopy(bundle)
    b["signer_chain_pem"] = other_ca_pem
    out["certificate not for the head key"] = b
    b = copy.deepcopy(bundle)
    del b["tree_head"]
    out["missing head"] = b
    b = copy.deepcopy(bundle)
    b["format"] = "something else"
    out["unknown format"] = b
    return out


def test_every_tampering_of_an_inclusion_proof_fails(home: Path, tmp_path: Path,
                                                     lone_checker: Path) -> None:
    archive = opened(home)
    bundle = inclusion_bundle(archive, OPEN_IDS[0])
    other = new_archive(tmp_path / "other")
    other_ca = other.identity.ca_path.read_text()
    assert proofcheck.check_bundle(bundle).ok
    for name, bad in _tamperings(bundle, other_ca).items():
        result = proofcheck.check_bundle(bad)
        assert not result.ok, name
        assert result.problems, name
    # The lone checker agrees on one of them (and on the intact proof, above).
    assert run_checker(lone_checker, _tamperings(bundle, other_ca)["audit path"]).returncode == 1


def test_a_head_signed_by_another_organisation_fails(home: Path, tmp_path: Path) -> None:
    """A forger with their own CA and key: chain and fingerprint give them away."""
    archive = opened(home)
    bundle = inclusion_bundle(archive, OPEN_IDS[0])
    forger = new_archive(tmp_path / "forger")
    head = dict(bundle["tree_head"])
    key_id, sig = forger.identity.sign_bytes(proofcheck.head_signed_bytes(head))
    head.update(key_id=key_id, signature=base64.b64encode(sig).decode())
    forged = dict(bundle, tree_head=head,
                  signer_chain_pem=forger.identity.signer_cert_path().read_text())
    assert not proofcheck.check_bundle(forged).ok  # does not chain to our CA
    forged["ca_pem"] = forger.identity.ca_path.read_text()
    selfconsistent = proofcheck.check_bundle(forged)
    assert selfconsistent.ok  # internally fine: only the CA fingerprint tells them apart
    assert selfconsistent.ca_fingerprint != archive.identity.ca_fingerprint()
    pinned = proofcheck.check_bundle(forged, ca_fingerprint=archive.identity.ca_fingerprint())
    assert not pinned.ok
    assert proofcheck.check_bundle(bundle, ca_fingerprint=archive.identity.ca_fingerprint()).ok


def test_cli_prove_and_verify_proof(home: Path, tmp_path: Path) -> None:
    proof = tmp_path / "proof.json"
    made = cli(home, "prove", OPEN_IDS[2], "--output", str(proof))
    assert made.returncode == 0, made.stderr
    # verify-proof needs no home: run it against a folder that is not one.
    empty = tmp_path / "not-a-home"
    ok = cli(empty, "verify-proof", str(proof))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "VALID" in ok.stdout and "fingerprint" in ok.stdout
    fp = opened(home).identity.ca_fingerprint()
    assert cli(empty, "verify-proof", str(proof), "--ca-fingerprint", fp).returncode == 0
    assert cli(empty, "verify-proof", str(proof), "--ca-fingerprint", "00" * 32).returncode == 1
    bundle = json.loads(proof.read_text())
    bundle["audit_path"][0] = _flip_hex(bundle["audit_path"][0])
    proof.write_text(json.dumps(bundle))
    bad = cli(empty, "verify-proof", str(proof), "--json")
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["ok"] is False
    proof.write_text("not json")
    assert cli(empty, "verify-proof", str(proof)).returncode == 1
    assert cli(home, "prove", "no-such-doc").returncode == 3
    # Printed to standard output without --output.
    printed = cli(home, "prove", OPEN_IDS[0])
    assert json.loads(printed.stdout)["format"] == proofcheck.INCLUSION_FORMAT


# -- consistency --------------------------------------------------------------------------------


def test_consistency_between_every_pair_of_signed_heads(home: Path, lone_checker: Path) -> None:
    archive = opened(home)
    heads = archive.log.tree_heads()
    assert len(heads) >= 4
    for i, old in enumerate(heads):
        for new in heads[i:]:
            bundle = consistency_bundle(archive, old.tree_size, new.tree_size)
            assert proofcheck.check_bundle(bundle).ok, (old.tree_size, new.tree_size)
    bundle = consistency_bundle(archive, heads[0].tree_size)
    assert bundle["new_head"] == archive.log.tree_heads()[-1].to_json()
    result = run_checker(lone_checker, bundle)
    assert result.returncode == 0, result.stdout


def test_cli_consistency_proof_against_a_kept_head(home: Path, tmp_path: Path) -> None:
    archive = opened(home)
    first, second = archive.log.tree_heads()[1:3]
    kept = tmp_path / "kept.json"
    kept.write_text(json.dumps(first.to_json()))
    proof = tmp_path / "consistency.json"
    made = cli(home, "prove", "--consistency", str(first.tree_size), str(second.tree_size),
               "-o", str(proof))
    assert made.returncode == 0, made.stderr
    bundle = json.loads(proof.read_text())
    assert bundle["format"] == proofcheck.CONSISTENCY_FORMAT
    assert bundle["old_head"] == first.to_json() and bundle["new_head"] == second.to_json()
    ok = cli(tmp_path, "verify-proof", str(proof), "--known-head", str(kept))
    assert ok.returncode == 0, ok.stdout
    # A kept head with another root (the archive rewrote that part of history): invalid.
    kept.write_text(json.dumps(dict(first.to_json(), root_hash="ab" * 32)))
    rewritten = cli(tmp_path, "verify-proof", str(proof), "--known-head", str(kept))
    assert rewritten.returncode == 1 and "the log was rewritten" in rewritten.stdout
    # Without NEW_SIZE: up to the latest head.
    latest = cli(home, "prove", "--consistency", str(first.tree_size))
    assert json.loads(latest.stdout)["new_head"] == opened(home).log.tree_heads()[-1].to_json()
    # Sizes that are not signed heads, and bad arguments.
    assert cli(home, "prove", "--consistency", "999").returncode == 2
    assert cli(home, "prove", "--consistency", "x").returncode == 2
    assert cli(home, "prove").returncode == 2
    assert cli(tmp_path, "verify-proof", str(tmp_path / "absent.json")).returncode == 1


def test_consistency_proof_needs_signed_sizes(home: Path) -> None:
    archive = opened(home)
    sizes = {h.tree_size for h in archive.log.tree_heads()}
    unsigned = next(n for n in range(1, 100) if n not in sizes)
    with pytest.raises(SettingsError):
        consistency_bundle(archive, unsigned)
    with pytest.raises(SettingsError):
        consistency_bundle(archive, max(sizes), min(sizes))


def test_a_rewritten_log_cannot_prove_consistency_with_a_kept_head(tmp_path: Path,
                                                                   lone_checker: Path) -> None:
    """The attack only an outside copy of a head can stop: someone with the signing key
    rewrites an archived event, rebuilds the chain and re-signs every head. The auditor kept
    the head they were given earlier."""
    home = copy_home(tmp_path / "home")
    archive = opened(home)
    kept = archive.log.tree_heads()[-1].to_json()
    (tmp_path / "kept-head.json").write_text(json.dumps(kept))
    # Rewrite: change the archived hash of document 2, re-chain every later line, re-sign.
    lines = archive.log.path.read_bytes().splitlines()
    rebuilt: list[bytes] = []
    prev = "0" * 64
    for raw in lines:
        event = json.loads(raw)
        if event.get("doc_id") == OPEN_IDS[1] and event["type"] == "archive":
            event["data"]["archival_sha256"] = "f" * 64
        event["prev"] = prev
        line = json.dumps(event, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()
        rebuilt.append(line)
        prev = hashlib.sha256(line).hexdigest()
    archive.log.path.write_bytes(b"".join(x + b"\n" for x in rebuilt))
    archive.log.heads_path.write_bytes(b"")
    forged = Archive(home)
    forged.open()
    head = forged.sign_tree_head()
    assert head is not None and head.tree_size == kept["tree_size"]
    assert head.root_hash != kept["root_hash"]
    # The forged archive's own proofs are internally valid ...
    bundle = inclusion_bundle(forged, OPEN_IDS[1])
    assert proofcheck.check_bundle(bundle).ok
    # ... but not against the head the auditor kept.
    result = run_checker(lone_checker, bundle, "--known-head", str(tmp_path / "kept-head.json"))
    assert result.returncode == 1
    assert "differs from the one you kept" in result.stdout


def test_a_rolled_back_log_cannot_prove_the_kept_head(tmp_path: Path) -> None:
    home = copy_home(tmp_path / "home")
    archive = opened(home)
    kept = archive.log.tree_heads()[-1]
    lines = archive.log.path.read_bytes().splitlines(keepends=True)
    archive.log.path.write_bytes(b"".join(lines[:2]))
    rolled = Archive(home)
    rolled.open()
    with pytest.raises(IntegrityError):
        consistency_bundle(rolled, 1, kept.tree_size)
    with pytest.raises(IntegrityError):
        rolled.sign_tree_head()  # the service refuses to sign over a rolled-back log
