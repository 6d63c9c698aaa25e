"""`sohoa verify-export`: what a recipient runs on an export (no archive needed).

The export is decrypted with the recipient's age identity into a private temporary directory
(in RAM, `/dev/shm`, when there is one), which is removed on every outcome, unless the checks all
pass and the caller asked to keep the bag (`extract_to`). Checked, in order:

1. decryption (age authenticates every 64 KiB chunk and the end: a changed or cut file fails);
2. the tar: one bag directory, regular files and directories only, no path leaving it;
3. the bag's fixity and completeness (archive/bag.py: both manifests, tag manifests, oxum);
4. the detached CMS signatures over the tag manifests, against the CA certificate in the bag
   (its fingerprint is printed; `ca_fingerprint` makes a mismatch a failure);
5. each PDF's signatures (archival copy and marked copy) against that CA;
6. each inclusion proof (archive/proofcheck.py), and that it names the original in the bag.

Results are problems with a kind (`decrypt`, `format`, `missing`, `extra`, `fixity`,
`signature`, `pdf_signature`, `proof`, `ca`) and a detail; none of them carry document text.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyrage
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from archive import bag
from archive.proofcheck import check_bundle, fingerprint, normalise_fingerprint
from archive.signing import check_detached_signature, check_pdf_signatures
from sohoa.errors import SettingsError

_CHUNK = 1 << 20


@dataclass
class ExportCheck:
    ok: bool = True
    bag: str = ""
    level: str = ""
    ca_fingerprint: str = ""
    documents: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    extracted_to: str = ""

    def fail(self, kind: str, detail: str) -> None:
        self.ok = False
        self.problems.append({"kind": kind, "detail": detail})

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "bag": self.bag, "level": self.level,
                "ca_fingerprint": self.ca_fingerprint, "documents": self.documents,
                "checks": self.checks, "problems": self.problems,
                "extracted_to": self.extracted_to}


class _Failed(Exception):
    """Stops the check at a step after which nothing else can be judged."""


def read_identities(path: Path) -> list[pyrage.x25519.Identity]:
    """An identity file as `age-keygen` writes it: comments, then AGE-SECRET-KEY-1... lines."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read the identity file {path}: "
                            f"{getattr(exc, 'strerror', None) or 'not a text file'}") from None
    if text.startswith("age-encryption.org/"):
        raise SettingsError("the identity file is itself encrypted: decrypt it first "
                            "(age -d -o key.txt key.age)")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            out.append(pyrage.x25519.Identity.from_str(line))
        except (pyrage.IdentityError, ValueError):
            raise SettingsError(f"{path} is not an age identity file") from None
    if not out:
        raise SettingsError(f"{path} holds no age identity")
    return out


def private_workdir(base: Path | None = None) -> Path:
    """A fresh 0700 directory in RAM when possible (never the export's own directory)."""
    if base is None:
        shm = Path("/dev/shm")  # noqa: S108 - RAM, on purpose
        base = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())
    path = Path(tempfile.mkdtemp(prefix="sohoa-verify-", dir=base))
    os.chmod(path, 0o700)
    return path


def verify_export(path: Path, identities: list[pyrage.x25519.Identity], *,
                  ca_fingerprint: str | None = None, workdir: Path | None = None,
                  extract_to: Path | None = None) -> ExportCheck:
    result = ExportCheck()
    if not path.is_file():
        raise SettingsError(f"no such file: {path}")
    if extract_to is not None and extract_to.exists():
        raise SettingsError(f"{extract_to} already exists: give a new directory to extract to")
    work = private_workdir(workdir)
    try:
        try:
            root = _decrypt_and_unpack(path, identities, work, result)
            _check(root, result, ca_fingerprint)
        except _Failed:
            pass
        if result.ok and extract_to is not None:
            shutil.copytree(root, extract_to)
            result.extracted_to = str(extract_to)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


# -- steps 1 and 2 ------------------------------------------------------------------------------


def _decrypt_and_unpack(path: Path, identities: list[pyrage.x25519.Identity], work: Path,
                        result: ExportCheck) -> Path:
    read_fd, write_fd = os.pipe()
    decrypt_errors: list[BaseException] = []

    def decrypt() -> None:
        try:
            with open(path, "rb") as src, os.fdopen(write_fd, "wb", buffering=_CHUNK) as sink:
                pyrage.decrypt_io(src, sink, identities)
        except BaseException as exc:  # reported below
            decrypt_errors.append(exc)

    thread = threading.Thread(target=decrypt, name="verify-decrypt", daemon=True)
    thread.start()
    unpack_error: str = ""
    roots: set[str] = set()
    with os.fdopen(read_fd, "rb") as source:
        try:
            roots = _unpack(source, work)
        except Exception as exc:  # a hostile or damaged tar: any parser failure is "invalid"
            unpack_error = str(exc) or type(exc).__name__
        # Read to the end, so the decryptor reaches (and authenticates) the last chunk.
        try:
            while source.read(_CHUNK):
                pass
        except OSError:
            pass
    thread.join()
    if decrypt_errors:
        exc = decrypt_errors[0]
        if isinstance(exc, pyrage.DecryptError):
            detail = str(exc) or "decryption failed"
            result.fail("decrypt", f"cannot decrypt with this identity, or the file was changed "
                        f"or cut ({detail})")
        else:
            result.fail("decrypt", f"decryption failed ({type(exc).__name__})")
        raise _Failed
    result.checks.append("decrypted: the age ciphertext is whole and authentic for this "
                         "identity")
    if unpack_error:
        result.fail("format", f"not a well-formed export tar ({unpack_error[:200]})")
        raise _Failed
    if len(roots) != 1:
        result.fail("format", "the export must hold exactly one bag directory")
        raise _Failed
    name = roots.pop()
    result.bag = name
    return work / name


class _Unsafe(Exception):
    pass


def _unpack(source: BinaryIO, work: Path) -> set[str]:
    roots: set[str] = set()
    with tarfile.open(fileobj=source, mode="r|") as tar:
        for member in tar:
            name = member.name.rstrip("/")
            if not bag.safe_relative(name):
                raise _Unsafe(f"unsafe path in the tar: {name[:100]!r}")
            roots.add(name.split("/", 1)[0])
            target = work / name
            if member.isdir():
                target.mkdir(mode=0o700, parents=True, exist_ok=True)
            elif member.isfile():
                target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                src = tar.extractfile(member)
                assert src is not None
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out:
                    shutil.copyfileobj(src, out, _CHUNK)
            else:
                raise _Unsafe(f"{name[:100]!r} is not a regular file or directory")
    return roots


# -- steps 3 to 6 -------------------------------------------------------------------------------


def _check(root: Path, result: ExportCheck, expected_ca: str | None) -> None:
    fixity = bag.check_bag(root)
    for kind, detail in fixity.problems:
        result.fail(kind, detail)
    if not fixity.problems:
        result.checks.append(f"bag fixity: {len(fixity.payload)} payload files match both "
                             "manifests; tag manifests match; nothing missing or extra")
    levels = fixity.info_values("Sohoa-Secrecy-Level")
    result.level = levels[0] if levels else ""
    ca = _ca(root, result, expected_ca)
    trust = [asn1_x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER))]
    tsa = _tsa_roots(root)
    for alg in bag.ALGORITHMS:
        name = f"tagmanifest-{alg}.txt"
        sig = root / (name + bag.SIGNATURE_SUFFIX)
        if not (root / name).is_file() or not sig.is_file():
            result.fail("signature", f"{name} or its signature {sig.name} is missing")
            continue
        check = check_detached_signature((root / name).read_bytes(), sig.read_bytes(), trust)
        if check.ok:
            result.checks.append(f"{sig.name}: signed by '{check.signer}', chained to the CA")
        else:
            result.fail("signature", f"{sig.name}: {check.detail}")
    data = root / "data"
    for doc_dir in sorted(p for p in data.iterdir() if p.is_dir()) if data.is_dir() else []:
        result.documents.append(doc_dir.name)
        _check_document(doc_dir, fixity.payload, trust, tsa, ca, result)


def _ca(root: Path, result: ExportCheck, expected: str | None) -> x509.Certificate:
    try:
        ca = x509.load_pem_x509_certificate((root / "ca.pem").read_bytes())
    except (OSError, ValueError):
        result.fail("ca", "ca.pem is missing or is not a certificate")
        raise _Failed from None
    result.ca_fingerprint = fingerprint(ca)
    if expected is not None:
        if normalise_fingerprint(expected) == normalise_fingerprint(result.ca_fingerprint):
            result.checks.append("the CA is the one whose fingerprint you gave")
        else:
            result.fail("ca", "the CA certificate's fingerprint is not the one you gave")
    return ca


def _tsa_roots(root: Path) -> list[asn1_x509.Certificate]:
    path = root / "tsa-roots.pem"
    if not path.is_file():
        return []
    return [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
            for c in x509.load_pem_x509_certificates(path.read_bytes())]


def _check_document(doc_dir: Path, payload: dict[str, dict[str, str]],
                    trust: list[asn1_x509.Certificate], tsa: list[asn1_x509.Certificate],
                    ca: x509.Certificate, result: ExportCheck) -> None:
    doc_id = doc_dir.name
    try:
        meta = json.loads((doc_dir / "metadata.json").read_bytes())
    except (OSError, ValueError):
        result.fail("format", f"{doc_id}: metadata.json is missing or not JSON")
        return
    originals = sorted(doc_dir.glob("original.*"))
    if len(originals) != 1:
        result.fail("format", f"{doc_id}: expected one original file")
        return
    original = originals[0]
    rel = f"data/{doc_id}/{original.name}"
    if payload.get(rel, {}).get("sha256") != meta.get("sha256"):
        result.fail("fixity", f"{doc_id}: the original is not the one the record names")
    as_is = bool(meta.get("archival_is_original"))
    pdfs = sorted(doc_dir.glob("copy-*.pdf"))
    if not as_is:
        pdfs.insert(0, doc_dir / "archival.pdf")
    for pdf in pdfs:
        if not pdf.is_file():
            result.fail("missing", f"{doc_id}: {pdf.name} is missing")
            continue
        check = check_pdf_signatures(pdf.read_bytes(), trust, tsa)
        if check.ok:
            result.checks.append(f"{doc_id}/{pdf.name}: PDF signature valid, trusted, "
                                 "covers the whole file")
        else:
            result.fail("pdf_signature", f"{doc_id}/{pdf.name}: signature {check.status}"
                        + (f" ({check.detail})" if check.detail else ""))
    if as_is:
        own = check_pdf_signatures(original.read_bytes(), None)
        if own.present and not own.ok:
            result.fail("pdf_signature", f"{doc_id}/{original.name}: its own signature "
                        f"{own.status}")
    try:
        proof = json.loads((doc_dir / "proof.json").read_bytes())
    except (OSError, ValueError):
        result.fail("proof", f"{doc_id}: proof.json is missing or not JSON")
        return
    checked = check_bundle(proof, ca_fingerprint=fingerprint(ca), document=original)
    if checked.ok and proof.get("doc_id") == doc_id:
        result.checks.append(f"{doc_id}: inclusion proof holds and names the original")
    else:
        for problem in checked.problems or ["the proof is about another document"]:
            result.fail("proof", f"{doc_id}: {problem}")
