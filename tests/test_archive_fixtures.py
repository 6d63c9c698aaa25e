"""Real archives for the archive and audit tests, built fast (no tests in this module).

One scan is made with PIL + img2pdf and turned into PDF/A-2b by ocrmypdf once per test session;
every document of a test archive is that PDF/A signed again by the archive's own identity (each
signature differs, so each archival copy is a distinct object) and committed through
`archive.Archive`, exactly as the pipeline commits it. `template_home()` builds one such home
per session; `copy_home()` gives a test its own copy to damage.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

from archive import Archive, NewDocument, utc_iso
from archive.catalog import DocumentRow
from sohoa.records import Classification, DocumentMetadata, InputKind, PageText, Secrecy, Status

REPO = Path(__file__).resolve().parents[1]
PASSPHRASE = "test-vault-passphrase"  # noqa: S105 (a test vault)
ORGANISATION = "Đảng ủy phường Thử nghiệm"
_WORK = Path(tempfile.mkdtemp(prefix="sohoa-archive-tests-"))
atexit.register(shutil.rmtree, _WORK, True)

WORDS = (
    "the ward committee keeps its records in an archive that anyone can check later "
    "every document is scanned once signed by the organisation and written to a store "
    "where nothing is ever overwritten the log of events is a merkle tree whose signed "
    "heads are published so that an auditor can prove that no record was altered added "
    "or lost since the day it was archived this page is only a test of that promise"
).split()


def make_scan(path: Path, seed: int = 0, lines: int = 14) -> Path:
    """A one-page 150 dpi greyscale 'scan' with about 90 words of clean printed text."""
    import img2pdf
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 30)
    for i in range(lines):
        start = (i * 7 + seed) % len(WORDS)
        line = " ".join((WORDS + WORDS)[start:start + 7])
        draw.text((110, 140 + 100 * i), line, fill=0, font=font)
    draw.text((110, 1650), f"test page {seed}", fill=0, font=font)
    png = path.with_suffix(".png")
    img.save(png, dpi=(150, 150))
    path.write_bytes(img2pdf.convert(str(png)))
    png.unlink()
    return path


@functools.cache
def pdfa_source() -> Path:
    """The scan as an unsigned PDF/A-2b with a text layer (ocrmypdf, once per session)."""
    import ocrmypdf

    scan = make_scan(_WORK / "scan.pdf", lines=5)
    out = _WORK / "scan-pdfa.pdf"
    ocrmypdf.ocr(scan, out, output_type="pdfa-2", pdfa_backend="internal",
                 rasterizer="pypdfium", language=["eng"], progress_bar=False)
    return out


def new_archive(home: Path) -> Archive:
    archive = Archive(home)
    archive.create(ORGANISATION, PASSPHRASE)
    archive.open()
    return archive


def open_classification() -> Classification:
    return Classification(Secrecy.NONE, 0.97, False, (),
                          DocumentMetadata(doc_type="ke_hoach", abstract="kế hoạch thử nghiệm",
                                           page_count=1), Secrecy.NONE)


def add_document(archive: Archive, doc_id: str, *, workdir: Path, secret: bool = False,
                 tsa_url: str = "", level: str = "B-B") -> DocumentRow:
    """Sign the session's PDF/A and commit it as document `doc_id`, as the pipeline does."""
    workdir.mkdir(parents=True, exist_ok=True)
    original = workdir / f"{doc_id}.pdf"
    # Distinct originals: the catalog refuses two documents with the same bytes.
    original.write_bytes(pdfa_source().read_bytes() + f"%original {doc_id}\n".encode())
    signed = workdir / f"{doc_id}-signed.pdf"
    signature = archive.sign(pdfa_source(), signed, tsa_url=tsa_url, level=level)
    assert signature.ok, signature
    assert archive.preflight(signed) == []
    data = original.read_bytes()
    classification = open_classification()
    if secret:
        classification = Classification(Secrecy.MAT, 0.9, False, (), DocumentMetadata(),
                                         Secrecy.MAT)
    doc = NewDocument(
        doc_id=doc_id, job_id=f"job-{doc_id}", original_path=original,
        original_name=f"{doc_id}.pdf", sha256=hashlib.sha256(data).hexdigest(), size=len(data),
        kind=InputKind.PDF, received_at=utc_iso(), classification=classification,
        pages=(PageText(1, "the ward committee keeps its records", 91.0, True),),
        signed_pdf=signed, signature=signature, ocr_engine="test",
    )
    if secret:
        return archive.commit_vault(doc, archive.stage_vault(doc, Status.CLASSIFIED))
    return archive.commit_open(doc, archive.stage_open(doc))


def index_catalog(home: Path) -> None:
    """Bring the home's search index in line with its catalog (the service's own code)."""
    service = open_service(home)
    try:
        service.reconcile_index()
    finally:
        service.close()


def open_service(home: Path):  # type: ignore[no-untyped-def]
    from sohoa.pipeline import Service
    from sohoa.settings import load_settings

    service = Service(load_settings(home, environ={}))
    service.archive.open(load_log=False)
    service.queue.create()
    return service


OPEN_IDS = ("doc-open-1", "doc-open-2", "doc-open-3")
VAULT_IDS = ("doc-vault-1",)


@functools.cache
def template_home() -> Path:
    """A home with three open documents, one classified, an index and signed tree heads."""
    home = _WORK / "template" / "home"
    archive = new_archive(home)
    for doc_id in OPEN_IDS:
        add_document(archive, doc_id, workdir=_WORK / "template" / "work")
        archive.sign_tree_head()  # one head per "batch", as the service does
    for doc_id in VAULT_IDS:
        add_document(archive, doc_id, workdir=_WORK / "template" / "work", secret=True)
    archive.sign_tree_head()
    archive.catalog.close()
    archive.vault_catalog.close()
    index_catalog(home)
    return home


def copy_home(target: Path) -> Path:
    shutil.copytree(template_home(), target, symlinks=True)
    return target


def audit(home: Path, **kwargs):  # type: ignore[no-untyped-def]
    """Run the full audit in process, with the index and the preflight, as `sohoa audit`."""
    from archive.audit import run_audit
    from archive.preflight import preflight

    service = open_service(home)
    try:
        return run_audit(service.archive, index_ids=service.index.doc_ids, preflight=preflight,
                         **kwargs)
    finally:
        service.close()


def cli(home: Path, *args: str, check: bool = False, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(REPO / "tests"))
    from tests.conftest import run_cli

    return run_cli(home, *args, check=check, env=env)


class LocalTSA:
    """An RFC 3161 timestamp authority on 127.0.0.1 (HTTP POST, application/timestamp-query).

    Its own root CA and an RSA TSA certificate (extended key usage timeStamping, critical);
    pyHanko's DummyTimeStamper builds each response, served over a real socket so the archive
    talks to it with the same HTTP client it would use for a public TSA.
    """

    def __init__(self) -> None:
        import datetime as dt
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from asn1crypto import keys as asn1_keys
        from asn1crypto import tsp
        from asn1crypto import x509 as asn1_x509
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
        from pyhanko.sign.timestamps import DummyTimeStamper

        now = dt.datetime.now(dt.UTC)
        root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA Root")])
        self.root = (
            x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .sign(root_key, hashes.SHA256())
        )
        tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        tsa = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")]))
            .issuer_name(root_name).public_key(tsa_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                           critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), critical=True)
            .sign(root_key, hashes.SHA256())
        )

        def der(cert: x509.Certificate) -> bytes:
            return cert.public_bytes(serialization.Encoding.DER)

        stamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(der(tsa)),
            tsa_key=asn1_keys.PrivateKeyInfo.load(tsa_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption())),
            certs_to_embed=[asn1_x509.Certificate.load(der(self.root))],
        )
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                if self.headers.get("Content-Type") != "application/timestamp-query" \
                        or not 0 < length < 65536:
                    self.send_error(400)
                    return
                request = tsp.TimeStampReq.load(self.rfile.read(length))
                body = stamper.request_tsa_response(request).dump()
                owner.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def root_pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.root.public_bytes(serialization.Encoding.PEM)

    def trust_in(self, home: Path) -> None:
        """Install the TSA's root the way an operator does: keys/tsa-roots/<name>.pem."""
        folder = home / "keys" / "tsa-roots"
        folder.mkdir(exist_ok=True)
        (folder / "test-tsa.pem").write_bytes(self.root_pem())

    def __enter__(self) -> LocalTSA:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
