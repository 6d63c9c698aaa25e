"""Secure export and its verification, through the real CLI: `sohoa export` and `verify-export`.

The MẬT sample (SCAN_0042.pdf) is ingested once by the session's `samples_home` (real OCR,
classification, signing, vault); one export of it is made per module and damaged in every way a
recipient could meet. Standard tools (age, tar, openssl, sha256sum, bagit.py) check it too.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pikepdf
import pyrage
import pytest

from tests.conftest import SAMPLES, cli_env, json_lines, run_cli
from tests.scans import write_scan

SECRET_SAMPLE = "SCAN_0042.pdf"


def _keypair(directory: Path, name: str = "key") -> tuple[Path, str]:
    identity = pyrage.x25519.Identity.generate()
    public = str(identity.to_public())
    path = directory / f"{name}.txt"
    path.write_text(f"# created: test\n# public key: {public}\n{identity}\n", encoding="ascii")
    return path, public


def _events(home: Path) -> list[dict]:
    return [json.loads(line) for line in (home / "log" / "events.jsonl").read_text().splitlines()]


def _shm_leftovers() -> set[str]:
    shm = Path("/dev/shm")  # noqa: S108
    return {p.name for p in shm.iterdir() if p.name.startswith("sohoa-")} if shm.is_dir() else set()


@pytest.fixture(scope="module")
def exported(samples_home: tuple[Path, list[dict]], tmp_path_factory: pytest.TempPathFactory
             ) -> dict:
    source, outcomes = samples_home
    base = tmp_path_factory.mktemp("export")
    home = base / "home"
    shutil.copytree(source, home, symlinks=True)
    doc_id = next(o["doc_id"] for o in outcomes if o["source"].endswith(SECRET_SAMPLE))
    key, public = _keypair(base)
    key2, public2 = _keypair(base, "second")
    out = base / "export.age"
    result = run_cli(home, "export", "--ids", doc_id, "--recipient", public, public2,
                     "--out", str(out), "--by", "can_bo_xuat", "--json")
    return {"home": home, "doc_id": doc_id, "key": key, "public": public, "key2": key2,
            "out": out, "result": json_lines(result.stdout)[0], "base": base}


def _verify(path: Path, key: Path, workdir: Path, *extra: str
            ) -> tuple[int, dict]:
    workdir.mkdir(exist_ok=True)
    result = run_cli(Path("/nonexistent-home"), "verify-export", str(path), "--identity",
                     str(key), "--workdir", str(workdir), "--json", *extra, check=False)
    out = json_lines(result.stdout)
    return result.returncode, out[0] if out else {"stderr": result.stderr}


def test_round_trip(exported: dict, tmp_path: Path) -> None:
    home, doc_id, result = exported["home"], exported["doc_id"], exported["result"]
    assert result["level"] == "mat" and [d["doc_id"] for d in result["documents"]] == [doc_id]
    copy = result["documents"][0]["copy"]
    files = {Path(f).name for f in result["documents"][0]["files"]}
    assert files == {"original.pdf", "archival.pdf", f"copy-{copy:02d}.pdf", "metadata.json",
                     "proof.json"}
    # The ciphertext is not a tar, nor does it show anything of the bag.
    raw = exported["out"].read_bytes()
    assert raw.startswith(b"age-encryption.org/v1\n") and b"bagit" not in raw
    # Each recipient can open it: verify with the second key, and keep the bag.
    fp = json.loads(run_cli(home, "keys", "list", "--json").stdout)["ca_sha256_fingerprint"]
    work = tmp_path / "work"
    code, report = _verify(exported["out"], exported["key2"], work, "--ca-fingerprint", fp,
                           "--extract", str(tmp_path / "kept"))
    assert code == 0 and report["ok"], report
    assert report["problems"] == [] and report["documents"] == [doc_id]
    assert report["level"] == "mat" and report["ca_fingerprint"] == fp
    assert list(work.iterdir()) == []  # the temporary area is gone, even on success
    bag = tmp_path / "kept"  # the bag itself, verified
    data = bag / "data" / doc_id
    # The original is byte-exact; the archival copy is the one the vault holds (same signature).
    assert (data / "original.pdf").read_bytes() == (SAMPLES / SECRET_SAMPLE).read_bytes()
    meta = json.loads((data / "metadata.json").read_text(encoding="utf-8"))
    assert meta["record"]["metadata"]["number_symbol"] and meta["copy_number"] == copy
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    assert "Sohoa-Secrecy-Level: mat" in info and "Sohoa-Exporter: cli:can_bo_xuat" in info
    assert f"Sohoa-Recipient: {exported['public']}" in info
    assert re.search(rf"Sohoa-File-Code: {doc_id} \S+", info)
    # The marked copy carries a visible red mark at the top that the archival copy lacks.
    assert _red_pixels(data / f"copy-{copy:02d}.pdf") > 20 * _red_pixels(data / "archival.pdf")
    # A wrong CA fingerprint is a failure (the CA travels in the bag: it must be compared).
    code, report = _verify(exported["out"], exported["key"], work, "--ca-fingerprint", "00" * 32)
    assert code == 1 and [p["kind"] for p in report["problems"]] == ["ca"]
    # The export is an event: who, what, to whom, and the hash of what was signed.
    event = next(e for e in reversed(_events(home)) if e["type"] == "export")
    assert event["actor"] == "cli:can_bo_xuat"
    assert event["data"]["doc_ids"] == [doc_id] and event["data"]["level"] == "mat"
    assert event["data"]["recipients"] == [exported["public"], result["recipients"][1]]
    tagmanifest = (bag / "tagmanifest-sha256.txt").read_bytes()
    assert event["data"]["tagmanifest_sha256"] == hashlib.sha256(tagmanifest).hexdigest()
    assert event["data"]["sha256"] == hashlib.sha256(raw).hexdigest()


def _red_pixels(pdf: Path) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        image = doc[0].render(scale=0.5).to_pil().convert("RGB")
    finally:
        doc.close()
    top = np.asarray(image.crop((image.width // 2, 0, image.width, image.height // 6)))
    r, g, b = (top[..., i].astype(int) for i in range(3))
    return int(((r > 150) & (g < 90) & (b < 90)).sum())


def test_standard_tools_check_it(exported: dict, tmp_path: Path) -> None:
    """What docs/vault.md tells a recipient without sohoa: age, tar, openssl, sha*sum, bagit."""
    age = subprocess.run(["age", "-d", "-i", str(exported["key"]), str(exported["out"])],
                         capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(age.stdout), mode="r:") as tar:
        tar.extractall(tmp_path, filter="data")
    bag = tmp_path / exported["result"]["bag"]

    def run(*cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(cmd, cwd=bag, capture_output=True, text=True)

    for alg in ("sha256", "sha512"):
        verified = run("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-purpose",
                       "any", "-CAfile", "ca.pem", "-content", f"tagmanifest-{alg}.txt",
                       "-in", f"tagmanifest-{alg}.txt.p7s", "-out", "/dev/null")
        assert verified.returncode == 0, verified.stderr
        for manifest in (f"tagmanifest-{alg}.txt", f"manifest-{alg}.txt"):
            assert run(f"{alg}sum", "--strict", "-c", manifest).returncode == 0
    valid = run(sys.executable, "-m", "bagit", "--validate", ".")
    assert valid.returncode == 0, valid.stderr[-2000:]
    # openssl refuses the signature once the tag manifest changes.
    with open(bag / "tagmanifest-sha256.txt", "ab") as fh:
        fh.write(b"0" * 64 + b"  data/added.txt\n")
    assert run("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any",
               "-CAfile", "ca.pem", "-content", "tagmanifest-sha256.txt", "-in",
               "tagmanifest-sha256.txt.p7s", "-out", "/dev/null").returncode != 0


def _damaged(kind: str, source: Path, target: Path) -> None:
    data = bytearray(source.read_bytes())
    if kind == "flipped":
        data[len(data) // 2] ^= 0x01
    elif kind == "truncated":
        data = data[: len(data) * 2 // 3]
    elif kind == "cut_at_chunk":  # a whole number of age chunks: only the end marker is missing
        data = data[: len(data) - 20]
    elif kind == "header":
        data[30] ^= 0x20
    target.write_bytes(bytes(data))


@pytest.mark.parametrize("kind", ["flipped", "truncated", "cut_at_chunk", "header",
                                  "wrong_identity"])
def test_damaged_export_is_refused_and_leaves_nothing(exported: dict, tmp_path: Path,
                                                      kind: str) -> None:
    before = _shm_leftovers()
    path = tmp_path / "export.age"
    key = exported["key"]
    if kind == "wrong_identity":
        shutil.copy(exported["out"], path)
        key, _public = _keypair(tmp_path, "stranger")
    else:
        _damaged(kind, exported["out"], path)
    work = tmp_path / "work"
    code, report = _verify(path, key, work)
    assert code == 1 and report["ok"] is False
    assert [p["kind"] for p in report["problems"]] == ["decrypt"], report
    assert list(work.iterdir()) == []
    assert _shm_leftovers() <= before
    # The default area (RAM) is cleaned up too.
    result = run_cli(Path("/nonexistent-home"), "verify-export", str(path), "--identity",
                     str(key), check=False)
    assert result.returncode == 1 and "INVALID" in result.stdout
    assert _shm_leftovers() <= before


def _bag_members(exported: dict) -> list[tuple[tarfile.TarInfo, bytes]]:
    identity = pyrage.x25519.Identity.from_str(
        exported["key"].read_text().strip().splitlines()[-1])
    plain = pyrage.decrypt(exported["out"].read_bytes(), [identity])
    out = []
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r:") as tar:
        for member in tar:
            body = tar.extractfile(member).read() if member.isfile() else b""  # type: ignore
            out.append((member, body))
    return out


def _reencrypt(members: list[tuple[tarfile.TarInfo, bytes]], public: str, target: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member, body in members:
            member.size = len(body)
            tar.addfile(member, io.BytesIO(body) if member.isfile() else None)
    recipient = pyrage.x25519.Recipient.from_str(public)
    target.write_bytes(pyrage.encrypt(buf.getvalue(), [recipient]))


def _rehash(members: list[tuple[tarfile.TarInfo, bytes]], path_suffix: str) -> None:
    """What a forger without the signing key does: fix every manifest after a change."""
    root = members[0][0].name.rstrip("/")

    def rewrite(manifest: str, alg: str, only_suffix: str | None) -> None:
        files = {m.name: b for m, b in members}
        for i, (m, body) in enumerate(members):
            if m.name != f"{root}/{manifest}":
                continue
            lines = []
            for line in body.decode().splitlines():
                digest, rel = line.split(None, 1)
                if only_suffix is None or rel.endswith(only_suffix):
                    digest = hashlib.new(alg, files[f"{root}/{rel}"]).hexdigest()
                lines.append(f"{digest}  {rel}")
            members[i] = (m, ("\n".join(lines) + "\n").encode())

    for alg in ("sha256", "sha512"):
        rewrite(f"manifest-{alg}.txt", alg, path_suffix)
    payload = [b for m, b in members if m.isfile() and m.name.startswith(f"{root}/data/")]
    oxum = f"Payload-Oxum: {sum(map(len, payload))}.{len(payload)}".encode()
    for i, (m, body) in enumerate(members):
        if m.name == f"{root}/bag-info.txt":
            members[i] = (m, re.sub(rb"Payload-Oxum: \S+", oxum, body))
    for alg in ("sha256", "sha512"):
        rewrite(f"tagmanifest-{alg}.txt", alg, None)


@pytest.mark.parametrize("change", ["payload_byte", "payload_and_manifests", "extra_file",
                                    "missing_file", "path_escape", "marked_copy_swapped"])
def test_changed_bag_is_refused(exported: dict, tmp_path: Path, change: str) -> None:
    members = _bag_members(exported)
    root = members[0][0].name.rstrip("/")
    doc = exported["doc_id"]
    names = [m.name for m, _b in members]

    def replace(name: str, body: bytes) -> None:
        i = names.index(name)
        members[i] = (members[i][0], body)

    original = dict(zip(names, (b for _m, b in members), strict=True))
    expected = {"payload_byte": {"fixity"}, "payload_and_manifests": {"signature"},
                # an added or removed payload file also changes the Payload-Oxum
                "extra_file": {"extra", "fixity"}, "missing_file": {"missing", "fixity", "proof"},
                "path_escape": {"format"}, "marked_copy_swapped": {"pdf_signature"}}[change]
    if change == "payload_byte":
        body = bytearray(original[f"{root}/data/{doc}/metadata.json"])
        body[10] ^= 0x01
        replace(f"{root}/data/{doc}/metadata.json", bytes(body))
    elif change == "payload_and_manifests":
        body = original[f"{root}/data/{doc}/metadata.json"].replace(b'"mat"', b'"none"')
        replace(f"{root}/data/{doc}/metadata.json", body)
        _rehash(members, "metadata.json")
    elif change == "extra_file":
        info = tarfile.TarInfo(f"{root}/data/{doc}/note.txt")
        members.append((info, b"added later\n"))
    elif change == "missing_file":
        del members[names.index(f"{root}/data/{doc}/proof.json")]
    elif change == "path_escape":
        info = tarfile.TarInfo(f"{root}/../escaped.txt")
        members.append((info, b"outside the bag\n"))
    elif change == "marked_copy_swapped":
        # The marked copy rewritten (its signature no longer holds), manifests fixed: the
        # tag-manifest signatures fail, and the PDF is judged on its own as well.
        name = next(n for n in names if re.search(r"/copy-\d+\.pdf$", n))
        with pikepdf.open(io.BytesIO(original[name])) as pdf:
            out = io.BytesIO()
            pdf.save(out)
        replace(name, out.getvalue())
        _rehash(members, name.rsplit("/", 1)[1])
        expected = {"pdf_signature", "signature"}
    target = tmp_path / "changed.age"
    _reencrypt(members, exported["public"], target)
    work = tmp_path / "work"
    code, report = _verify(target, exported["key"], work)
    assert code == 1 and not report["ok"]
    assert {p["kind"] for p in report["problems"]} == expected, report["problems"]
    assert list(work.iterdir()) == []
    assert not (tmp_path / "escaped.txt").exists()


def test_export_needs_the_vault_passphrase(exported: dict, tmp_path: Path) -> None:
    home, doc_id, public = exported["home"], exported["doc_id"], exported["public"]
    out = tmp_path / "x.age"
    args = ["export", "--ids", doc_id, "--recipient", public, "--out", str(out)]
    for env in ({"SOHOA_VAULT_PASSPHRASE": ""}, {"SOHOA_VAULT_PASSPHRASE": "not-the-passphrase"}):
        result = run_cli(home, *args, env=env, check=False)
        assert result.returncode == 7, result.stderr
        assert not out.exists() and not list(tmp_path.glob("*.part"))
    # Usage errors come before any work: a bad key (2), an open document (2), an unknown id (3).
    assert run_cli(home, "export", "--ids", doc_id, "--recipient", "age1nope", "--out",
                   str(out), check=False).returncode == 2
    open_id = json.loads(run_cli(home, "search", "dich vu cong truc tuyen", "--json").stdout)[
        "hits"][0]["doc_id"]
    assert run_cli(home, "export", "--ids", open_id, "--recipient", public, "--out", str(out),
                   check=False).returncode == 2
    assert run_cli(home, "export", "--ids", "a" * 24, "--recipient", public, "--out",
                   str(out), check=False).returncode == 3
    assert not out.exists()
    # verify-export: a missing or malformed identity file is a usage error (2).
    bad = tmp_path / "bad.txt"
    bad.write_text("not a key\n")
    for key in (tmp_path / "missing.txt", bad):
        result = run_cli(home, "verify-export", str(exported["out"]), "--identity", str(key),
                         check=False)
        assert result.returncode == 2, result.stderr


def _big_classified_pdf(path: Path, junk_mb: int) -> Path:
    """A one-page MẬT scan that is big on disk but cheap to OCR: `junk_mb` MB of random bytes
    sit in an object that a later revision of the file no longer references."""
    small = write_scan(path.with_suffix(".small.pdf"),
                       ["ĐẢNG ỦY PHƯỜNG PHÚC LỢI", "KẾ HOẠCH", "bảo vệ bí mật nhà nước"],
                       stamp="MẬT")
    with pikepdf.open(small) as pdf:
        pdf.Root.Junk = pdf.make_stream(os.urandom(junk_mb << 20))
        pdf.save(path, compress_streams=False,
                 object_stream_mode=pikepdf.ObjectStreamMode.disable)
    small.unlink()
    with pikepdf.open(path) as pdf:
        root, pages = pdf.Root.objgen[0], pdf.Root.Pages.objgen[0]
    data = path.read_bytes()
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    size = int(re.findall(rb"/Size (\d+)", data[prev:])[0])
    body = f"\n{root} 0 obj\n<< /Type /Catalog /Pages {pages} 0 R >>\nendobj\n".encode()
    xref_at = len(data) + len(body)
    tail = (f"xref\n0 1\n0000000000 65535 f \n{root} 1\n{len(data) + 1:010d} 00000 n \n"
            f"trailer\n<< /Size {size} /Root {root} 0 R /Prev {prev} >>\nstartxref\n"
            f"{xref_at}\n%%EOF\n").encode()
    with open(path, "ab") as fh:
        fh.write(body + tail)
    return path


_PEAK = """
import sys
from sohoa import cli

unlock = cli._unlock


def unlock_then_reset(settings, archive):
    # Unlocking runs scrypt (hundreds of MB, freed at once): measure from here on.
    unlocked = unlock(settings, archive)
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    return unlocked


cli._unlock = unlock_then_reset
code = cli.main(sys.argv[1:])
status = open("/proc/self/status").read()
print("PEAK_KB", status.split("VmHWM:")[1].split()[0], file=sys.stderr)
sys.exit(code)
"""


def test_export_streams_in_bounded_memory(exported: dict, tmp_path: Path) -> None:
    """Exporting a document 80 MB bigger needs no more memory: the bag is streamed from the
    vault through tar into age, never held whole."""
    home = tmp_path / "home"
    shutil.copytree(exported["home"], home, symlinks=True)
    big = _big_classified_pdf(tmp_path / "big.pdf", 80)
    outcome = json_lines(run_cli(home, "ingest", "--json", str(big)).stdout)[0]
    assert outcome["status"] == "classified", outcome
    script = tmp_path / "peak.py"
    script.write_text(_PEAK, encoding="utf-8")
    peaks = {}
    for name, doc_id in (("small", exported["doc_id"]), ("big", outcome["doc_id"])):
        out = tmp_path / f"{name}.age"
        result = subprocess.run(
            [sys.executable, str(script), "export", "--home", str(home), "--ids", doc_id,
             "--recipient", exported["public"], "--out", str(out)],
            capture_output=True, text=True, env=cli_env(), timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        peaks[name] = int(result.stderr.split("PEAK_KB")[1].split()[0]) / 1024
        peaks[name + "_size"] = out.stat().st_size / 2**20
    # The big bag really carries the payload (80 MB of it; the small document's own share of
    # the bag, its marked copy among them, varies with its OCR, so no exact figure).
    assert peaks["big_size"] > peaks["small_size"] + 70, peaks
    assert peaks["big"] < peaks["small"] + 16, peaks
