"""Secure export (`sohoa export`): classified documents as a signed BagIt bag inside one age file.

Format ``sohoa-export 1`` (docs/vault.md §7): an age ciphertext (X25519, to one or more
recipients) of a POSIX tar (pax) stream holding one directory, the bag ``sohoa-export-<id>/``::

    data/<doc_id>/original.<ext>   the scan as received, byte-exact
    data/<doc_id>/archival.pdf     the signed PDF/A-2b as archived, byte-exact (absent when the
                                   original is itself the signed archival copy)
    data/<doc_id>/copy-NN.pdf      the same pages with the visible mark "BẢN SAO SỐ NN — MẬT",
                                   signed anew by the organisation (NN: its copy-register number)
    data/<doc_id>/metadata.json    the document record (metadata, page text, classification)
    data/<doc_id>/proof.json       inclusion proof of its archiving event (`sohoa verify-proof`)
    bagit.txt  bag-info.txt  manifest-sha256.txt  manifest-sha512.txt
    ca.pem  signer-chain.pem  [tsa-roots.pem]  README.txt
    tagmanifest-sha256.txt  tagmanifest-sha512.txt
    tagmanifest-sha256.txt.p7s  tagmanifest-sha512.txt.p7s   CMS detached signatures

Streaming: a producer thread writes the tar into a pipe, `pyrage.encrypt_io` reads the pipe and
writes the ciphertext; vault objects are decrypted (`decrypt_io`) straight into their tar entry,
whose size is known in advance from the age ciphertext's length. Payload digests are computed on
the way, so the manifests follow the payload in the tar. Memory stays bounded whatever the size
of the export; no plaintext is written to disk. Only a marked copy needs its archival PDF whole:
it is stamped and signed in a private directory in RAM (`ocr.ram_tmp_dir`), one at a time.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pyrage
from cryptography.hazmat.primitives import serialization

from archive import bag
from archive.archive import Archive, utc_iso
from archive.catalog import DocumentRow
from archive.marking import CopyMark, stamp_pdf
from archive.proofcheck import fingerprint
from archive.vault import UnlockedVault
from sohoa import __version__
from sohoa.errors import IntegrityError, NotFoundError, SettingsError
from sohoa.logs import get_logger
from sohoa.records import Secrecy, Status

log = get_logger(__name__)

EXPORT_FORMAT = "sohoa-export 1"
_CHUNK = 1 << 20
_TAR_RECORD = 10240
_AGE_CHUNK = 64 * 1024
_AGE_TAG = 16
_AGE_NONCE = 16
_EXT = {"pdf": "pdf", "tiff": "tif", "jpeg": "jpg", "png": "png"}


@dataclass(frozen=True)
class ExportRequest:
    doc_ids: tuple[str, ...]
    recipients: tuple[str, ...]  # age X25519 public keys ("age1...")
    exporter: str  # who: "cli:lan", "web:lan"
    organisation: str
    marked_copies: bool = True


@dataclass(frozen=True)
class ExportedDocument:
    doc_id: str
    level: str
    copy_number: int
    files: tuple[str, ...]  # paths inside the bag


@dataclass(frozen=True)
class ExportResult:
    export_id: str
    bag_name: str
    level: str
    documents: tuple[ExportedDocument, ...]
    recipients: tuple[str, ...]
    tagmanifest_sha256: str
    payload_files: int
    payload_bytes: int
    ciphertext_sha256: str
    ciphertext_bytes: int

    def to_json(self) -> dict[str, Any]:
        return {"export_id": self.export_id, "bag": self.bag_name, "level": self.level,
                "documents": [{"doc_id": d.doc_id, "level": d.level, "copy": d.copy_number,
                               "files": list(d.files)} for d in self.documents],
                "recipients": list(self.recipients),
                "tagmanifest_sha256": self.tagmanifest_sha256,
                "payload_files": self.payload_files, "payload_bytes": self.payload_bytes,
                "sha256": self.ciphertext_sha256, "bytes": self.ciphertext_bytes}


def parse_recipients(keys: list[str] | tuple[str, ...]) -> list[pyrage.x25519.Recipient]:
    if not keys:
        raise SettingsError("give at least one --recipient (an age public key, age1...)")
    out = []
    for key in keys:
        try:
            out.append(pyrage.x25519.Recipient.from_str(key.strip()))
        except (pyrage.RecipientError, ValueError):
            raise SettingsError(f"not an age X25519 public key: {key[:80]!r}") from None
    return out


def select_documents(archive: Archive, *, ids: list[str] | None = None,
                     level: Secrecy | None = None) -> list[DocumentRow]:
    """The vault documents an export names: by id, or every processed one at `level`."""
    rows: list[DocumentRow] = []
    if ids:
        for doc_id in dict.fromkeys(ids):
            row = archive.vault_catalog.get(doc_id)
            if row is None:
                if archive.catalog.get(doc_id) is not None:
                    raise SettingsError(f"{doc_id} is an open document: exports are for the "
                                        "vault; open documents are read as they are")
                raise NotFoundError(f"no classified document {doc_id}")
            rows.append(row)
    elif level is not None:
        if not level.is_classified:
            raise SettingsError("--level takes mat, toi_mat or tuyet_mat")
        rows = [r for r in archive.vault_catalog.documents()
                if r.secrecy == level.value and r.status == Status.CLASSIFIED.value]
        if not rows:
            raise NotFoundError(f"no processed document at level {level.value} in the vault")
    else:
        raise SettingsError("name the documents: --ids ID... or --level LEVEL")
    for row in rows:
        if row.status == Status.HELD.value:
            raise SettingsError(f"{row.doc_id} is TUYỆT MẬT, held for an officer's decision: it "
                                "is not exported before it is kept (`sohoa vault keep`)")
    return sorted(rows, key=lambda r: r.doc_id)


def age_plaintext_size(path: Path) -> int:
    """Plaintext length of a binary age file, from its length: header, 16-byte nonce, then
    chunks of at most 64 KiB each followed by a 16-byte tag (age v1 STREAM)."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    mac = head.find(b"\n--- ")
    end = head.find(b"\n", mac + 1) if mac >= 0 else -1
    if not head.startswith(b"age-encryption.org/v1\n") or end < 0:
        raise IntegrityError("a vault object is not an age file")
    payload = size - (end + 1) - _AGE_NONCE
    if payload < _AGE_TAG:
        raise IntegrityError("a vault object is truncated")
    chunks = -(-payload // (_AGE_CHUNK + _AGE_TAG))
    return payload - chunks * _AGE_TAG


# -- the tar stream -----------------------------------------------------------------------------


class _Entry:
    """The body of one tar entry: counts, hashes and passes on what is written to it."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.digests = bag.Digests()

    def write(self, data: bytes) -> int:
        self.digests.update(data)
        self.out.write(data)
        return len(data)

    def flush(self) -> None:
        pass


class TarStream:
    """A pax tar written front to back, for entries whose sizes are known before their bytes."""

    def __init__(self, out: BinaryIO, mtime: float) -> None:
        self.out = out
        self.mtime = int(mtime)
        self.written = 0

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.written += len(data)

    def _header(self, name: str, size: int, directory: bool = False) -> None:
        info = tarfile.TarInfo(name)
        info.size = 0 if directory else size
        info.mtime = self.mtime
        info.mode = 0o700 if directory else 0o600
        info.type = tarfile.DIRTYPE if directory else tarfile.REGTYPE
        self._write(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))

    def add_dir(self, name: str) -> None:
        self._header(name.rstrip("/") + "/", 0, directory=True)

    def add_bytes(self, name: str, data: bytes) -> dict[str, str]:
        return self.add_stream(name, len(data), lambda sink: sink.write(data))

    def add_stream(self, name: str, size: int, fill: Callable[[_Entry], object]
                   ) -> dict[str, str]:
        self._header(name, size)
        entry = _Entry(self.out)
        fill(entry)
        if entry.digests.size != size:
            raise IntegrityError(f"{name}: {entry.digests.size} bytes written, {size} announced")
        self.written += size
        self._pad()
        return entry.digests.hexdigests()

    def _pad(self) -> None:
        if self.written % 512:
            self._write(b"\0" * (512 - self.written % 512))

    def close(self) -> None:
        self._write(b"\0" * 1024)
        if self.written % _TAR_RECORD:
            self._write(b"\0" * (_TAR_RECORD - self.written % _TAR_RECORD))


class _HashingWriter:
    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self.out.write(data) or len(data)

    def flush(self) -> None:
        self.out.flush()


def encrypt_stream(produce: Callable[[BinaryIO], None], out: BinaryIO,
                   recipients: list[pyrage.x25519.Recipient]) -> None:
    """Run `produce(sink)` on a thread, encrypting what it writes to `out` as it comes.

    A producer that fails leaves a ciphertext that decrypts to a cut tar: the error is raised
    here, and the caller removes the output."""
    read_fd, write_fd = os.pipe()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with os.fdopen(write_fd, "wb", buffering=_CHUNK) as sink:
                produce(sink)
        except BaseException as exc:  # handed to the caller below
            errors.append(exc)

    thread = threading.Thread(target=run, name="export-producer", daemon=True)
    thread.start()
    try:
        with os.fdopen(read_fd, "rb") as source:
            pyrage.encrypt_io(source, out, recipients)
    finally:
        thread.join()
    if errors:
        raise errors[0]


# -- the export ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    row: DocumentRow
    record: dict[str, Any]
    proof: dict[str, Any]
    copy_number: int


def new_export_id() -> str:
    return time.strftime("%Y%m%d", time.gmtime()) + "-" + secrets.token_hex(5)


def export_documents(archive: Archive, unlocked: UnlockedVault, request: ExportRequest,
                     out_path: Path, ram_dir: Path) -> ExportResult:
    """Write the export to `out_path` (atomically: `.part`, fsync, rename), register the copies
    and log the `export` event. Any failure removes the partial output and cancels the copy
    numbers it took."""
    from archive.proofs import inclusion_bundle

    recipients = parse_recipients(request.recipients)
    rows = [archive.vault_catalog.get(d) for d in request.doc_ids]
    if any(r is None for r in rows):
        raise NotFoundError("a document of the export is not in the vault")
    for row in rows:
        assert row is not None
        if row.status != Status.CLASSIFIED.value:
            raise SettingsError(f"{row.doc_id} is held for an officer's decision")
    export_id = new_export_id()
    at = utc_iso()
    part = out_path.with_name(out_path.name + ".part")
    try:
        prepared: list[_Prepared] = []
        for row in rows:
            assert row is not None
            record = json.loads(unlocked.read(row.record_object))
            copy = archive.vault_catalog.issue_copies(
                row.doc_id, 1, kind="export", made_by=request.exporter, made_at=at,
                reference=export_id, recipients=" ".join(request.recipients))
            prepared.append(_Prepared(row, record, inclusion_bundle(archive, row.doc_id),
                                      copy.first_number))
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            writer = _HashingWriter(fh)
            builder = _BagBuilder(archive, unlocked, request, export_id, prepared, ram_dir)
            encrypt_stream(builder.write, writer, recipients)  # type: ignore[arg-type]
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, out_path)
    except BaseException:
        part.unlink(missing_ok=True)
        archive.vault_catalog.set_copies_state(export_id, "cancelled")
        raise
    archive.vault_catalog.set_copies_state(export_id, "made")
    level = builder.level
    result = ExportResult(
        export_id=export_id, bag_name=builder.bag_name, level=level.value,
        documents=tuple(builder.documents), recipients=tuple(request.recipients),
        tagmanifest_sha256=builder.tagmanifest_sha256, payload_files=builder.payload_files,
        payload_bytes=builder.payload_bytes, ciphertext_sha256=writer.sha.hexdigest(),
        ciphertext_bytes=writer.size)
    archive.log.append(
        "export", actor=request.exporter, export_id=export_id, level=level.value,
        doc_ids=[d.doc_id for d in result.documents],
        copies={d.doc_id: d.copy_number for d in result.documents},
        recipients=list(request.recipients), tagmanifest_sha256=result.tagmanifest_sha256,
        sha256=result.ciphertext_sha256, bytes=result.ciphertext_bytes)
    archive.sign_tree_head()
    log.info("export.written", export_id=export_id, documents=len(result.documents),
             level=level.value, bytes=result.ciphertext_bytes)
    return result


class _BagBuilder:
    """Writes the bag as a tar stream (runs on the producer thread)."""

    def __init__(self, archive: Archive, unlocked: UnlockedVault, request: ExportRequest,
                 export_id: str, prepared: list[_Prepared], ram_dir: Path) -> None:
        self.archive = archive
        self.unlocked = unlocked
        self.request = request
        self.export_id = export_id
        self.prepared = prepared
        self.ram_dir = ram_dir
        self.bag_name = f"sohoa-export-{export_id}"
        self.level = max((Secrecy(p.row.secrecy) for p in prepared), key=lambda s: s.rank,
                         default=Secrecy.NONE)
        self.documents: list[ExportedDocument] = []
        self.tagmanifest_sha256 = ""
        self.payload_files = 0
        self.payload_bytes = 0

    def write(self, sink: BinaryIO) -> None:
        tar = TarStream(sink, time.time())
        root = self.bag_name
        payload: list[tuple[str, dict[str, str]]] = []
        tar.add_dir(root)
        tar.add_dir(f"{root}/data")

        def add(path: str, size: int, fill: Callable[[_Entry], object]) -> None:
            payload.append((path, tar.add_stream(f"{root}/{path}", size, fill)))
            self.payload_bytes += size

        for item in self.prepared:
            row, record = item.row, item.record
            base = f"data/{row.doc_id}"
            tar.add_dir(f"{root}/{base}")
            files: list[str] = []
            ext = _EXT.get(str(record.get("original", {}).get("kind", "")), "bin")
            files.append(self._add_object(add, f"{base}/original.{ext}", row.original_object))
            distinct = bool(row.archival_object) and row.archival_object != row.original_object
            if distinct:
                files.append(self._add_object(add, f"{base}/archival.pdf", row.archival_object))
            if self.request.marked_copies and row.archival_object:
                files.append(self._add_marked_copy(add, base, row, item.copy_number))
            meta = {
                "format": EXPORT_FORMAT, "doc_id": row.doc_id, "level": row.secrecy,
                "level_label": Secrecy(row.secrecy).label_vi, "sha256": row.sha256,
                "received_at": row.received_at, "archived_at": row.archived_at,
                "copy_number": item.copy_number, "export_id": self.export_id,
                "archival_is_original": not distinct, "record": record,
            }
            for name, obj in (("metadata.json", meta), ("proof.json", item.proof)):
                data = json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True).encode()
                add(f"{base}/{name}", len(data), lambda sink, data=data: sink.write(data))
                files.append(f"{base}/{name}")
            self.documents.append(ExportedDocument(row.doc_id, row.secrecy, item.copy_number,
                                                   tuple(files)))
        self.payload_files = len(payload)
        self._write_tags(tar, payload)
        tar.close()

    def _add_object(self, add: Callable[..., None], path: str, sha256: str) -> str:
        source = self.unlocked.vault.store.path_of(sha256)
        add(path, age_plaintext_size(source),
            lambda sink: self.unlocked.decrypt_to(sha256, sink))  # type: ignore[arg-type]
        return path

    def _add_marked_copy(self, add: Callable[..., None], base: str, row: DocumentRow,
                         number: int) -> str:
        work = Path(tempfile.mkdtemp(prefix="sohoa-export-", dir=self.ram_dir))
        os.chmod(work, 0o700)
        try:
            note = (f"Xuất {time.strftime('%d/%m/%Y', time.gmtime())} · mã {self.export_id} · "
                    f"{self.request.exporter}")
            signed = marked_copy(self.archive, self.unlocked, row, number, note, work)
            path = f"{base}/copy-{number:02d}.pdf"

            def fill(sink: _Entry) -> None:
                with open(signed, "rb") as fh:
                    shutil.copyfileobj(fh, sink, _CHUNK)  # type: ignore[misc]

            add(path, signed.stat().st_size, fill)
            return path
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _write_tags(self, tar: TarStream, payload: list[tuple[str, dict[str, str]]]) -> None:
        root = self.bag_name
        identity = self.archive.identity
        ca = identity.ca_cert()
        pem = serialization.Encoding.PEM
        tags: dict[str, bytes] = {"bagit.txt": bag.BAGIT_TXT}
        info: list[tuple[str, str]] = [
            ("Source-Organization", self.request.organisation),
            ("Bagging-Date", time.strftime("%Y-%m-%d", time.gmtime())),
            ("Bag-Software-Agent", f"sohoa {__version__}"),
            ("External-Identifier", self.export_id),
            ("Payload-Oxum", f"{self.payload_bytes}.{len(payload)}"),
            ("Sohoa-Export-Format", EXPORT_FORMAT),
            ("Sohoa-Exported-At", utc_iso()),
            ("Sohoa-Exporter", self.request.exporter),
            ("Sohoa-Secrecy-Level", self.level.value),
            ("Sohoa-Secrecy-Label", self.level.label_vi),
            ("Sohoa-CA-SHA256", fingerprint(ca)),
        ]
        for item in self.prepared:
            info.append(("Sohoa-Document",
                         f"{item.row.doc_id} {item.row.secrecy} copy {item.copy_number:02d}"))
            meta = item.record.get("metadata", {})
            code = str(meta.get("file_code") or meta.get("number_symbol") or "-")
            info.append(("Sohoa-File-Code", f"{item.row.doc_id} {code}"))
        for key in self.request.recipients:
            info.append(("Sohoa-Recipient", key))
        tags["bag-info.txt"] = bag.bag_info_text(info)
        for alg in bag.ALGORITHMS:
            tags[f"manifest-{alg}.txt"] = bag.manifest_text(payload, alg)
        tags["ca.pem"] = ca.public_bytes(pem)
        tags["signer-chain.pem"] = b"".join(c.public_bytes(pem) for c in identity.chain())
        tsa = b"".join(p.read_bytes() for p in sorted((identity.dir / "tsa-roots").glob("*.pem")))
        if tsa:
            tags["tsa-roots.pem"] = tsa
        tags["README.txt"] = _readme(self.bag_name).encode()
        listed = [(name, bag.digests_of_bytes(data)) for name, data in tags.items()]
        for name, data in tags.items():
            tar.add_bytes(f"{root}/{name}", data)
        for alg in bag.ALGORITHMS:
            text = bag.manifest_text(listed, alg)
            name = f"tagmanifest-{alg}.txt"
            tar.add_bytes(f"{root}/{name}", text)
            tar.add_bytes(f"{root}/{name}{bag.SIGNATURE_SUFFIX}", identity.sign_detached(text))
            if alg == "sha256":
                self.tagmanifest_sha256 = hashlib.sha256(text).hexdigest()


def marked_copy(archive: Archive, unlocked: UnlockedVault, row: DocumentRow, number: int,
                note: str, work: Path) -> Path:
    """Copy `number` of a vault document's archival PDF, visibly marked and signed anew, in the
    private RAM directory `work` (docs/vault.md §7). Returns the signed file."""
    plain = work / "archival.pdf"
    with open(plain, "wb") as fh:
        unlocked.decrypt_to(row.archival_object, fh)
    stamp_pdf(plain, work / "marked.pdf", CopyMark(number, Secrecy(row.secrecy).label_vi, note))
    plain.unlink()
    signed = work / "signed.pdf"
    check = archive.sign(work / "marked.pdf", signed)
    if not check.ok:
        raise IntegrityError(f"the marked copy of {row.doc_id} could not be signed "
                             f"({check.status})")
    return signed


def _readme(bag_name: str) -> str:
    return f"""Bản xuất tài liệu mật (sohoa-export 1) / Classified export

Gói BagIt (RFC 8493). Kiểm tra / To check it:

  sohoa verify-export EXPORT.age --identity KEY.txt [--ca-fingerprint HEX]

or with standard tools, after `age -d -i KEY.txt EXPORT.age | tar -x`:

  cd {bag_name}
  openssl cms -verify -binary -inform DER -purpose any -CAfile ca.pem \\
      -content tagmanifest-sha256.txt -in tagmanifest-sha256.txt.p7s -out /dev/null
  sha256sum -c tagmanifest-sha256.txt && sha256sum -c manifest-sha256.txt
  sha512sum -c tagmanifest-sha512.txt && sha512sum -c manifest-sha512.txt
  openssl x509 -in ca.pem -noout -fingerprint -sha256   # compare with the published one

data/<doc>/archival.pdf is the signed archival copy exactly as archived; copy-NN.pdf carries the
visible mark "BẢN SAO SỐ NN" and is signed anew. Each copy is numbered in the sender's copy
register. Handle as the level in bag-info.txt requires.
"""
