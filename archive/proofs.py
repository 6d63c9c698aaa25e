"""Proofs a third party can check without the archive (`sohoa prove`, archive/proofcheck.py).

An inclusion proof shows that the event archiving a document is leaf *i* of the log whose signed
tree head the organisation published; a consistency proof shows that a later signed head extends
an earlier one unchanged. Both carry the certificates needed to check the head signatures and
the organisation's root certificate, whose fingerprint the auditor compares with the published
one. Formats are described in archive/proofcheck.py and docs/audit.md.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import serialization

from archive.archive import Archive
from archive.eventlog import TreeHead
from archive.proofcheck import CONSISTENCY_FORMAT, INCLUSION_FORMAT, fingerprint
from sohoa.errors import IntegrityError, NotFoundError, SettingsError

# The event that records a document entering the archive, by zone and state.
ARCHIVING_EVENTS = ("archive", "vault", "hold")


def _pem(certs: list[Any]) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certs)


def _chain_pem(archive: Archive, head: TreeHead) -> str:
    chain = archive.identity.chain_for_key_id(head.key_id)
    if not chain:
        raise IntegrityError(f"no certificate in keys/ for the key that signed the head of size "
                             f"{head.tree_size}")
    return _pem(chain)


def _ca(archive: Archive) -> dict[str, str]:
    ca = archive.identity.ca_cert()
    return {"ca_pem": _pem([ca]), "ca_sha256_fingerprint": fingerprint(ca)}


def latest_head_covering(archive: Archive, size: int) -> TreeHead:
    """The newest signed head if it covers `size` events, else a head signed now."""
    heads = archive.log.tree_heads()
    if heads and heads[-1].tree_size >= size:
        return heads[-1]
    head = archive.sign_tree_head()
    if head is None or head.tree_size < size:
        raise IntegrityError("could not sign a tree head covering the event")
    return head


def inclusion_bundle(archive: Archive, doc_id: str) -> dict[str, Any]:
    archive.log.load()
    seq = None
    for event_type in ARCHIVING_EVENTS:
        seq = archive.log.seq_of(event_type, doc_id)
        if seq is not None:
            break
    if seq is None:
        raise NotFoundError(f"no archiving event for document {doc_id} in the log")
    line = _line_at(archive, seq)
    head = latest_head_covering(archive, seq + 1)
    archive.log.load()
    tree = archive.log.tree
    if head.tree_size > tree.size:
        raise IntegrityError(f"the log has {tree.size} events but a signed head covers "
                             f"{head.tree_size}: the log was rolled back; run `sohoa audit`")
    if tree.root(head.tree_size).hex() != head.root_hash:
        raise IntegrityError("the event log does not match its signed tree head: run `sohoa audit`")
    return {
        "format": INCLUSION_FORMAT,
        "doc_id": doc_id,
        "event": json.loads(line),
        "event_line_b64": base64.b64encode(line).decode(),
        "leaf_index": seq,
        "leaf_hash": tree.levels[0][seq].hex(),
        "tree_size": head.tree_size,
        "audit_path": [h.hex() for h in tree.inclusion_proof(seq, head.tree_size)],
        "tree_head": head.to_json(),
        "signer_chain_pem": _chain_pem(archive, head),
        **_ca(archive),
    }


def _line_at(archive: Archive, seq: int) -> bytes:
    for number, line in enumerate(archive.log.iter_lines()):
        if number == seq:
            return line
    raise IntegrityError(f"event {seq} is missing from the log")


def head_of_size(archive: Archive, size: int) -> TreeHead:
    for head in archive.log.tree_heads():
        if head.tree_size == size:
            return head
    sizes = sorted({h.tree_size for h in archive.log.tree_heads()})
    shown = ", ".join(map(str, sizes[-20:])) + (" …" if len(sizes) > 20 else "")
    raise SettingsError(f"no signed tree head of size {size}; signed sizes: {shown}")


def consistency_bundle(archive: Archive, old_size: int, new_size: int | None = None
                       ) -> dict[str, Any]:
    archive.log.load()
    old = head_of_size(archive, old_size)
    new = (head_of_size(archive, new_size) if new_size is not None
           else latest_head_covering(archive, archive.log.size))
    if new.tree_size < old.tree_size:
        raise SettingsError("the new tree size must not be smaller than the old one")
    tree = archive.log.tree
    if new.tree_size > tree.size:
        raise IntegrityError(f"the log has {tree.size} events but a signed head covers "
                             f"{new.tree_size}: the log was rolled back; run `sohoa audit`")
    chains = {h.key_id: _chain_pem(archive, h) for h in (old, new)}
    return {
        "format": CONSISTENCY_FORMAT,
        "old_head": old.to_json(),
        "new_head": new.to_json(),
        "proof": [h.hex() for h in tree.consistency_proof(old.tree_size, new.tree_size)],
        "signer_chains_pem": chains,
        **_ca(archive),
    }
