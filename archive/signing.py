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

import asyncio
import concurrent.futures
import datetime as dt
import functools
import hashlib
import io
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sohoa.errors import ExternalToolError, NotInitialisedError, SettingsError
from sohoa.logs import get_logger

log = get_logger(__name__)
T = TypeVar("T")


def _outside_event_loop(fn: Callable[..., T]) -> Callable[..., T]:
    """pyHanko's synchronous API calls asyncio.run(), which fails inside a running event loop
    (an async web server, a test driving a browser). There, run the call on a fresh thread."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return fn(*args, **kwargs)
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(fn, *args, **kwargs).result()

    return wrapper

# pyHanko logs a traceback for every certificate path it cannot build (an untrusted or tampered
# signature); the outcome is in the SignatureCheck we return, the traceback is only noise.
for _name in ("pyhanko.sign.validation.generic_cms", "pyhanko.sign.validation.pdf_embedded"):
    logging.getLogger(_name).setLevel(logging.ERROR)

SIGNATURE_FIELD = "SohoaArchiveSignature"
TIMESTAMP_FIELD = "SohoaArchiveTimestamp"
TSA_ROOTS_DIR = "tsa-roots"  # keys/tsa-roots/*.pem: timestamp authorities we trust

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


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
    level: str = ""  # PAdES baseline level found: B-B, B-T, B-LT, B-LTA ("" if unsigned)

    @property
    def ok(self) -> bool:
        return self.present and self.intact and self.valid and self.trusted and self.whole_file

    @property
    def status(self) -> str:
        if not self.present:
            return "unreadable" if self.detail.startswith("unreadable") else "unsigned"
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
            "level": self.level,
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
        return sorted(self.dir.glob("signer-*.pem"),
                      key=lambda p: int(p.stem.split("-")[1]) if p.stem[7:].isdigit() else 0)

    def _private_key(self) -> PrivateKey:
        key = serialization.load_pem_private_key((self.dir / "signer.key").read_bytes(), None)
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise SettingsError("the signing key must be an EC or RSA key")
        return key

    def chain(self, number: int | None = None) -> list[x509.Certificate]:
        """Signing certificate `number` (default: current) followed by its intermediates."""
        return x509.load_pem_x509_certificates(self.signer_cert_path(number).read_bytes())

    def ca_cert(self) -> x509.Certificate:
        try:
            return x509.load_pem_x509_certificate(self.ca_path.read_bytes())
        except FileNotFoundError:
            raise NotInitialisedError("no CA certificate in keys/: run `sohoa init`") from None

    def ca_fingerprint(self) -> str:
        from archive.proofcheck import fingerprint

        return fingerprint(self.ca_cert())

    def key_id(self) -> str:
        pub = self._private_key().public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return hashlib.sha256(pub).hexdigest()

    def chain_for_key_id(self, key_id: str) -> list[x509.Certificate]:
        """The certificate chain (signer first) of any signing key this home ever had."""
        from archive.proofcheck import key_id as cert_key_id

        for path in self.all_signer_certs():
            chain = x509.load_pem_x509_certificates(path.read_bytes())
            if chain and cert_key_id(chain[0]) == key_id:
                return chain
        return []

    def sign_bytes(self, data: bytes) -> tuple[str, bytes]:
        """Detached signature (tree heads): ECDSA-SHA256 (DER) or RSA PKCS#1 v1.5 SHA-256."""
        key = self._private_key()
        if isinstance(key, rsa.RSAPrivateKey):
            return self.key_id(), key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self.key_id(), key.sign(data, ec.ECDSA(hashes.SHA256()))

    def tsa_roots(self) -> list[asn1_x509.Certificate]:
        """Root certificates of the timestamp authorities we trust (keys/tsa-roots/*.pem).

        Kept apart from the organisation's root: a TSA's hierarchy may vouch for the time of a
        signature, never for who signed.
        """
        out = []
        for path in sorted((self.dir / TSA_ROOTS_DIR).glob("*.pem")):
            for cert in x509.load_pem_x509_certificates(path.read_bytes()):
                out.append(asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)))
        return out

    @_outside_event_loop
    def sign_pdf(self, source: Path, target: Path, *, reason: str, location: str,
                 tsa_url: str = "", level: str = "B-B") -> str:
        """PAdES invisible signature as an incremental update; returns the level reached.

        B-B without a timestamp authority; B-T (a signature timestamp from `tsa_url`) whenever
        one is configured. B-LT also embeds validation data (certificates, and CRLs/OCSP
        responses when the certificates name any and they can be fetched) in a DSS, then adds a
        document timestamp over the whole file, so nothing in the file is left outside a
        signature or a timestamp (our acceptance rule). When the validation data cannot be
        fetched the document is signed B-T and a warning is logged.
        """
        from pyhanko.keys import load_private_key_from_pemder_data
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers, timestamps
        from pyhanko.sign.signers import pdf_signer
        from pyhanko_certvalidator import ValidationContext
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        certs = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
                 for c in self.chain()]
        ca = self.trust_roots()[0]
        signer = signers.SimpleSigner(
            signing_cert=certs[0],
            signing_key=load_private_key_from_pemder_data(
                (self.dir / "signer.key").read_bytes(), passphrase=None
            ),
            cert_registry=SimpleCertificateStore.from_certs([*certs[1:], ca]),
        )
        timestamper = timestamps.HTTPTimeStamper(tsa_url, timeout=30) if tsa_url else None
        want_lt = level == "B-LT" and timestamper is not None

        def attempt(embed: bool) -> bytes:
            vc = None
            if embed:
                vc = ValidationContext(trust_roots=[ca, *self.tsa_roots()], allow_fetching=True,
                                       revocation_mode="hard-fail")
            meta = signers.PdfSignatureMetadata(
                field_name=SIGNATURE_FIELD,
                subfilter=fields.SigSeedSubFilter.PADES,
                md_algorithm="sha256",
                reason=reason,
                location=location,
                embed_validation_info=embed,
                use_pades_lta=embed,
                timestamp_field_name=TIMESTAMP_FIELD if embed else None,
                validation_context=vc,
                # Validation data goes in before the document timestamp, so the timestamp is
                # the last revision and covers the whole file.
                dss_settings=pdf_signer.DSSContentSettings(
                    include_vri=False,
                    placement=pdf_signer.SigDSSPlacementPreference.TOGETHER_WITH_NEXT_TS,
                    next_ts_settings=pdf_signer.TimestampDSSContentSettings(
                        include_vri=False, update_before_ts=True
                    ),
                ),
            )
            with open(source, "rb") as inf:
                writer = IncrementalPdfFileWriter(inf, strict=False)
                out = io.BytesIO()
                signers.sign_pdf(writer, meta, signer=signer, timestamper=timestamper,
                                 output=out, new_field_spec=fields.SigFieldSpec(SIGNATURE_FIELD))
            return out.getvalue()

        reached = "B-T" if timestamper is not None else "B-B"
        try:
            try:
                data = attempt(want_lt)
                if want_lt:
                    reached = "B-LTA"
            except Exception as exc:  # pyHanko raises many types when validation data is missing
                if not want_lt or _is_timestamp_failure(exc):
                    raise
                log.warning("sign.validation_data_unreachable", error=type(exc).__name__)
                data = attempt(False)
        except Exception as exc:
            if _is_timestamp_failure(exc):
                # The job is retried later (a TSA outage is transient); never signed without
                # the timestamp the settings ask for.
                raise ExternalToolError("timestamp authority",
                                        f"no timestamp from {tsa_url}") from exc
            raise
        with open(target, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return reached

    def sign_detached(self, data: bytes) -> bytes:
        """A CMS (PKCS#7) detached signature over `data`, DER, with the signing certificate and
        its intermediates: what `openssl cms -verify -binary -content FILE` checks (exports)."""
        from cryptography.hazmat.primitives.serialization import pkcs7

        chain = self.chain()
        builder = pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(
            chain[0], self._private_key(), hashes.SHA256())
        for cert in chain[1:]:
            builder = builder.add_certificate(cert)
        return builder.sign(serialization.Encoding.DER,
                            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])

    def trust_roots(self) -> list[asn1_x509.Certificate]:
        return [asn1_x509.Certificate.load(self.ca_cert().public_bytes(serialization.Encoding.DER))]

    def verify_bytes(self, data: bytes, signature: bytes, key_id: str) -> bool:
        """A detached signature by a signing key this home ever had, chained to its CA."""
        from archive.proofcheck import chain_problems, verify_signature

        chain = self.chain_for_key_id(key_id)
        if not chain or chain_problems(chain, self.ca_cert(), None):
            return False
        return verify_signature(chain[0], signature, data)


def _is_timestamp_failure(exc: BaseException) -> bool:
    """The TSA itself failed (then B-T is impossible too: let the caller see it)."""
    from pyhanko.sign.timestamps import TimestampRequestError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimestampRequestError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@_outside_event_loop
def check_pdf_signatures(
    data: bytes,
    trust_roots: list[asn1_x509.Certificate] | None,
    tsa_roots: list[asn1_x509.Certificate] | None = None,
) -> SignatureCheck:
    """Validate every signature and document timestamp of a PDF.

    Accepted (``ok``) only when every signature is intact and cryptographically valid, trusted
    against `trust_roots` (timestamps against `tsa_roots`), and the file is covered to its last
    byte: by the last signature, or by the last signature's revision followed only by validation
    data and document timestamps, the last of which covers the whole file.

    With `trust_roots` None (a third party's signed PDF) trust is not required; intact, valid
    and coverage still are.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = list(reader.embedded_signatures)
    except Exception as exc:  # hostile PDFs: any parser failure is "not verifiable"
        return SignatureCheck(present=False, detail=f"unreadable: {type(exc).__name__}")
    regular = [s for s in sigs if s.sig_object_type == "/Sig"]
    if not regular:
        return SignatureCheck(present=False, count=len(sigs))
    require_trust = trust_roots is not None
    vc = ValidationContext(trust_roots=trust_roots or [], allow_fetching=False,
                           revocation_mode="soft-fail")
    ts_vc = ValidationContext(trust_roots=tsa_roots or [], allow_fetching=False,
                              revocation_mode="soft-fail")
    intact = valid = trusted = True
    notes: list[str] = []
    statuses = []
    try:
        for sig in sigs:
            if sig.sig_object_type == "/DocTimeStamp":
                ts = validate_pdf_timestamp(sig, ts_vc)
                intact &= ts.intact
                valid &= ts.valid
                if require_trust and not ts.trusted:
                    trusted = False
                    notes.append("document timestamp not trusted (keys/tsa-roots)")
                statuses.append(ts)
                continue
            st = validate_pdf_signature(sig, vc, ts_validation_context=ts_vc)
            intact &= st.intact
            valid &= st.valid
            if require_trust and not st.trusted:
                trusted = False
            tsv = st.timestamp_validity
            if tsv is not None:
                intact &= tsv.intact
                valid &= tsv.valid
                if require_trust and not tsv.trusted:
                    trusted = False
                    notes.append("signature timestamp not trusted (keys/tsa-roots)")
            statuses.append(st)
    except Exception as exc:  # malformed CMS, bad byte ranges: the signature does not hold
        return SignatureCheck(present=True, count=len(regular),
                              detail=f"validation error: {type(exc).__name__}")

    last_regular = max(i for i, s in enumerate(sigs) if s.sig_object_type == "/Sig")
    final = statuses[-1]
    whole = final.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if whole and last_regular != len(sigs) - 1:
        # Only validation data (DSS) and document timestamps may follow the last signature.
        after = statuses[last_regular]
        if after.coverage != SignatureCoverageLevel.ENTIRE_REVISION or after.modification_level \
                not in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES):
            whole = False
            notes.append("changes other than timestamps after the last signature")
    for i, st in enumerate(statuses[:last_regular]):
        if sigs[i].sig_object_type == "/Sig" and (
            st.coverage < SignatureCoverageLevel.ENTIRE_REVISION
            or st.modification_level == ModificationLevel.OTHER
        ):
            whole = False
            notes.append(f"signature {i + 1} is followed by changes it does not allow")
    if not whole and final.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        notes.append(f"coverage {final.coverage.name if final.coverage else 'UNKNOWN'}")

    last = statuses[last_regular]
    signer = ""
    try:
        signer = last.signing_cert.subject.human_friendly
    except AttributeError:
        pass
    signed_at = last.signer_reported_dt.isoformat() if last.signer_reported_dt else ""
    level = "B-B"
    if last.timestamp_validity is not None:
        level = "B-T"
        if "/DSS" in reader.root:
            level = "B-LT"
        if last_regular != len(sigs) - 1:
            level = "B-LTA"
    return SignatureCheck(
        present=True,
        intact=intact,
        valid=valid,
        trusted=trusted,
        whole_file=whole,
        signer=signer,
        signed_at=signed_at,
        count=len(regular),
        detail="; ".join(dict.fromkeys(notes)),
        level=level,
    )


@dataclass(frozen=True)
class DetachedCheck:
    ok: bool
    signer: str = ""
    detail: str = ""


@_outside_event_loop
def check_detached_signature(data: bytes, signature_der: bytes,
                             trust_roots: list[asn1_x509.Certificate]) -> DetachedCheck:
    """A CMS detached signature over `data`: intact, valid and trusted against `trust_roots`."""
    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    try:
        info = cms.ContentInfo.load(signature_der)
        signed = info["content"]
        vc = ValidationContext(trust_roots=trust_roots, allow_fetching=False,
                               revocation_mode="soft-fail")
        status = asyncio.run(async_validate_detached_cms(data, signed, vc))
    except Exception as exc:  # malformed DER, unknown algorithms: the signature does not hold
        return DetachedCheck(False, detail=f"unreadable signature ({type(exc).__name__})")
    signer = ""
    try:
        signer = status.signing_cert.subject.human_friendly
    except AttributeError:
        pass
    if not status.intact:
        return DetachedCheck(False, signer, "the signed data was changed")
    if not status.valid:
        return DetachedCheck(False, signer, "the signature is not valid")
    if not status.trusted:
        return DetachedCheck(False, signer, "the signer does not chain to the given CA")
    return DetachedCheck(True, signer)
