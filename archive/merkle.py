"""RFC 6962 / RFC 9162 Merkle tree hashing, inclusion and consistency proofs.

Pure functions over lists of leaf hashes, so a third party can check a proof with this file alone
(and the procedure in docs/audit.md) without the rest of the archive.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def _split(n: int) -> int:
    """Largest power of two strictly less than n (n >= 2)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def root(leaves: Sequence[bytes]) -> bytes:
    """Merkle tree hash of leaf hashes (already `leaf_hash`ed)."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    level = list(leaves)
    # Bottom-up with RFC 6962 shape: pair from the left; an odd last node is promoted unchanged.
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def roots_at(leaves: Sequence[bytes], sizes: Sequence[int]) -> dict[int, bytes]:
    """The root of every prefix `leaves[:size]` for `size` in `sizes`, in one pass.

    Keeps the "compact range" (the roots of the perfect subtrees the prefix splits into, largest
    first) while appending leaves, so checking every stored tree head against a long log costs
    O(n + heads * log n) instead of re-hashing the prefix once per head.
    """
    wanted = set(sizes)
    if any(s < 0 or s > len(leaves) for s in wanted):
        raise ValueError("tree size out of range")
    out: dict[int, bytes] = {}
    if 0 in wanted:
        out[0] = EMPTY_ROOT
    stack: list[tuple[int, bytes]] = []  # (height, subtree root), heights strictly decreasing
    for count, leaf in enumerate(leaves, start=1):
        node, height = leaf, 0
        while stack and stack[-1][0] == height:
            _, left = stack.pop()
            node = node_hash(left, node)
            height += 1
        stack.append((height, node))
        if count in wanted:
            # The RFC 6962 root of a prefix folds its perfect subtrees from the right.
            acc = stack[-1][1]
            for _, left in reversed(stack[:-1]):
                acc = node_hash(left, acc)
            out[count] = acc
        if len(out) == len(wanted):
            break
    return out


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError("leaf index out of range")
    return _path(index, list(leaves))


def _path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return _path(m, d[:k]) + [root(d[k:])]
    return _path(m - k, d[k:]) + [root(d[:k])]


def verify_inclusion(
    index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2."""
    # A negative index would walk the loop below with sign bits set (Python's >> never reaches
    # zero for a negative number) and could "verify": reject it explicitly.
    if not 0 <= index < tree_size:
        return False
    if len(leaf) != 32 or any(len(p) != 32 for p in proof):
        return False
    fn, sn = index, tree_size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    n = len(leaves)
    if not 0 < old_size <= n:
        raise ValueError("old tree size out of range")
    if old_size == n:
        return []
    return _subproof(old_size, list(leaves), True)


def _subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [root(d)]
    k = _split(n)
    if m <= k:
        return _subproof(m, d[:k], b) + [root(d[k:])]
    return _subproof(m - k, d[k:], False) + [root(d[:k])]


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2."""
    if old_size < 1 or old_size > new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof or any(len(p) != 32 for p in proof):
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


class Tree:
    """All perfect-subtree hashes of a log, so proofs against any earlier size are cheap.

    `levels[h][i]` is the hash of the perfect subtree over leaves ``[i*2**h, (i+1)*2**h)``.
    Every node an RFC 6962 proof names is such a subtree or the right edge of a smaller tree,
    which folds O(log n) of them, so a proof costs O(log² n) hashes instead of O(n). Memory:
    about 2n hashes (64 bytes per event).
    """

    def __init__(self, leaves: Sequence[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for leaf in leaves:
            self.append(leaf)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, leaf: bytes) -> None:
        self.levels[0].append(leaf)
        h = 0
        while len(self.levels[h]) % 2 == 0:
            left, right = self.levels[h][-2], self.levels[h][-1]
            if h + 1 == len(self.levels):
                self.levels.append([])
            self.levels[h + 1].append(node_hash(left, right))
            h += 1

    def _mth(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) where `start` is aligned as in the RFC's recursion."""
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and start % n == 0:
            return self.levels[n.bit_length() - 1][start // n]
        k = _split(n)
        return node_hash(self._mth(start, start + k), self._mth(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ValueError("tree size out of range")
        return self._mth(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        size = self.size if size is None else size
        if not 0 <= index < size <= self.size:
            raise ValueError("leaf index or tree size out of range")
        out: list[bytes] = []
        start, end, m = 0, size, index
        # PATH(m, D[start:end]) from the top down; the RFC lists it from the bottom up.
        while end - start > 1:
            k = _split(end - start)
            if m < k:
                out.append(self._mth(start + k, end))
                end = start + k
            else:
                out.append(self._mth(start, start + k))
                start, m = start + k, m - k
        out.reverse()
        return out

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        new_size = self.size if new_size is None else new_size
        if not 0 < old_size <= new_size <= self.size:
            raise ValueError("tree sizes out of range")
        if old_size == new_size:
            return []
        out: list[bytes] = []
        start, end, m, complete = 0, new_size, old_size, True
        while True:
            n = end - start
            if m == n:
                if not complete:
                    out.append(self._mth(start, end))
                break
            k = _split(n)
            if m <= k:
                out.append(self._mth(start + k, end))
                end = start + k
            else:
                out.append(self._mth(start, start + k))
                start, m, complete = start + k, m - k, False
        out.reverse()
        return out
