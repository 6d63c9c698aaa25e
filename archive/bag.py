"""BagIt (RFC 8493), written and checked by hand: the few rules an export needs.

A bag is a directory with ``bagit.txt``, ``bag-info.txt``, the payload under ``data/``, one
payload manifest per algorithm (``manifest-sha256.txt``, ``manifest-sha512.txt``: every payload
file, ``<hex digest>  <path>``) and tag manifests (``tagmanifest-<alg>.txt``) over the tag files.
Any BagIt validator (e.g. ``bagit.py --validate``) checks what we write; `check_bag` is ours,
stricter: both algorithms, no payload file missing from or extra to either manifest, and every
tag file listed except the tag manifests and the detached signatures over them.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
ALGORITHMS = ("sha256", "sha512")
SIGNATURE_SUFFIX = ".p7s"  # detached CMS signature beside a tag manifest
_CHUNK = 1 << 20


class Digests:
    """SHA-256 and SHA-512 of one stream, fed chunk by chunk."""

    def __init__(self) -> None:
        self._h = {alg: hashlib.new(alg) for alg in ALGORITHMS}
        self.size = 0

    def update(self, chunk: bytes | bytearray | memoryview) -> None:
        for h in self._h.values():
            h.update(chunk)
        self.size += len(chunk)

    def hexdigests(self) -> dict[str, str]:
        return {alg: h.hexdigest() for alg, h in self._h.items()}


def digests_of_bytes(data: bytes) -> dict[str, str]:
    d = Digests()
    d.update(data)
    return d.hexdigests()


def digests_of_file(path: Path) -> tuple[dict[str, str], int]:
    d = Digests()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            d.update(chunk)
    return d.hexdigests(), d.size


def encode_path(path: str) -> str:
    """Manifest paths: '/' separators; CR, LF and '%' percent-encoded (RFC 8493 §2.1.3)."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_path(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0d", "\r").replace("%0A", "\n") \
        .replace("%0a", "\n").replace("%25", "%")


def manifest_text(entries: Iterable[tuple[str, dict[str, str]]], algorithm: str) -> bytes:
    """`entries`: (path inside the bag, {algorithm: hex digest})."""
    lines = [f"{d[algorithm]}  {encode_path(p)}\n" for p, d in sorted(entries)]
    return "".join(lines).encode("utf-8")


def bag_info_text(fields: Iterable[tuple[str, str]]) -> bytes:
    """`Label: value` lines (labels may repeat); values are kept on one line."""
    out = []
    for label, value in fields:
        clean = " ".join(str(value).split())
        out.append(f"{label}: {clean}\n")
    return "".join(out).encode("utf-8")


def parse_bag_info(data: bytes) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for line in data.decode("utf-8").splitlines():
        if line[:1] in (" ", "\t") and out:  # a folded continuation line
            label, value = out[-1]
            out[-1] = (label, f"{value} {line.strip()}")
            continue
        label, sep, value = line.partition(":")
        if sep:
            out.append((label.strip(), value.strip()))
    return out


def parse_manifest(data: bytes) -> tuple[dict[str, str], list[str]]:
    """{path: digest} and the problems found (malformed lines, duplicates, unsafe paths)."""
    entries: dict[str, str] = {}
    problems: list[str] = []
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(None, 1)
        if len(parts) != 2:
            problems.append(f"line {number} is not '<digest> <path>'")
            continue
        digest, path = parts[0].lower(), decode_path(parts[1].strip())
        if not safe_relative(path):
            problems.append(f"line {number} names an unsafe path")
            continue
        if path in entries:
            problems.append(f"{path} is listed twice")
        entries[path] = digest
    return entries, problems


def safe_relative(path: str) -> bool:
    """A relative path inside the bag: no absolute path, no '..', no empty or '.' part."""
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def _walk(root: Path) -> Iterator[str]:
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            full = Path(dirpath) / name
            yield full.relative_to(root).as_posix()


@dataclass
class BagCheck:
    """What `check_bag` found: `problems` are (kind, detail)."""

    info: list[tuple[str, str]] = field(default_factory=list)
    payload: dict[str, dict[str, str]] = field(default_factory=dict)  # path -> digests
    problems: list[tuple[str, str]] = field(default_factory=list)

    def add(self, kind: str, detail: str) -> None:
        self.problems.append((kind, detail))

    def info_values(self, label: str) -> list[str]:
        return [v for k, v in self.info if k.lower() == label.lower()]


def check_bag(root: Path) -> BagCheck:
    """Fixity and completeness of the bag at `root` (both payload manifests, tag manifests,
    Payload-Oxum). Signatures are checked by the caller."""
    result = BagCheck()
    bagit = root / "bagit.txt"
    if not bagit.is_file() or not bagit.read_bytes().startswith(b"BagIt-Version: "):
        result.add("format", "bagit.txt is missing or is not a BagIt declaration")
        return result
    if (root / "bag-info.txt").is_file():
        result.info = parse_bag_info((root / "bag-info.txt").read_bytes())
    else:
        result.add("format", "bag-info.txt is missing")
    files = set(_walk(root))
    payload_files = {f for f in files if f.startswith("data/")}
    listed: dict[str, dict[str, str]] = {f: {} for f in payload_files}
    for alg in ALGORITHMS:
        name = f"manifest-{alg}.txt"
        if name not in files:
            result.add("format", f"{name} is missing")
            continue
        entries, problems = parse_manifest((root / name).read_bytes())
        for problem in problems:
            result.add("format", f"{name}: {problem}")
        for path in sorted(set(entries) - payload_files):
            result.add("missing", f"{path} is in {name} but not in the bag")
        for path in sorted(payload_files - set(entries)):
            result.add("extra", f"{path} is in the bag but not in {name}")
        for path, digest in entries.items():
            if path in listed:
                listed[path][alg] = digest
    for path in sorted(listed):
        if not all(alg in listed[path] for alg in ALGORITHMS):
            continue
        actual, _size = digests_of_file(root / path)
        result.payload[path] = actual
        for alg in ALGORITHMS:
            if actual[alg] != listed[path][alg]:
                result.add("fixity", f"{path}: {alg} does not match the manifest")
    tag_files = files - payload_files
    manifests = {f"tagmanifest-{alg}.txt" for alg in ALGORITHMS}
    signatures = {m + SIGNATURE_SUFFIX for m in manifests}
    must_list = tag_files - manifests - signatures
    for alg in ALGORITHMS:
        name = f"tagmanifest-{alg}.txt"
        if name not in files:
            result.add("format", f"{name} is missing")
            continue
        entries, problems = parse_manifest((root / name).read_bytes())
        for problem in problems:
            result.add("format", f"{name}: {problem}")
        for path in sorted(must_list - set(entries)):
            result.add("extra", f"tag file {path} is not in {name}")
        for path, digest in entries.items():
            if path not in tag_files or path in manifests:
                result.add("missing", f"{path} is in {name} but not in the bag")
                continue
            if digests_of_file(root / path)[0][alg] != digest:
                result.add("fixity", f"{path}: {alg} does not match {name}")
    oxum = result.info_values("Payload-Oxum")
    if oxum:
        octets = sum((root / p).stat().st_size for p in payload_files)
        if oxum[0] != f"{octets}.{len(payload_files)}":
            result.add("fixity", f"Payload-Oxum {oxum[0]} is not {octets}.{len(payload_files)}")
    else:
        result.add("format", "bag-info.txt has no Payload-Oxum")
    return result
