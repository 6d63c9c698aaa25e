"""PAdES levels with a real RFC 3161 timestamp server on loopback, key rotation, PKCS#12 import.

Acceptance (archive.check_signature): intact, valid, trusted against the organisation's root
(timestamps against keys/tsa-roots), covering the whole file, or the whole signed revision
followed only by validation data and a document timestamp that covers the whole file.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID
from tests.test_archive_fixtures import (
    OPEN_IDS,
    ORGANISATION,
    PASSPHRASE,
    LocalTSA,
    add_document,
    audit,
    cli,
    copy_home,
    index_catalog,
    new_archive,
    pdfa_source,
)

from archive import Archive, proofcheck
from archive.preflight import preflight
from archive.proofs import consistency_bundle, inclusion_bundle
from sohoa.errors import ExternalToolError, SettingsError


@pytest.fixture(scope="module")
def tsa() -> LocalTSA:
    with LocalTSA() as server:
        yield server


def opened(home: Path) -> Archive:
    archive = Archive(home)
    archive.open()
    return archive


def test_default_level_is_b_b(tmp_path: Path) -> None:
    archive = new_archive(tmp_path / "home")
    check = archive.sign(pdfa_source(), tmp_path / "signed.pdf")
    assert check.ok and check.level == "B-B"
    assert check.signer.endswith("VN") and "#1" in check.signer


def test_b_t_with_a_timestamp_server_on_loopback(tmp_path: Path, tsa: LocalTSA) -> None:
    archive = new_archive(tmp_path / "home")
    tsa.trust_in(archive.home)
    before = tsa.requests
    check = archive.sign(pdfa_source(), tmp_path / "signed.pdf", tsa_url=tsa.url)
    assert tsa.requests > before  # (pyHanko also asks once to size the signature)
    assert check.ok, check
    assert check.level == "B-T"
    assert preflight(tmp_path / "signed.pdf") == []


def test_timestamp_from_an_untrusted_authority_is_not_accepted(tmp_path: Path,
                                                               tsa: LocalTSA) -> None:
    archive = new_archive(tmp_path / "home")  # keys/tsa-roots left empty
    check = archive.sign(pdfa_source(), tmp_path / "signed.pdf", tsa_url=tsa.url)
    assert check.intact and check.valid and check.whole_file
    assert not check.trusted and not check.ok
    assert "keys/tsa-roots" in check.detail
    tsa.trust_in(archive.home)
    assert archive.check_signature((tmp_path / "signed.pdf").read_bytes()).ok


def test_b_lt_embeds_validation_data_and_ends_with_a_document_timestamp(
        tmp_path: Path, tsa: LocalTSA) -> None:
    import pikepdf

    archive = new_archive(tmp_path / "home")
    tsa.trust_in(archive.home)
    signed = tmp_path / "signed.pdf"
    check = archive.sign(pdfa_source(), signed, tsa_url=tsa.url, level="B-LT")
    assert check.ok, check
    assert check.level == "B-LTA"
    with pikepdf.open(signed) as pdf:
        assert "/DSS" in pdf.Root
        assert len(pdf.Root.DSS.Certs) >= 2  # our signer chain and the TSA's
    assert preflight(signed) == []
    # The signature covers its revision only; the document timestamp covers the whole file,
    # so bytes appended after it still fail both checks.
    signed.write_bytes(signed.read_bytes() + b"\n% appended\n")
    assert not archive.check_signature(signed.read_bytes()).ok
    assert any("after the end of the last signed revision" in f for f in preflight(signed))


def test_an_unreachable_timestamp_server_fails_the_signing(tmp_path: Path) -> None:
    archive = new_archive(tmp_path / "home")
    with pytest.raises(ExternalToolError):
        archive.sign(pdfa_source(), tmp_path / "signed.pdf", tsa_url="http://127.0.0.1:9/tsa")
    assert not (tmp_path / "signed.pdf").exists()


def test_archive_of_b_t_documents_audits_clean(tmp_path: Path, tsa: LocalTSA) -> None:
    home = copy_home(tmp_path / "home")
    tsa.trust_in(home)
    archive = opened(home)
    for i in range(2):
        row = add_document(archive, f"doc-bt-{i}", workdir=tmp_path / "work", tsa_url=tsa.url)
        record = json.loads(archive.store.read_bytes(row.record_object))
        assert record["archival"]["signature"]["level"] == "B-T"
    row = add_document(archive, "doc-blt", workdir=tmp_path / "work", tsa_url=tsa.url,
                       level="B-LT")
    archive.sign_tree_head()
    archive.catalog.close()
    index_catalog(home)
    report = audit(home)
    assert report.ok, report.problems
    assert report.signatures_checked == len(OPEN_IDS) + 3
    # Without the TSA's root installed, the same archive no longer audits clean.
    (home / "keys" / "tsa-roots" / "test-tsa.pem").unlink()
    report = audit(home)
    assert {p.kind for p in report.problems} == {"signature"}
    assert {p.doc_id for p in report.problems} == {"doc-bt-0", "doc-bt-1", "doc-blt"}


# -- key rotation -------------------------------------------------------------------------------


def test_sign_rotate_sign_audits_clean(tmp_path: Path) -> None:
    home = copy_home(tmp_path / "home")
    archive = opened(home)
    old_key = archive.identity.key_id()
    heads_before = archive.log.tree_heads()
    number = archive.rotate_signing_key(ORGANISATION)
    assert number == 2
    new_key = archive.identity.key_id()
    assert new_key != old_key
    assert [p.name for p in archive.identity.all_signer_certs()] == ["signer-1.pem",
                                                                     "signer-2.pem"]
    row = add_document(archive, "doc-after-rotation", workdir=tmp_path / "work")
    archive.sign_tree_head()
    archive.catalog.close()
    index_catalog(home)

    report = audit(home)
    assert report.ok, report.problems
    archive = opened(home)
    old_doc = archive.catalog.get(OPEN_IDS[0])
    assert old_doc is not None
    old_check = archive.check_signature(archive.store.read_bytes(old_doc.archival_object))
    new_check = archive.check_signature(archive.store.read_bytes(row.archival_object))
    assert old_check.ok and "#1" in old_check.signer
    assert new_check.ok and "#2" in new_check.signer

    heads = archive.log.tree_heads()
    assert {h.key_id for h in heads} == {old_key, new_key}
    rotation = [json.loads(x) for x in archive.log.iter_lines()
                if b'"type":"key_rotate"' in x]
    assert len(rotation) == 1 and rotation[0]["data"]["old_key_id"] == old_key
    assert rotation[0]["data"]["key_id"] == new_key
    # The old key's last head covers every event before the rotation; the new key signs after.
    assert max(h.tree_size for h in heads if h.key_id == old_key) == rotation[0]["seq"]
    assert min(h.tree_size for h in heads if h.key_id == new_key) > rotation[0]["seq"]

    # A document archived under the old key is proven against a head signed by the new one,
    # and the old key's heads are consistent with the new key's.
    bundle = inclusion_bundle(archive, OPEN_IDS[0])
    assert bundle["tree_head"]["key_id"] == new_key
    assert proofcheck.check_bundle(bundle).ok
    first_old = heads_before[0].tree_size
    bundle = consistency_bundle(archive, first_old, heads[-1].tree_size)
    assert set(bundle["signer_chains_pem"]) == {old_key, new_key}
    assert proofcheck.check_bundle(bundle).ok


def test_cli_keys_rotate_then_audit(tmp_path: Path) -> None:
    home = copy_home(tmp_path / "home")
    rotated = cli(home, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    listing = cli(home, "keys", "list", "--json")
    keys = json.loads(listing.stdout)
    assert keys["current"] == 2 and len(keys["certificates"]) == 2
    assert keys["ca_sha256_fingerprint"] == opened(home).identity.ca_fingerprint()
    result = cli(home, "audit", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    # Without the CA key (kept offline) rotation is refused with a clear message.
    (home / "keys" / "ca.key").unlink()
    refused = cli(home, "keys", "rotate")
    assert refused.returncode == 2 and "ca.key" in refused.stderr


# -- an imported RSA identity -------------------------------------------------------------------


def _rsa_pkcs12(ocsp_url: str) -> bytes:
    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Imported Root CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                       False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Imported signer")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), critical=True)
            # Revocation information that cannot be reached from here.
            .add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))]),
                critical=False)
            .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                [x509.UniformResourceIdentifier(ocsp_url + ".crl")], None, None, None)]),
                critical=False)
            .sign(ca_key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(
        b"signer", key, cert, [ca], serialization.BestAvailableEncryption(b"p12-pass"))


def test_imported_rsa_identity_signs_heads_and_falls_back_to_b_t(tmp_path: Path,
                                                                 tsa: LocalTSA) -> None:
    home = tmp_path / "home"
    archive = Archive(home)
    archive.create(ORGANISATION, PASSPHRASE,
                   pkcs12=(_rsa_pkcs12("http://127.0.0.1:9/ocsp"), b"p12-pass"))
    archive.open()
    assert not (home / "keys" / "ca.key").exists()
    # Tree heads are RSA-signed and check out with the standalone checker.
    head = archive.log.tree_heads()[-1]
    chain = archive.identity.chain_for_key_id(head.key_id)
    assert proofcheck.head_problems(head.to_json(), chain, archive.identity.ca_cert()) == []
    tsa.trust_in(home)
    # B-LT asked for, but the certificate's OCSP/CRL servers are unreachable: B-T, still valid.
    check = archive.sign(pdfa_source(), tmp_path / "signed.pdf", tsa_url=tsa.url, level="B-LT")
    assert check.ok, check
    assert check.level == "B-T"
    with pytest.raises(SettingsError):
        archive.rotate_signing_key(ORGANISATION)
