"""The by-hand procedure of docs/audit.md works as written, and fails on a forged proof."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from tests.test_archive_fixtures import OPEN_IDS, copy_home

from archive import Archive
from archive.proofs import inclusion_bundle

REPO = Path(__file__).resolve().parents[1]


def manual_block() -> str:
    text = (REPO / "docs" / "audit.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- manual-check[^>]*-->\n```sh\n(.*?)\n```", text, re.S)
    assert match, "docs/audit.md lost its manual-check block"
    return match.group(1)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = copy_home(tmp_path_factory.mktemp("docs") / "home")
    archive = Archive(home)
    archive.open()
    return inclusion_bundle(archive, OPEN_IDS[1])


def run_manual(folder: Path, proof: dict) -> subprocess.CompletedProcess[str]:
    folder.mkdir()
    (folder / "proof.json").write_text(json.dumps(proof), encoding="utf-8")
    return subprocess.run(["bash", "-c", manual_block()], cwd=folder, capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})


def test_manual_procedure_accepts_a_real_proof(bundle: dict, tmp_path: Path) -> None:
    result = run_manual(tmp_path / "ok", bundle)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verified OK" in result.stdout
    assert "signer.pem: OK" in result.stdout
    assert bundle["ca_sha256_fingerprint"] in result.stdout
    assert result.stdout.rstrip().endswith("PROOF VALID")


def test_manual_procedure_rejects_forgeries(bundle: dict, tmp_path: Path) -> None:
    path = json.loads(json.dumps(bundle))
    path["audit_path"][0] = "00" * 32
    assert run_manual(tmp_path / "path", path).returncode != 0
    head = json.loads(json.dumps(bundle))
    head["tree_head"]["timestamp"] = "2020-01-01T00:00:00.000Z"
    result = run_manual(tmp_path / "head", head)
    assert result.returncode != 0 and "Verification failure" in result.stdout
    other = json.loads(json.dumps(bundle))
    other["leaf_index"] += 1
    assert run_manual(tmp_path / "index", other).returncode != 0
