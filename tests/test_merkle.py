"""archive/merkle.py against a literal transcription of RFC 6962 §2.1 (MTH, PATH, PROOF).

Every tree size 1..70, every leaf index and every (old, new) pair: the reference is written as
the RFC states it (recursion on the largest power of two below n), independently of the module's
bottom-up and iterative code, so a shared misunderstanding is unlikely to pass both.
"""

from __future__ import annotations

import hashlib

import pytest

from archive import merkle

MAX_SIZE = 70


def ref_mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return d[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = ref_split(n)
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = ref_split(n)
    if m <= k:
        return ref_subproof(m, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True)


# Leaves are the leaf hashes of distinct entries, as in the event log.
LEAVES = [merkle.leaf_hash(f"event {i}".encode()) for i in range(MAX_SIZE)]
ROOTS = {n: ref_mth(LEAVES[:n]) for n in range(0, MAX_SIZE + 1)}


def flip(b: bytes, at: int = 0) -> bytes:
    return b[:at] + bytes([b[at] ^ 0x01]) + b[at + 1 :]


def test_hash_prefixes_follow_rfc6962() -> None:
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert merkle.root([]) == hashlib.sha256(b"").digest()


def test_known_vector_from_rfc6962_test_data() -> None:
    # The 8-leaf tree of the certificate-transparency reference tests (leaves are the raw
    # inputs below); its root is published with those tests.
    inputs = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
                                         "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
    leaves = [merkle.leaf_hash(x) for x in inputs]
    assert merkle.root(leaves).hex() == (
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    )
    assert merkle.root(leaves[:1]).hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )


@pytest.mark.parametrize("n", range(1, MAX_SIZE + 1))
def test_root_matches_reference(n: int) -> None:
    assert merkle.root(LEAVES[:n]) == ROOTS[n]


def test_roots_at_matches_reference_for_every_prefix() -> None:
    sizes = list(range(0, MAX_SIZE + 1))
    got = merkle.roots_at(LEAVES, sizes)
    assert got == {n: ROOTS[n] for n in sizes}
    # Sizes given out of order and repeated are answered the same way.
    assert merkle.roots_at(LEAVES[:9], [9, 3, 3]) == {9: ROOTS[9], 3: ROOTS[3]}
    with pytest.raises(ValueError):
        merkle.roots_at(LEAVES[:3], [4])


@pytest.mark.parametrize("n", range(1, MAX_SIZE + 1))
def test_inclusion_every_index(n: int) -> None:
    leaves = LEAVES[:n]
    root = ROOTS[n]
    for m in range(n):
        proof = merkle.inclusion_proof(m, leaves)
        assert proof == ref_path(m, leaves), (n, m)
        assert merkle.verify_inclusion(m, n, leaves[m], proof, root), (n, m)
        # Tampering with anything the verifier is given must be caught.
        assert not merkle.verify_inclusion(m, n, flip(leaves[m]), proof, root)
        assert not merkle.verify_inclusion(m, n, leaves[m], proof, flip(root))
        for i in range(len(proof)):
            bad = list(proof)
            bad[i] = flip(bad[i], 31)
            assert not merkle.verify_inclusion(m, n, leaves[m], bad, root), (n, m, i)
        if proof:
            assert not merkle.verify_inclusion(m, n, leaves[m], proof[:-1], root)
            assert not merkle.verify_inclusion(m, n, leaves[m], proof[1:], root)
        assert not merkle.verify_inclusion(m, n, leaves[m], [*proof, root], root)
        for other in (m - 1, m + 1):
            if 0 <= other < n:
                assert not merkle.verify_inclusion(other, n, leaves[m], proof, root), (n, m)
        assert not merkle.verify_inclusion(n, n, leaves[m], proof, root)
        assert not merkle.verify_inclusion(-1, n, leaves[m], proof, root)


def test_inclusion_rejects_out_of_range() -> None:
    with pytest.raises(ValueError):
        merkle.inclusion_proof(3, LEAVES[:3])
    with pytest.raises(ValueError):
        merkle.inclusion_proof(-1, LEAVES[:3])
    assert not merkle.verify_inclusion(0, 0, LEAVES[0], [], ROOTS[0])


@pytest.mark.parametrize("new", range(1, MAX_SIZE + 1))
def test_consistency_every_pair(new: int) -> None:
    leaves = LEAVES[:new]
    for old in range(1, new + 1):
        proof = merkle.consistency_proof(old, leaves)
        assert proof == (ref_proof(old, leaves) if old < new else []), (old, new)
        assert merkle.verify_consistency(old, new, ROOTS[old], ROOTS[new], proof), (old, new)
        # A different old or new root (a rewritten history) is rejected.
        assert not merkle.verify_consistency(old, new, flip(ROOTS[old]), ROOTS[new], proof)
        assert not merkle.verify_consistency(old, new, ROOTS[old], flip(ROOTS[new]), proof)
        for i in range(len(proof)):
            bad = list(proof)
            bad[i] = flip(bad[i], 7)
            assert not merkle.verify_consistency(old, new, ROOTS[old], ROOTS[new], bad), (
                old, new, i)
        if proof:
            assert not merkle.verify_consistency(old, new, ROOTS[old], ROOTS[new], proof[:-1])
            assert not merkle.verify_consistency(old, new, ROOTS[old], ROOTS[new], proof[1:])
        assert not merkle.verify_consistency(
            old, new, ROOTS[old], ROOTS[new], [*proof, ROOTS[old]]
        )
        if old < new:
            # The old head of a log whose entry `old - 1` was rewritten.
            rewritten = list(leaves)
            rewritten[old - 1] = merkle.leaf_hash(b"rewritten")
            assert not merkle.verify_consistency(
                old, new, ROOTS[old], merkle.root(rewritten),
                merkle.consistency_proof(old, rewritten),
            )
        # Sizes the proof was not made for.
        if old > 1:
            assert not merkle.verify_consistency(old - 1, new, ROOTS[old], ROOTS[new], proof)


def test_consistency_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError):
        merkle.consistency_proof(0, LEAVES[:4])
    with pytest.raises(ValueError):
        merkle.consistency_proof(5, LEAVES[:4])
    assert not merkle.verify_consistency(0, 4, ROOTS[0], ROOTS[4], [])
    assert not merkle.verify_consistency(5, 4, ROOTS[5], ROOTS[4], [])
    # An empty proof between different sizes is never enough, even for a power-of-two old size.
    assert not merkle.verify_consistency(4, 8, ROOTS[4], ROOTS[8], [])
    # A rolled-back log: the "new" head is smaller than the old one.
    assert not merkle.verify_consistency(8, 4, ROOTS[8], ROOTS[4],
                                         merkle.consistency_proof(4, LEAVES[:8]))


def test_known_inclusion_vector() -> None:
    # First leaf of the same 8-leaf tree: its path starts with the hash of leaf 1 ("00").
    inputs = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
                                         "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
    leaves = [merkle.leaf_hash(x) for x in inputs]
    assert [p.hex() for p in merkle.inclusion_proof(0, leaves)] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]


def test_tree_answers_every_earlier_size_like_the_reference() -> None:
    tree = merkle.Tree()
    for n in range(1, MAX_SIZE + 1):
        tree.append(LEAVES[n - 1])
        assert tree.root() == ROOTS[n]
    assert merkle.Tree(LEAVES[:5]).root() == ROOTS[5]
    for size in range(1, MAX_SIZE + 1):
        assert tree.root(size) == ROOTS[size]
        for m in range(size):
            assert tree.inclusion_proof(m, size) == ref_path(m, LEAVES[:size]), (m, size)
        for old in range(1, size):
            assert tree.consistency_proof(old, size) == ref_proof(old, LEAVES[:size]), (old, size)
        assert tree.consistency_proof(size, size) == []
    with pytest.raises(ValueError):
        tree.inclusion_proof(0, MAX_SIZE + 1)
    with pytest.raises(ValueError):
        tree.consistency_proof(5, 4)
    with pytest.raises(ValueError):
        tree.root(MAX_SIZE + 1)
