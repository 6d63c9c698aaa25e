"""PDF/A-2b preflight (archive/preflight.py) on real signed PDF/A files and damaged variants.

Each variant is the session's ocrmypdf PDF/A-2b, changed with pikepdf in one way, then signed by
a real archive identity (so only the intended defect is present), and must fail the preflight
for that reason and no other.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from tests.test_archive_fixtures import new_archive, pdfa_source

from archive import Archive
from archive.preflight import _header, preflight


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    return new_archive(tmp_path_factory.mktemp("preflight") / "home")


def signed_variant(archive: Archive, tmp: Path, change=None) -> Path:  # type: ignore[no-untyped-def]
    source = tmp / "variant.pdf"
    with pikepdf.open(pdfa_source()) as pdf:
        if change is not None:
            change(pdf)
        pdf.save(source)
    target = tmp / "variant-signed.pdf"
    archive.sign(source, target)
    return target


def only(failures: list[str], fragment: str) -> None:
    assert len(failures) == 1, failures
    assert fragment in failures[0], failures


def test_signed_ocrmypdf_output_passes(archive: Archive, tmp_path: Path) -> None:
    assert preflight(signed_variant(archive, tmp_path)) == []


def test_unsigned_pdfa_fails(tmp_path: Path) -> None:
    only(preflight(pdfa_source()), "not signed")


@pytest.mark.parametrize("tail", [b"\n", b"%%EOF\n", b"garbage after the end",
                                  b"\n1 0 obj\n<<>>\nendobj\n%%EOF\n"])
def test_bytes_after_the_signed_revision_fail(archive: Archive, tmp_path: Path,
                                              tail: bytes) -> None:
    signed = signed_variant(archive, tmp_path)
    signed.write_bytes(signed.read_bytes() + tail)
    only(preflight(signed), f"{len(tail)} byte(s) after the end of the last signed revision")


def test_pdfaid_part_must_be_2(archive: Archive, tmp_path: Path) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["pdfaid:part"] = "1"

    only(preflight(signed_variant(archive, tmp_path, change)), "pdfaid:part is 1")


def test_conformance_must_be_b(archive: Archive, tmp_path: Path) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["pdfaid:conformance"] = "X"

    only(preflight(signed_variant(archive, tmp_path, change)), "conformance is X")


def test_xmp_metadata_required(archive: Archive, tmp_path: Path) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.Root.Metadata

    failures = preflight(signed_variant(archive, tmp_path, change))
    # pyHanko writes a fresh XMP packet when it signs a file that has none: without pdfaid.
    assert failures and all("XMP" in f for f in failures), failures


def test_output_intent_required(archive: Archive, tmp_path: Path) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        del pdf.Root.OutputIntents

    only(preflight(signed_variant(archive, tmp_path, change)), "no OutputIntent")


def test_output_intent_needs_an_icc_profile(archive: Archive, tmp_path: Path) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.OutputIntents[0].DestOutputProfile.write(b"not an ICC profile" * 20)

    only(preflight(signed_variant(archive, tmp_path, change)), "is not an ICC profile")


def test_fonts_must_be_embedded_even_inside_form_xobjects(archive: Archive,
                                                          tmp_path: Path) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        helvetica = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica))
        form = pdf.make_stream(b"BT /Hv 12 Tf 10 10 Td (x) Tj ET", Type=pikepdf.Name.XObject,
                               Subtype=pikepdf.Name.Form, BBox=[0, 0, 100, 100],
                               Resources=pikepdf.Dictionary(
                                   Font=pikepdf.Dictionary(Hv=helvetica)))
        page = pdf.pages[0]
        page.Resources.XObject[pikepdf.Name("/Extra")] = form
        page.contents_add(pdf.make_stream(b"q /Extra Do Q"))

    only(preflight(signed_variant(archive, tmp_path, change)), "not embedded: /Helvetica")


def test_javascript_is_refused(archive: Archive, tmp_path: Path) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                                 JS=pikepdf.String("app.alert(1)"))

    failures = preflight(signed_variant(archive, tmp_path, change))
    assert any("JavaScript" in f for f in failures), failures
    assert all("JavaScript" in f for f in failures), failures


def test_document_level_javascript_is_refused(archive: Archive, tmp_path: Path) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        js = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                                  JS=pikepdf.String("1")))
        pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String("a"), js])))

    failures = preflight(signed_variant(archive, tmp_path, change))
    assert any("document-level scripts" in f for f in failures), failures


def test_launch_actions_and_additional_actions_are_refused(archive: Archive,
                                                           tmp_path: Path) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        link = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 10, 10],
            A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))))
        page = pdf.pages[0]
        page.obj.Annots = pdf.make_indirect(pikepdf.Array([link]))
        page.obj.AA = pikepdf.Dictionary(O=pikepdf.Dictionary(S=pikepdf.Name.Named,
                                                               N=pikepdf.Name.NextPage))

    failures = preflight(signed_variant(archive, tmp_path, change))
    assert any("Launch action" in f for f in failures), failures
    assert any("additional actions" in f for f in failures), failures


def test_embedded_files_are_refused(archive: Archive, tmp_path: Path) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.attachments["note.txt"] = pikepdf.AttachedFileSpec(pdf, b"hidden payload")

    failures = preflight(signed_variant(archive, tmp_path, change))
    assert failures and all("embedded files" in f for f in failures), failures


def test_encrypted_files_are_refused(tmp_path: Path) -> None:
    target = tmp_path / "encrypted.pdf"
    with pikepdf.open(pdfa_source()) as pdf:
        pdf.save(target, encryption=pikepdf.Encryption(owner="o", user="", R=6))
    assert "the PDF is encrypted" in preflight(target)


def test_qpdf_check_errors_fail(archive: Archive, tmp_path: Path) -> None:
    def change(pdf: pikepdf.Pdf) -> None:
        # A content stream that claims Flate but holds garbage: qpdf cannot decode it.
        bad = pdf.make_stream(b"\x00garbage that is not zlib data" * 10)
        bad.Filter = pikepdf.Name.FlateDecode
        pdf.pages[0].contents_add(bad)

    failures = preflight(signed_variant(archive, tmp_path, change))
    assert len(failures) == 1 and failures[0].startswith("qpdf --check reports"), failures
    assert preflight(signed_variant(archive, tmp_path, change), run_qpdf=False) == []


def test_unreadable_file_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\nthis is not a pdf")
    failures = preflight(junk)
    assert any("cannot open" in f for f in failures), failures


def test_header_checks() -> None:
    assert _header(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj") == []
    assert len(_header(b"%PDF-2.0\n%\xe2\xe3\xcf\xd3\n")) == 1
    assert len(_header(b"%PDF-1.7\n%abcd\n1 0 obj")) == 1
