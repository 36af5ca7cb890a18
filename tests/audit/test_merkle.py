"""RFC 9162 Merkle tree: known answers, and every proof of every small tree against a
naive recomputation written straight from the RFC's definitions (independent of the
range-based code under test)."""

from __future__ import annotations

import hashlib

import pytest

from hotline.audit import merkle

# The Certificate Transparency reference leaves and their published roots (sizes 1..8).
CT_LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
CT_CONSISTENCY = {
    (1, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}


def ref_mth(d: list[bytes]) -> bytes:
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = 1
    while k * 2 < len(d):
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], whole: bool) -> list[bytes]:
    if m == len(d):
        return [] if whole else [ref_mth(d)]
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m <= k:
        return [*ref_subproof(m, d[:k], whole), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def tree_of(leaves: list[bytes]) -> merkle.MemoryTree:
    tree = merkle.MemoryTree()
    for leaf in leaves:
        tree.append(leaf)
    return tree


def test_known_roots_and_proofs() -> None:
    tree = tree_of(CT_LEAVES)
    assert [tree.root(n).hex() for n in range(1, 9)] == CT_ROOTS
    assert merkle.root(0, tree.source) == hashlib.sha256(b"").digest()
    for (index, size), want in CT_INCLUSION.items():
        assert [p.hex() for p in merkle.inclusion_proof(index, size, tree.source)] == want
    for (first, second), want in CT_CONSISTENCY.items():
        assert [p.hex() for p in merkle.consistency_proof(first, second, tree.source)] == want


SIZES = 40
LEAVES = [hashlib.sha256(str(i).encode()).digest() for i in range(SIZES)]
TREE = tree_of(LEAVES)


@pytest.mark.parametrize("size", range(1, SIZES + 1))
def test_every_proof_of_every_size_matches_the_rfc(size: int) -> None:
    d = LEAVES[:size]
    root = ref_mth(d)
    assert TREE.root(size) == root == merkle.mth(d)
    for m in range(size):
        proof = merkle.inclusion_proof(m, size, TREE.source)
        assert proof == ref_path(m, d)
        leaf = merkle.leaf_hash(d[m])
        assert merkle.verify_inclusion(m, size, leaf, proof, root)
        # The verifier refuses a wrong leaf, index, root or a shortened proof. (The size
        # itself is bound by the signed tree head, not by the proof.)
        assert not merkle.verify_inclusion(m, size, merkle.leaf_hash(b"x"), proof, root)
        assert not merkle.verify_inclusion(size, size, leaf, proof, root)
        assert not merkle.verify_inclusion(m, size, leaf, proof, ref_mth([*d, b"one more"]))
        if proof:
            assert not merkle.verify_inclusion(m, size, leaf, proof[:-1], root)
            if size > 2:
                assert not merkle.verify_inclusion((m + 1) % size, size, leaf, proof, root)
    for first in range(1, size + 1):
        proof = merkle.consistency_proof(first, size, TREE.source)
        assert proof == ref_subproof(first, d, True)
        old = ref_mth(LEAVES[:first])
        assert merkle.verify_consistency(first, size, old, root, proof)
        if first < size:
            # Another history of the same length is not consistent with this tree.
            forged = ref_mth([b"forged", *LEAVES[1:first]])
            assert not merkle.verify_consistency(first, size, forged, root, proof)
            assert not merkle.verify_consistency(first, size, old, ref_mth([b"x", *d[1:]]), proof)
            assert not merkle.verify_consistency(first, size, old, root, proof[:-1])
            assert not merkle.verify_consistency(size, first, root, old, proof)


def test_subtree_decomposition_refuses_unaligned_ranges() -> None:
    assert merkle.perfect_nodes(0, 7) == [(2, 0), (1, 2), (0, 6)]
    with pytest.raises(ValueError):
        merkle.perfect_nodes(1, 3)
    with pytest.raises(ValueError):
        merkle.inclusion_ranges(5, 5)
    with pytest.raises(ValueError):
        merkle.consistency_ranges(0, 5)
