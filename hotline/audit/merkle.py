"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0, section 2.1) over the events.

The leaves are the events in sequence order: leaf ``i`` is the event with ``seq = i + 1``
and its *leaf bytes* are the 32 bytes of that event's chain hash (``Event.hash``, which
commits to the event's whole content and to every event before it). So a proof shows a
hash, never the content: a citizen's receipt carries no personal data.

    leaf hash   = SHA-256(0x00 || leaf bytes)
    node hash   = SHA-256(0x01 || left || right)
    MTH(D[n])   = the RFC's: split at k, the largest power of two smaller than n

Proofs are built in two steps: the RFC's recursions (``inclusion_ranges``,
``consistency_ranges``) say which subtrees ``D[a:b]`` make up a proof, and a node
source gives their hashes. Every such subtree is a run of whole, aligned subtrees of
sizes that are powers of two (``perfect_nodes``), and those are what is stored
(``merkle_store``) or held in memory (``MemoryTree``). The verifiers are the RFC's
algorithms word for word (2.1.3.2 and 2.1.4.2). This module has no Django: it is the
whole of what a third party needs to check a proof (see docs/audit.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

Node = tuple[int, int]  # (level, index): leaves [index * 2**level, (index + 1) * 2**level)
Range = tuple[int, int]  # [start, end) of leaf indices


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """k with k < n <= 2k (n > 1): where the RFC splits a tree of n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def mth(leaves: Sequence[bytes]) -> bytes:
    """MTH of the RFC, straight from its definition (for tests and tiny trees)."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hash(leaves[0])
    k = largest_power_of_two_below(n)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


# ---- which subtrees make up a proof ------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(m, D[n]) of RFC 9162 2.1.3.1, as the subtrees whose hashes it lists."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    out: list[Range] = []

    def path(m: int, lo: int, hi: int) -> None:
        if hi - lo == 1:
            return
        k = largest_power_of_two_below(hi - lo)
        if m < k:
            path(m, lo, lo + k)
            out.append((lo + k, hi))
        else:
            path(m - k, lo + k, hi)
            out.append((lo, lo + k))

    path(index, 0, size)
    return out


def consistency_ranges(first: int, second: int) -> list[Range]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 2.1.4.1, as subtrees."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    out: list[Range] = []

    def subproof(m: int, lo: int, hi: int, whole: bool) -> None:
        n = hi - lo
        if m == n:
            if not whole:
                out.append((lo, hi))
            return
        k = largest_power_of_two_below(n)
        if m <= k:
            subproof(m, lo, lo + k, whole)
            out.append((lo + k, hi))
        else:
            subproof(m - k, lo + k, hi, False)
            out.append((lo, lo + k))

    subproof(first, 0, second, True)
    return out


def perfect_nodes(start: int, end: int) -> list[Node]:
    """The whole, aligned subtrees that MTH(D[start:end]) is made of, left to right.

    MTH splits at the largest power of two below the size, so a subtree of the RFC's
    tree is a run of perfect subtrees of decreasing size; each starts at a multiple of
    its size (``start`` is a sum of larger powers of two)."""
    nodes: list[Node] = []
    while start < end:
        n = end - start
        size = n if n & (n - 1) == 0 else largest_power_of_two_below(n)
        level = size.bit_length() - 1
        if start % size:
            raise ValueError(f"[{start}, {end}) is not a subtree of the RFC's tree")
        nodes.append((level, start >> level))
        start += size
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a run of perfect subtrees (as ``perfect_nodes`` lists them)."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


NodeSource = Callable[[Iterable[Node]], dict[Node, bytes]]


def resolve(ranges: Sequence[Range], source: NodeSource) -> list[bytes]:
    """The hashes of the subtrees ``ranges``, with one call to ``source`` for all."""
    parts = [perfect_nodes(a, b) for a, b in ranges]
    known = source({node for nodes in parts for node in nodes})
    return [fold([known[node] for node in nodes]) for nodes in parts]


def root(size: int, source: NodeSource) -> bytes:
    if size == 0:
        return hashlib.sha256(b"").digest()
    return resolve([(0, size)], source)[0]


def inclusion_proof(index: int, size: int, source: NodeSource) -> list[bytes]:
    return resolve(inclusion_ranges(index, size), source)


def consistency_proof(first: int, second: int, source: NodeSource) -> list[bytes]:
    return resolve(consistency_ranges(first, second), source)


# ---- the verifier's side (RFC 9162 2.1.3.2 and 2.1.4.2) ---------------------------


def verify_inclusion(index: int, size: int, leaf_hash_: bytes, proof: Sequence[bytes], root_: bytes) -> bool:
    if index >= size or index < 0:
        return False
    fn, sn = index, size - 1
    r = leaf_hash_
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
    return sn == 0 and r == root_


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    if first <= 0 or first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
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
    return fr == first_root and sr == second_root and sn == 0


# ---- a whole tree in memory ---------------------------------------------------------


class MemoryTree:
    """Every perfect subtree of a tree built leaf by leaf, 32 bytes a slot in one
    ``bytearray`` per level: 64 bytes per leaf in all (64 MB a million events). Any
    tree size up to the current one can then be proved against (``source``)."""

    def __init__(self) -> None:
        self.levels: list[bytearray] = [bytearray()]
        self.size = 0

    def append(self, leaf: bytes) -> None:
        self._push(0, leaf_hash(leaf))
        self.size += 1

    def _push(self, level: int, digest: bytes) -> None:
        while True:
            row = self.levels[level]
            row += digest
            count = len(row) // 32
            if count % 2:
                return
            if len(self.levels) == level + 1:
                self.levels.append(bytearray())
            digest = node_hash(bytes(row[-64:-32]), bytes(row[-32:]))
            level += 1

    def node(self, level: int, index: int) -> bytes:
        return bytes(self.levels[level][index * 32 : index * 32 + 32])

    def source(self, nodes: Iterable[Node]) -> dict[Node, bytes]:
        return {(level, index): self.node(level, index) for level, index in nodes}

    def root(self, size: int | None = None) -> bytes:
        return root(self.size if size is None else size, self.source)
