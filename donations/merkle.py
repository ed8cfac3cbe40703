"""RFC 6962 / RFC 9162 Merkle tree hashing and proofs, standard library only.

Kept free of Django so that the same file can be handed to outside verifiers:
anyone holding the public leaves can recompute roots and check proofs with it.

Leaves and nodes are domain-separated (0x00 for a leaf, 0x01 for a node) so a
node can never be passed off as a leaf. A tree of n leaves splits at the largest
power of two smaller than n (RFC 6962 §2.1). Proof verification follows RFC 9162
§2.1.3.2 (inclusion) and §2.1.4.2 (consistency).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof asked for sizes or indexes that the tree does not have."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes.

    Computed level by level, carrying an odd last node up unchanged: that is
    the same tree as RFC 6962's largest-power-of-two split, without recursion,
    so a million leaves take two million hashes and no deep call stack.
    """
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1: the audit path of leaf ``index``."""
    n = len(leaf_hashes)
    if not 0 <= index < n:
        raise ProofError(f"Leaf index {index} is outside a tree of size {n}")

    def path(m: int, lo: int, hi: int) -> list[bytes]:
        if hi - lo == 1:
            return []
        k = _split(hi - lo)
        if m < k:
            return path(m, lo, lo + k) + [root(leaf_hashes[lo + k:hi])]
        return path(m - k, lo + k, hi) + [root(leaf_hashes[lo:lo + k])]

    return path(index, 0, n)


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 §2.1.2: shows the first ``old_size`` leaves are a prefix."""
    n = len(leaf_hashes)
    if not 0 <= old_size <= n:
        raise ProofError(f"Old size {old_size} is outside a tree of size {n}")
    if old_size in (0, n):
        return []

    def subproof(m: int, lo: int, hi: int, complete: bool) -> list[bytes]:
        size = hi - lo
        if m == size:
            return [] if complete else [root(leaf_hashes[lo:hi])]
        k = _split(size)
        if m <= k:
            return subproof(m, lo, lo + k, complete) + [root(leaf_hashes[lo + k:hi])]
        return subproof(m - k, lo + k, hi, False) + [root(leaf_hashes[lo:lo + k])]

    return subproof(old_size, 0, n, True)


def verify_inclusion(*, leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """RFC 9162 §2.1.3.2, given the leaf hash: does ``proof`` lead from it to ``root_hash``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def verify_consistency(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of ``old_size`` leaves a prefix of the one of ``new_size``?"""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof  # The empty tree is a prefix of every tree.
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # An exact power of two: the old root is itself a node.
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
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


# --- The tree's right edge (compact range), for O(log n) appends ------------


def frontier_append(frontier: list[bytes], size: int, leaf: bytes) -> list[bytes]:
    """Add a leaf hash to the frontier of a tree of ``size`` leaves; returns the new frontier.

    The frontier holds the roots of the perfect subtrees that ``size`` splits
    into, largest first (one per set bit of ``size``). A new leaf merges with
    equal-sized subtrees from the right, exactly as a binary counter carries.
    """
    result = list(frontier)
    node = leaf
    carry = size
    while carry & 1:
        node = node_hash(result.pop(), node)
        carry >>= 1
    result.append(node)
    return result


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """The RFC 6962 root of the tree that the frontier describes."""
    if not frontier:
        return EMPTY_ROOT
    node = frontier[-1]
    for left in reversed(frontier[:-1]):
        node = node_hash(left, node)
    return node
