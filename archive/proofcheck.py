"""Check a sohoa proof without the archive: standard library + `cryptography` only.

This file is meant to be handed to a third party (an auditor) on its own: it imports nothing
else of sohoa, and duplicates on purpose the few RFC 9162 functions it needs, so checking a
proof does not depend on the code that made it. Run it as::

    python3 proofcheck.py PROOF.json [--ca-fingerprint HEX] [--document FILE] [--known-head FILE]

Exit status 0 when every check passes, 1 otherwise. docs/audit.md describes the same checks step
by step with openssl.

Two kinds of proof (field ``format``):

``sohoa-inclusion-proof 1``
    one event line of the log (the archiving of a document), its leaf index, the audit path,
    the signed tree head it leads to, the certificate chain of the key that signed the head and
    the organisation's root (CA) certificate.
``sohoa-consistency-proof 1``
    two signed tree heads and the RFC 9162 consistency proof between them: the later log
    contains the earlier one unchanged (nothing edited, removed, reordered or rolled back).

Tree heads are signed over the canonical JSON ``{"root_hash": hex, "timestamp": str,
"tree_size": int}`` (keys sorted, no spaces, UTF-8): ECDSA P-256 with SHA-256 (DER signature)
for keys sohoa generates, RSA PKCS#1 v1.5 with SHA-256 for imported RSA keys.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

INCLUSION_FORMAT = "sohoa-inclusion-proof 1"
CONSISTENCY_FORMAT = "sohoa-consistency-proof 1"
HASH_LEN = 32

# --- RFC 9162 (the same algorithms as archive/merkle.py, written out again on purpose) ---------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(index: int, size: int, leaf: bytes, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size or any(len(p) != HASH_LEN for p in path):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       path: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2."""
    if not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not path and old_root == new_root
    if not path or any(len(p) != HASH_LEN for p in path):
        return False
    if old_size & (old_size - 1) == 0:
        path = [old_root, *path]
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# --- tree heads and certificates ---------------------------------------------------------------


def head_signed_bytes(head: dict[str, Any]) -> bytes:
    """The exact bytes the organisation signed for a tree head."""
    body = {"root_hash": str(head["root_hash"]), "timestamp": str(head["timestamp"]),
            "tree_size": int(head["tree_size"])}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def key_id(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's SubjectPublicKeyInfo (DER), as in tree heads."""
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the DER certificate, as `openssl x509 -fingerprint -sha256` prints it."""
    return ":".join(f"{b:02X}" for b in cert.fingerprint(hashes.SHA256()))


def normalise_fingerprint(text: str) -> str:
    return text.replace(":", "").replace(" ", "").strip().lower()


def verify_signature(cert: x509.Certificate, signature: bytes, data: bytes) -> bool:
    pub = cert.public_key()
    try:
        if isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(pub, rsa.RSAPublicKey):
            pub.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except InvalidSignature:
        return False
    return True


def parse_time(text: str) -> dt.datetime | None:
    try:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def chain_problems(chain: list[x509.Certificate], ca: x509.Certificate,
                   at: dt.datetime | None) -> list[str]:
    """Problems with `chain` (signer first, then intermediates) leading to the root `ca`.

    Validity is judged at `at` (when the head says it was signed), so heads signed before a key
    rotation or a certificate's expiry stay verifiable.
    """
    problems: list[str] = []
    if not chain:
        return ["no signer certificate"]
    try:
        ca.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        problems.append("the CA certificate is not a valid self-signed root")
    certs = [*chain, ca] if chain[-1] != ca else list(chain)
    for child, parent in zip(certs, certs[1:], strict=False):
        try:
            child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature):
            problems.append(f"certificate '{child.subject.rfc4514_string()}' is not issued by "
                            f"'{parent.subject.rfc4514_string()}'")
        try:
            bc = parent.extensions.get_extension_for_class(x509.BasicConstraints).value
            if not bc.ca:
                problems.append(f"'{parent.subject.rfc4514_string()}' is not a CA certificate")
        except x509.ExtensionNotFound:
            problems.append(f"'{parent.subject.rfc4514_string()}' has no basic constraints")
    try:
        ku = chain[0].extensions.get_extension_for_class(x509.KeyUsage).value
        if not ku.digital_signature:
            problems.append("the signer certificate is not for digital signatures")
    except x509.ExtensionNotFound:
        pass
    if at is not None:
        for cert in certs:
            if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
                problems.append(f"certificate '{cert.subject.rfc4514_string()}' was not valid "
                                f"at {at.isoformat()}")
    return problems


def head_problems(head: dict[str, Any], chain: list[x509.Certificate],
                  ca: x509.Certificate) -> list[str]:
    problems: list[str] = []
    try:
        signature = base64.b64decode(str(head["signature"]), validate=True)
        int(head["tree_size"])
        bytes.fromhex(str(head["root_hash"]))
    except (KeyError, ValueError, binascii.Error):
        return ["the tree head is malformed"]
    if not chain:
        return ["no certificate for the tree head's key"]
    if key_id(chain[0]) != head.get("key_id"):
        problems.append("the tree head's key id is not the given signer certificate's key")
    if not verify_signature(chain[0], signature, head_signed_bytes(head)):
        problems.append("the tree head's signature does not verify")
    at = parse_time(str(head["timestamp"]))
    if at is None:
        problems.append("the tree head's timestamp is not a date")
    problems += chain_problems(chain, ca, at)
    return problems


def load_pem_chain(text: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(text.encode()) if text.strip() else []


# --- bundles -----------------------------------------------------------------------------------


@dataclass
class Result:
    ok: bool = True
    kind: str = ""
    ca_fingerprint: str = ""
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def passed(self, what: str) -> None:
        self.checks.append(what)

    def failed(self, what: str) -> None:
        self.problems.append(what)
        self.ok = False


def _hexes(values: Any) -> list[bytes]:
    if not isinstance(values, list):
        raise ValueError("not a list")
    out = [bytes.fromhex(str(v)) for v in values]
    if any(len(h) != HASH_LEN for h in out):
        raise ValueError("not a SHA-256 hash")
    return out


def _ca(bundle: dict[str, Any], result: Result, expected_fp: str | None) -> x509.Certificate:
    ca = x509.load_pem_x509_certificate(str(bundle["ca_pem"]).encode())
    result.ca_fingerprint = fingerprint(ca)
    if expected_fp is not None:
        if normalise_fingerprint(expected_fp) == normalise_fingerprint(result.ca_fingerprint):
            result.passed("the CA certificate is the one whose fingerprint you gave")
        else:
            result.failed("the CA certificate's fingerprint is not the one you gave")
    return ca


def check_inclusion(bundle: dict[str, Any], result: Result, ca: x509.Certificate,
                    document: Path | None) -> None:
    line = base64.b64decode(str(bundle["event_line_b64"]), validate=True)
    event = json.loads(line)
    if bundle.get("event") is not None and bundle["event"] != event:
        result.failed("the event shown in the proof is not the event line that is hashed")
    index = int(bundle["leaf_index"])
    head = bundle["tree_head"]
    size = int(head["tree_size"])
    if int(bundle.get("tree_size", size)) != size:
        result.failed("the proof's tree size is not the signed head's")
    if event.get("seq") != index:
        result.failed("the event's sequence number is not its leaf index")
    if bundle.get("doc_id") and event.get("doc_id") != bundle["doc_id"]:
        result.failed("the event is about another document")
    leaf = leaf_hash(line)
    if bundle.get("leaf_hash") and bundle["leaf_hash"] != leaf.hex():
        result.failed("the leaf hash given does not match the event line")
    path = _hexes(bundle["audit_path"])
    root = bytes.fromhex(str(head["root_hash"]))
    if verify_inclusion(index, size, leaf, path, root):
        result.passed(f"event {index} is in the log of {size} events whose root is "
                      f"{root.hex()}")
    else:
        result.failed("the audit path does not lead from the event to the signed root")
    chain = load_pem_chain(str(bundle["signer_chain_pem"]))
    for problem in head_problems(head, chain, ca):
        result.failed(problem)
    if not result.problems:
        result.passed(f"the tree head is signed by '{chain[0].subject.rfc4514_string()}', "
                      "whose certificate chains to the CA")
    if document is not None:
        digest = hashlib.sha256(document.read_bytes()).hexdigest()
        data = event.get("data", {})
        named = {data.get(k) for k in ("sha256", "archival_sha256", "record_sha256")} - {None}
        if digest in named:
            result.passed(f"{document.name} (sha256 {digest}) is the document the event names")
        else:
            result.failed(f"{document.name} (sha256 {digest}) is not named by the event")


def check_consistency(bundle: dict[str, Any], result: Result, ca: x509.Certificate) -> None:
    old, new = bundle["old_head"], bundle["new_head"]
    chains = {k: load_pem_chain(str(v)) for k, v in dict(bundle["signer_chains_pem"]).items()}
    for name, head in (("old", old), ("new", new)):
        chain = chains.get(str(head.get("key_id")), [])
        problems = head_problems(head, chain, ca)
        for problem in problems:
            result.failed(f"{name} head: {problem}")
        if not problems:
            result.passed(f"the {name} head (size {head['tree_size']}) is signed by "
                          f"'{chain[0].subject.rfc4514_string()}', chained to the CA")
    path = _hexes(bundle["proof"])
    if verify_consistency(int(old["tree_size"]), int(new["tree_size"]),
                          bytes.fromhex(str(old["root_hash"])),
                          bytes.fromhex(str(new["root_hash"])), path):
        result.passed(f"the log of {new['tree_size']} events extends the log of "
                      f"{old['tree_size']} events unchanged")
    else:
        result.failed("the consistency proof does not hold: the later log does not contain the "
                      "earlier one unchanged")


def check_known_head(bundle: dict[str, Any], known: dict[str, Any], result: Result) -> None:
    """Compare with a tree head the auditor kept from earlier (published or printed)."""
    heads = [bundle.get("tree_head"), bundle.get("old_head"), bundle.get("new_head")]
    same_size = [h for h in heads if h and int(h["tree_size"]) == int(known["tree_size"])]
    if not same_size:
        result.failed(f"the proof does not involve a head of size {known['tree_size']}, the one "
                      "you kept")
    elif all(h["root_hash"] == known["root_hash"] for h in same_size):
        result.passed(f"the head of size {known['tree_size']} is the one you kept")
    else:
        result.failed(f"the head of size {known['tree_size']} differs from the one you kept: "
                      "the log was rewritten")


def check_bundle(bundle: dict[str, Any], *, ca_fingerprint: str | None = None,
                 document: Path | None = None, known_head: dict[str, Any] | None = None
                 ) -> Result:
    result = Result(kind=str(bundle.get("format", "")) if isinstance(bundle, dict) else "")
    try:
        ca = _ca(bundle, result, ca_fingerprint)
        if result.kind == INCLUSION_FORMAT:
            check_inclusion(bundle, result, ca, document)
        elif result.kind == CONSISTENCY_FORMAT:
            check_consistency(bundle, result, ca)
        else:
            result.failed("not a sohoa proof (unknown format)")
        if known_head is not None:
            check_known_head(bundle, known_head, result)
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error) as exc:
        result.failed(f"the proof is malformed ({type(exc).__name__})")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a sohoa inclusion or consistency proof")
    parser.add_argument("proof", help="proof file (JSON), '-' for standard input")
    parser.add_argument("--ca-fingerprint", help="SHA-256 fingerprint of the organisation's CA "
                        "certificate as published; the check fails if it differs")
    parser.add_argument("--document", help="a file (archival PDF, original or record) that "
                        "must be the one the event names")
    parser.add_argument("--known-head", help="a tree head (JSON) you kept from earlier")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        raw = sys.stdin.buffer.read() if args.proof == "-" else Path(args.proof).read_bytes()
        bundle = json.loads(raw)
        known = json.loads(Path(args.known_head).read_bytes()) if args.known_head else None
    except OSError as exc:
        print(f"INVALID: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 1
    except ValueError:
        print("INVALID: the proof (or the kept head) is not JSON", file=sys.stderr)
        return 1
    result = check_bundle(bundle, ca_fingerprint=args.ca_fingerprint,
                          document=Path(args.document) if args.document else None,
                          known_head=known)
    if args.json:
        print(json.dumps({"ok": result.ok, "format": result.kind, "checks": result.checks,
                          "problems": result.problems, "ca_fingerprint": result.ca_fingerprint},
                         ensure_ascii=False))
    else:
        for line in result.checks:
            print(f"ok: {line}")
        for line in result.problems:
            print(f"FAILED: {line}")
        print(f"CA certificate SHA-256 fingerprint: {result.ca_fingerprint or '?'}")
        print("Compare it with the fingerprint the organisation published.")
        print("VALID" if result.ok else "INVALID")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
