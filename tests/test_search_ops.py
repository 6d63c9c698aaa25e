"""Operating the index: schema-version and backend changes trigger a rebuild, `reindex` swaps a
complete new directory in atomically, a failed rebuild leaves the old index, the CLI commands."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from search import BACKENDS, IndexDocument, SearchQuery, open_backend
from search.versions import REBUILD_MARKER
from tests.conftest import run_cli

DOCS = [
    IndexDocument("a1", "Kế hoạch cải cách", "cải cách hành chính", "27-KH/ĐU", "ke_hoach",
                  "2025-08-15"),
    IndexDocument("a2", "Báo cáo đảng phí", "thu nộp đảng phí", "61-BC/ĐU", "bao_cao",
                  "2025-10-10"),
]


def ids(backend, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.doc_id for h in backend.search(SearchQuery(text)).hits]


@pytest.mark.parametrize("name", BACKENDS)
def test_new_index_asks_for_rebuild_until_rebuilt(tmp_path: Path, name: str) -> None:
    root = tmp_path / "index"
    b = open_backend(name, root)
    assert b.needs_rebuild() and (root / REBUILD_MARKER).exists()
    assert b.search(SearchQuery("cải cách")).total == 0  # usable while waiting
    b.rebuild(DOCS)
    assert not b.needs_rebuild() and not (root / REBUILD_MARKER).exists()
    b.close()
    again = open_backend(name, root)
    assert not again.needs_rebuild() and ids(again, "cai cach") == ["a1"]
    again.close()


@pytest.mark.parametrize("name", BACKENDS)
def test_schema_version_change_triggers_rebuild(tmp_path: Path, name: str) -> None:
    root = tmp_path / "index"
    b = open_backend(name, root)
    b.rebuild(DOCS)
    b.close()
    # An index written by an older schema version of the same backend.
    (root / "current" / "SCHEMA").write_text(f"{name} 0\n")
    b = open_backend(name, root)
    assert b.needs_rebuild()
    assert b.search(SearchQuery("cải cách")).total == 0  # the new, empty index
    b.rebuild(DOCS)
    assert not b.needs_rebuild() and ids(b, "cải cách") == ["a1"]
    b.close()


def test_backend_change_triggers_rebuild(tmp_path: Path) -> None:
    root = tmp_path / "index"
    w = open_backend("whoosh", root)
    w.rebuild(DOCS)
    w.close()
    t = open_backend("tantivy", root)
    assert t.needs_rebuild()
    t.rebuild(DOCS)
    assert not t.needs_rebuild() and ids(t, "dang phi") == ["a2"]
    t.close()
    assert open_backend("whoosh", root).needs_rebuild()


@pytest.mark.parametrize("name", BACKENDS)
def test_rebuild_swaps_atomically(tmp_path: Path, name: str) -> None:
    """While a rebuild runs, readers see the complete old index; then the complete new one."""
    root = tmp_path / "index"
    writer = open_backend(name, root)
    writer.rebuild(DOCS)
    reader = open_backend(name, root)  # another process, e.g. the web UI
    old_target = os.readlink(root / "current")
    seen_during: list[list[str]] = []

    def docs() -> Iterator[IndexDocument]:
        for n in range(40):
            if n == 20:
                # Mid-rebuild: `current` is still the old, complete index.
                assert os.readlink(root / "current") == old_target
                assert (root / "current" / "SCHEMA").exists()
                seen_during.append(sorted(reader.doc_ids()))
                seen_during.append(ids(reader, "cai cach"))
            yield IndexDocument(f"n{n:02d}", f"Văn bản mới {n}", "cải cách thủ tục mới")

    writer.rebuild(docs())
    assert seen_during == [["a1", "a2"], ["a1"]]
    new_target = os.readlink(root / "current")
    assert new_target != old_target
    assert (root / new_target / "SCHEMA").exists()
    assert reader.doc_ids() == {f"n{n:02d}" for n in range(40)}
    assert "a1" not in ids(reader, "cai cach")
    reader.close()
    writer.close()


@pytest.mark.parametrize("name", BACKENDS)
def test_failed_rebuild_keeps_the_old_index(tmp_path: Path, name: str) -> None:
    root = tmp_path / "index"
    b = open_backend(name, root)
    b.rebuild(DOCS)
    before = sorted(p.name for p in root.iterdir())

    def broken() -> Iterator[IndexDocument]:
        yield DOCS[0]
        raise RuntimeError("store read failed")

    with pytest.raises(RuntimeError):
        b.rebuild(broken())
    assert sorted(p.name for p in root.iterdir()) == before
    assert ids(b, "dang phi") == ["a2"] and not b.needs_rebuild()
    b.close()


@pytest.mark.parametrize("name", BACKENDS)
def test_rebuild_with_many_documents_uses_worker_processes(tmp_path: Path, name: str) -> None:
    """Past POOL_THRESHOLD documents the analysis runs in forked workers: same result."""
    from search.documents import POOL_THRESHOLD

    n = POOL_THRESHOLD + 300
    docs = [IndexDocument(f"m{i:04d}", f"Văn bản {i}", f"nội dung số {i} cải cách mã{i}")
            for i in range(n)]
    b = open_backend(name, tmp_path / "index")
    b.rebuild(docs)
    assert len(b.doc_ids()) == n
    assert ids(b, f"mã{n - 1}") == [f"m{n - 1:04d}"]
    b.close()


def test_old_versions_are_cleaned_up(tmp_path: Path) -> None:
    root = tmp_path / "index"
    b = open_backend("tantivy", root)
    for _ in range(4):
        b.rebuild(DOCS)
    versions = [p for p in root.iterdir() if p.is_dir() and not p.is_symlink()]
    # The current one and one spare (a process may still have it open).
    assert len(versions) == 2
    b.close()


def test_cli_reindex_and_search(fresh_home: Path) -> None:
    index = fresh_home / "index"
    before = os.readlink(index / "current")
    out = json.loads(run_cli(fresh_home, "reindex", "--json").stdout)
    assert out["documents"] == 0 and out["backend"] == "tantivy"
    after = os.readlink(index / "current")
    assert after != before and after.startswith("tantivy-v")
    assert not (index / REBUILD_MARKER).exists()
    res = json.loads(run_cli(fresh_home, "search", "--json", "--issuer", "ĐẢNG ỦY",
                             "--from", "2025-01-01", "--to", "2025", "--signer", "X",
                             "--file-code", "HS.1", "cải cách").stdout)
    assert res["total"] == 0 and res["hits"] == [] and set(res["facets"]) >= {"doc_type", "year"}


def test_cli_rebuilds_an_outdated_index_on_first_use(fresh_home: Path) -> None:
    index = fresh_home / "index"
    (index / "current" / "SCHEMA").write_text("tantivy 0\n")
    run_cli(fresh_home, "search", "--json", "cải cách")
    assert (index / "current" / "SCHEMA").read_text().split() == ["tantivy", "1"]
    assert not (index / REBUILD_MARKER).exists()


def test_cli_with_the_whoosh_backend(fresh_home: Path) -> None:
    env = {"SOHOA_SEARCH__BACKEND": "whoosh"}
    run_cli(fresh_home, "search", "--json", "cải cách", env=env)
    assert os.readlink(fresh_home / "index" / "current").startswith("whoosh-v")
    bad = run_cli(fresh_home, "search", "x", env={"SOHOA_SEARCH__BACKEND": "lucene"},
                  check=False)
    assert bad.returncode != 0 and "search.backend" in bad.stderr


def test_index_of_an_earlier_release_is_replaced(tmp_path: Path) -> None:
    """The skeleton's layout: HOME/index/v3-<ns> with SCHEMA "3" and `current` pointing at it."""
    root = tmp_path / "index"
    legacy = root / "v3-1"
    legacy.mkdir(parents=True)
    (legacy / "SCHEMA").write_text("3\n")
    (root / "current").symlink_to("v3-1")
    b = open_backend("tantivy", root)
    assert b.needs_rebuild()
    b.rebuild(DOCS)
    b.rebuild(DOCS)
    assert not legacy.exists() and ids(b, "cai cach") == ["a1"]
    b.close()
