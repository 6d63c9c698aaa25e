"""The organisation's signing identity: PAdES signatures on archival PDFs and tree-head signatures.

`keys/` holds:

- ``ca.pem`` (and ``ca.key``, 0600, only when sohoa generated the CA: move it offline after
  `sohoa init`; it is needed again only to rotate the signing key);
- ``signer-N.pem`` for every signing certificate ever used (rotation keeps the old ones, so
  earlier signatures stay verifiable), ``signer.key`` (0600) for the current one and
  ``current`` naming the current N.

Validation returns a `SignatureCheck` record instead of raising (pyHanko's habit): callers decide.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sohoa.errors import NotInitialisedError, SettingsError
from sohoa.logs import get_logger

log = get_logger(__name__)

SIGNATURE_FIELD = "SohoaArchiveSignature"


@dataclass(frozen=True)
class SignatureCheck:
    present: bool
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    whole_file: bool = False
    signer: str = ""
    signed_at: str = ""
    count: int = 0
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.present and self.intact and self.valid and self.trusted and self.whole_file

    @property
    def status(self) -> str:
        if not self.present:
            return "unsigned"
        if self.ok:
            return "valid"
        if not self.intact:
            return "broken"
        if not self.whole_file:
            return "partial-coverage"
        if not self.trusted:
            return "untrusted"
        return "invalid"

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "covers_whole_file": self.whole_file,
            "signer": self.signer,
            "signed_at": self.signed_at,
            "signatures": self.count,
            "detail": self.detail,
        }


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class SigningIdentity:
    def __init__(self, keys_dir: Path) -> None:
        self.dir = keys_dir

    # -- creation ----------------------------------------------------------------------------

    @property
    def ca_path(self) -> Path:
        return self.dir / "ca.pem"

    def exists(self) -> bool:
        return self.ca_path.exists() and (self.dir / "current").exists()

    def generate(self, organisation: str) -> None:
        """A new CA and first signing certificate (idempotent: keeps an existing identity)."""
        if self.exists():
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        now = dt.datetime.now(dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name(f"{organisation} - Root CA (sohoa)", organisation)
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365 * 30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
            .sign(ca_key, hashes.SHA256())
        )
        _write_private(self.dir / "ca.key", _pem_key(ca_key))
        self.ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        self._issue_signer(ca_key, ca_cert, organisation, number=1)

    def rotate(self, organisation: str) -> int:
        """Issue a new signing certificate from the CA; old certificates stay in keys/."""
        ca_key_path = self.dir / "ca.key"
        if not ca_key_path.exists():
            raise SettingsError(
                "rotation needs the CA key (keys/ca.key); bring it back from offline storage"
            )
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), None)
        assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
        ca_cert = x509.load_pem_x509_certificate(self.ca_path.read_bytes())
        number = self.current_number() + 1
        self._issue_signer(ca_key, ca_cert, organisation, number)
        return number

    def _issue_signer(
        self,
        ca_key: ec.EllipticCurvePrivateKey,
        ca_cert: x509.Certificate,
        organisation: str,
        number: int,
    ) -> None:
        now = dt.datetime.now(dt.UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(f"{organisation} - Ký số lưu trữ #{number}", organisation))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365 * 10))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING,
                                       x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")]),
                critical=False,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
            )
            .sign(ca_key, hashes.SHA256())
        )
        _write_private(self.dir / "signer.key.new", _pem_key(key))
        (self.dir / f"signer-{number}.pem").write_bytes(
            cert.public_bytes(serialization.Encoding.PEM)
        )
        os.replace(self.dir / "signer.key.new", self.dir / "signer.key")
        (self.dir / "current").write_text(f"{number}\n", encoding="ascii")

    def import_pkcs12(self, data: bytes, passphrase: bytes | None) -> None:
        """Use an existing identity (key, certificate and its chain) from a PKCS#12 file."""
        key, cert, chain = pkcs12.load_key_and_certificates(data, passphrase)
        if key is None or cert is None:
            raise SettingsError("the PKCS#12 file holds no private key and certificate")
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        root = chain[-1] if chain else cert
        self.ca_path.write_bytes(root.public_bytes(serialization.Encoding.PEM))
        number = self.current_number() + 1 if (self.dir / "current").exists() else 1
        pem_chain = b"".join(
            c.public_bytes(serialization.Encoding.PEM) for c in [cert, *(chain or [])[:-1]]
        )
        (self.dir / f"signer-{number}.pem").write_bytes(pem_chain)
        _write_private(
            self.dir / "signer.key",
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        (self.dir / "current").write_text(f"{number}\n", encoding="ascii")

    # -- use ---------------------------------------------------------------------------------

    def current_number(self) -> int:
        try:
            return int((self.dir / "current").read_text().strip())
        except FileNotFoundError:
            raise NotInitialisedError("no signing identity: run `sohoa init`") from None

    def signer_cert_path(self, number: int | None = None) -> Path:
        return self.dir / f"signer-{number or self.current_number()}.pem"

    def all_signer_certs(self) -> list[Path]:
        return sorted(self.dir.glob("signer-*.pem"))

    def _private_key(self) -> ec.EllipticCurvePrivateKey:
        key = serialization.load_pem_private_key((self.dir / "signer.key").read_bytes(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key

    def _certs(self, number: int | None = None) -> list[x509.Certificate]:
        return x509.load_pem_x509_certificates(self.signer_cert_path(number).read_bytes())

    def key_id(self) -> str:
        pub = self._private_key().public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return hashlib.sha256(pub).hexdigest()

    def sign_bytes(self, data: bytes) -> tuple[str, bytes]:
        """Detached ECDSA-SHA256 signature (tree heads, export manifests)."""
        return self.key_id(), self._private_key().sign(data, ec.ECDSA(hashes.SHA256()))

    def sign_pdf(self, source: Path, target: Path, *, reason: str, location: str,
                 tsa_url: str = "") -> None:
        """PAdES B-B (B-T with a TSA) invisible signature as an incremental update."""
        from pyhanko.keys import load_cert_from_pemder  # noqa: F401  (import check)
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers, timestamps
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        certs = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                 for c in self._certs()]
        ca = asn1_x509.Certificate.load(
            x509.load_pem_x509_certificate(self.ca_path.read_bytes()).public_bytes(
                serialization.Encoding.DER
            )
        )
        from pyhanko.keys import load_private_key_from_pemder_data

        signer = signers.SimpleSigner(
            signing_cert=certs[0],
            signing_key=load_private_key_from_pemder_data(
                (self.dir / "signer.key").read_bytes(), passphrase=None
            ),
            cert_registry=SimpleCertificateStore.from_certs([*certs[1:], ca]),
        )
        meta = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=reason,
            location=location,
            use_pades_lta=False,
        )
        timestamper = timestamps.HTTPTimeStamper(tsa_url) if tsa_url else None
        with open(source, "rb") as inf:
            writer = IncrementalPdfFileWriter(inf, strict=False)
            out = io.BytesIO()
            signers.sign_pdf(
                writer,
                meta,
                signer=signer,
                timestamper=timestamper,
                output=out,
                new_field_spec=fields.SigFieldSpec(SIGNATURE_FIELD),
            )
        with open(target, "wb") as fh:
            fh.write(out.getbuffer())
            fh.flush()
            os.fsync(fh.fileno())

    def trust_roots(self) -> list[asn1_x509.Certificate]:
        return [
            asn1_x509.Certificate.load(
                x509.load_pem_x509_certificate(self.ca_path.read_bytes()).public_bytes(
                    serialization.Encoding.DER
                )
            )
        ]

    def verify_bytes(self, data: bytes, signature: bytes, key_id: str) -> bool:
        """Check a detached signature made by any signing certificate this home ever had."""
        from cryptography.exceptions import InvalidSignature

        for path in self.all_signer_certs():
            cert = x509.load_pem_x509_certificates(path.read_bytes())[0]
            pub = cert.public_key()
            der = pub.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            if hashlib.sha256(der).hexdigest() != key_id:
                continue
            try:
                assert isinstance(pub, ec.EllipticCurvePublicKey)
                pub.verify(signature, data, ec.ECDSA(hashes.SHA256()))
                return True
            except InvalidSignature:
                return False
        return False


def check_pdf_signatures(
    data: bytes, trust_roots: list[asn1_x509.Certificate] | None
) -> SignatureCheck:
    """Validate every signature of a PDF; the last one must cover the whole file.

    With `trust_roots` None (a third party's signed PDF) trust is not required; intact, valid
    and coverage still are.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = list(reader.embedded_regular_signatures)
    except Exception as exc:  # hostile PDFs: any parser failure is "not verifiable"
        return SignatureCheck(present=False, detail=f"unreadable: {type(exc).__name__}")
    if not sigs:
        return SignatureCheck(present=False)
    vc = ValidationContext(
        trust_roots=trust_roots or [], allow_fetching=False, revocation_mode="soft-fail"
    )
    results = []
    for sig in sigs:
        try:
            status = validate_pdf_signature(sig, vc)
        except (SignatureValidationError, ValueError, KeyError, TypeError) as exc:
            return SignatureCheck(present=True, count=len(sigs),
                                  detail=f"validation error: {type(exc).__name__}")
        results.append(status)
    last = results[-1]
    whole = last.coverage == SignatureCoverageLevel.ENTIRE_FILE
    intact = all(s.intact for s in results)
    valid = all(s.valid for s in results)
    trusted = all(s.trusted for s in results) if trust_roots is not None else True
    signer = ""
    try:
        signer = last.signing_cert.subject.human_friendly
    except AttributeError:
        pass
    signed_at = last.signer_reported_dt.isoformat() if last.signer_reported_dt else ""
    return SignatureCheck(
        present=True,
        intact=intact,
        valid=valid,
        trusted=trusted,
        whole_file=whole,
        signer=signer,
        signed_at=signed_at,
        count=len(sigs),
        detail="" if whole else f"coverage {last.coverage.name}",
    )
