"""RFC 6962 hashing and proofs: the published test vectors, then properties over random trees."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from donations import merkle

# The test vectors of RFC 6962 implementations (certificate-transparency, trillian).
VECTOR_LEAVES = [
    b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70)),
]
VECTOR_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
VECTOR_HASHES = [merkle.leaf_hash(leaf) for leaf in VECTOR_LEAVES]

leaf_lists = st.lists(st.binary(max_size=40), min_size=1, max_size=70)


def reference_root(hashes):
    """MTH exactly as RFC 6962 §2.1 defines it, recursively."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return merkle.node_hash(reference_root(hashes[:k]), reference_root(hashes[k:]))


def flip(value: bytes, position: int) -> bytes:
    position %= len(value)
    return value[:position] + bytes([value[position] ^ 0x01]) + value[position + 1:]


def test_hashes_are_domain_separated():
    assert merkle.leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert merkle.node_hash(b"l" * 32, b"r" * 32) == hashlib.sha256(b"\x01" + b"l" * 32 + b"r" * 32).digest()
    assert merkle.root([]) == hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_published_vectors(size):
    assert merkle.root(VECTOR_HASHES[:size]).hex() == VECTOR_ROOTS[size - 1]


def test_proofs_match_the_published_vectors():
    assert [p.hex()[:8] for p in merkle.inclusion_proof(0, VECTOR_HASHES)] == ["96a296d2", "5f083f0a", "6b47aaf2"]
    assert [p.hex()[:8] for p in merkle.consistency_proof(1, VECTOR_HASHES)] == ["96a296d2", "5f083f0a", "6b47aaf2"]
    assert [p.hex()[:8] for p in merkle.consistency_proof(6, VECTOR_HASHES)] == ["0ebc5d34", "ca854ea1", "d37ee418"]
    assert [p.hex()[:8] for p in merkle.consistency_proof(2, VECTOR_HASHES[:5])] == ["5f083f0a", "bc1a0643"]


def test_proofs_outside_the_tree_are_refused():
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_proof(8, VECTOR_HASHES)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_proof(9, VECTOR_HASHES)
    root = merkle.root(VECTOR_HASHES)
    assert not merkle.verify_inclusion(leaf=VECTOR_HASHES[0], index=8, size=8, proof=[], root_hash=root)
    assert not merkle.verify_consistency(old_size=9, new_size=8, old_root=root, new_root=root, proof=[])


@settings(max_examples=60, deadline=None)
@given(leaf_lists)
def test_root_is_rfc6962_and_the_frontier_agrees_at_every_size(leaves):
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    frontier = []
    for size, leaf in enumerate(hashes):
        frontier = merkle.frontier_append(frontier, size, leaf)
        assert len(frontier) == bin(size + 1).count("1")
        assert merkle.frontier_root(frontier) == reference_root(hashes[: size + 1]) == merkle.root(hashes[: size + 1])


@settings(max_examples=60, deadline=None)
@given(leaf_lists, st.data())
def test_every_inclusion_proof_verifies_and_a_flipped_byte_fails(leaves, data):
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    root = merkle.root(hashes)
    for index, leaf in enumerate(hashes):
        proof = merkle.inclusion_proof(index, hashes)
        assert merkle.verify_inclusion(leaf=leaf, index=index, size=len(hashes), proof=proof, root_hash=root)
    index = data.draw(st.integers(0, len(hashes) - 1))
    proof = merkle.inclusion_proof(index, hashes)
    position = data.draw(st.integers(0, 31))
    size = len(hashes)
    assert not merkle.verify_inclusion(leaf=flip(hashes[index], position), index=index, size=size, proof=proof,
                                       root_hash=root)
    assert not merkle.verify_inclusion(leaf=hashes[index], index=index, size=size, proof=proof,
                                       root_hash=flip(root, position))
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        tampered = [*proof[:which], flip(proof[which], position), *proof[which + 1:]]
        assert not merkle.verify_inclusion(leaf=hashes[index], index=index, size=size, proof=tampered, root_hash=root)
        assert not merkle.verify_inclusion(leaf=hashes[index], index=index, size=size, proof=proof[:-1],
                                           root_hash=root)
    other = (index + 1) % size
    if hashes[other] != hashes[index]:
        assert not merkle.verify_inclusion(leaf=hashes[index], index=other, size=size, proof=proof, root_hash=root)


@settings(max_examples=40, deadline=None)
@given(leaf_lists, st.data())
def test_consistency_proofs_verify_for_every_old_size_and_a_flipped_byte_fails(leaves, data):
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    new_size, new_root = len(hashes), merkle.root(hashes)
    for old_size in range(0, new_size + 1):
        old_root = merkle.root(hashes[:old_size])
        proof = merkle.consistency_proof(old_size, hashes)
        assert merkle.verify_consistency(
            old_size=old_size, new_size=new_size, old_root=old_root, new_root=new_root, proof=proof
        ), old_size
    old_size = data.draw(st.integers(1, new_size))
    old_root = merkle.root(hashes[:old_size])
    proof = merkle.consistency_proof(old_size, hashes)
    position = data.draw(st.integers(0, 31))
    assert not merkle.verify_consistency(
        old_size=old_size, new_size=new_size, old_root=flip(old_root, position), new_root=new_root, proof=proof
    )
    assert not merkle.verify_consistency(
        old_size=old_size, new_size=new_size, old_root=old_root, new_root=flip(new_root, position), proof=proof
    )
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        tampered = [*proof[:which], flip(proof[which], position), *proof[which + 1:]]
        assert not merkle.verify_consistency(
            old_size=old_size, new_size=new_size, old_root=old_root, new_root=new_root, proof=tampered
        )


def test_a_rewritten_history_has_no_consistency_proof():
    """A log that changed an old leaf cannot prove it only grew."""
    honest = VECTOR_HASHES
    rewritten = [merkle.leaf_hash(b"rewritten"), *honest[1:]]
    old_root = merkle.root(honest[:3])
    proof = merkle.consistency_proof(3, rewritten)
    assert not merkle.verify_consistency(
        old_size=3, new_size=8, old_root=old_root, new_root=merkle.root(rewritten), proof=proof
    )
