"""Proofs served from cached subtree roots are exactly RFC 6962's, with bounded queries and a safe cache."""

import hashlib

import pytest
from django.core.cache import cache
from hypothesis import given
from hypothesis import strategies as st

from donations import ledger, merkle, proofs
from donations.merkle import ProofError
from donations.models import AccountBalance, JournalEntry, LogHead, Posting
from tests.donations.conftest import post_sale
from tests.donations.tampering import remove


def fake_leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(str(i).encode()) for i in range(n)]


@given(size=st.integers(min_value=1, max_value=300), data=st.data())
def test_proof_ranges_are_rfc_6962_paths(size, data):
    """The ranges' roots, folded from perfect subtrees, are the nodes merkle.py's recursion returns."""
    leaves = fake_leaves(size)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    old = data.draw(st.integers(min_value=0, max_value=size))

    def root(start, end):
        nodes = proofs.perfect_nodes(start, end)
        assert sum(1 << height for height, _index in nodes) == end - start
        return merkle.frontier_root([merkle.root(leaves[i << h:(i + 1) << h]) for h, i in nodes])

    assert [root(*r) for r in proofs.inclusion_ranges(index, size)] == merkle.inclusion_proof(index, leaves)
    assert [root(*r) for r in proofs.consistency_ranges(old, size)] == merkle.consistency_proof(old, leaves)
    assert root(0, size) == merkle.root(leaves)


def test_a_range_that_is_not_from_a_tree_is_refused():
    with pytest.raises(ValueError, match="not a range of an RFC 6962 tree"):
        proofs.perfect_nodes(3, 7)


@pytest.fixture
def small_tiles(monkeypatch):
    """Tiles of 4 leaves, so a log of a few dozen entries exercises cached subtrees several levels deep."""
    monkeypatch.setattr(proofs, "TILE_HEIGHT", 2)


@pytest.fixture
def log37(books):
    for number in range(37):
        post_sale(day=number % 28 + 1, gross=3000 + number)
    return [bytes.fromhex(h) for h in JournalEntry.objects.order_by("sequence").values_list("leaf_hash", flat=True)]


def test_every_proof_of_a_37_leaf_log_matches_merkle_py(small_tiles, log37):
    """Cold and warm cache alike, and each proof verifies against the root of its tree size."""
    for warm in (False, True):
        if not warm:
            cache.clear()
        for size in range(1, 38):
            tree = log37[:size]
            for index in range(size):
                proof = proofs.inclusion_proof(index=index, size=size)
                assert proof.proof == merkle.inclusion_proof(index, tree), (warm, index, size)
                assert proof.leaf_hash == tree[index] and proof.root_hash == merkle.root(tree)
                assert merkle.verify_inclusion(leaf=proof.leaf_hash, index=index, size=size, proof=proof.proof,
                                               root_hash=proof.root_hash)
            for old in range(size + 1):
                proof = proofs.consistency_proof(old_size=old, new_size=size)
                assert proof.proof == merkle.consistency_proof(old, tree), (warm, old, size)
                assert proof.old_root == merkle.root(tree[:old]) and proof.new_root == merkle.root(tree)
                assert merkle.verify_consistency(old_size=old, new_size=size, old_root=proof.old_root,
                                                 new_root=proof.new_root, proof=proof.proof)


def test_the_root_at_the_log_size_is_the_log_heads(log37):
    assert proofs.inclusion_proof(index=36, size=37).root_hash == ledger.tree_head()[1]


def test_a_warm_proof_reads_only_the_leaf_hashes_of_its_partial_tiles(small_tiles, log37, django_assert_num_queries,
                                                                       monkeypatch):
    proofs.inclusion_proof(index=0, size=37)  # Warms the cache with every full tile and the nodes above.
    read = []
    original = proofs.selectors.leaf_hashes
    monkeypatch.setattr(proofs.selectors, "leaf_hashes", lambda ranges: read.append(list(ranges)) or original(ranges))
    with django_assert_num_queries(2):
        proofs.inclusion_proof(index=17, size=37)
    # Leaf 17's tile [16, 20) for its low siblings, and the log's right edge: leaf 36.
    assert read == [[(16, 20), (36, 37)]]


def test_a_cold_proof_takes_two_queries_whatever_the_size(log37, django_assert_num_queries):
    cache.clear()
    with django_assert_num_queries(2):
        proofs.inclusion_proof(index=3, size=37)
    cache.clear()
    with django_assert_num_queries(2):
        proofs.consistency_proof(old_size=5, new_size=37)


def test_roots_cached_for_one_history_are_never_used_for_another(small_tiles, log37):
    """A rebuilt database (a new first leaf) must not be proved with the old database's cached roots."""
    proofs.inclusion_proof(index=0, size=37)
    for model in (Posting, AccountBalance, JournalEntry, LogHead):
        remove(model.objects.all())
    for number in range(37):
        post_sale(day=number % 28 + 1, gross=9000 + number)
    leaves = [bytes.fromhex(h) for h in JournalEntry.objects.order_by("sequence").values_list("leaf_hash", flat=True)]
    assert leaves != log37
    assert proofs.inclusion_proof(index=0, size=37).proof == merkle.inclusion_proof(0, leaves)


def test_a_corrupted_cache_value_is_ignored(small_tiles, log37):
    proofs.inclusion_proof(index=0, size=37)
    namespace = log37[0].hex()[:32]
    cache.set(f"transparency-log:{namespace}:4:1", "not a hash")
    assert proofs.inclusion_proof(index=0, size=37).proof == merkle.inclusion_proof(0, log37)


def test_missing_rows_are_an_error_not_a_wrong_proof(log37):
    entry = JournalEntry.objects.get(sequence=5)
    remove(Posting.objects.filter(entry=entry))
    remove(JournalEntry.objects.filter(pk=entry.pk))
    cache.clear()
    with pytest.raises(proofs.MissingLeavesError, match="verify_ledger"):
        proofs.inclusion_proof(index=0, size=37)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: proofs.inclusion_proof(index=3, size=3), "outside a tree of size 3"),
        (lambda: proofs.inclusion_proof(index=0, size=0), "outside a tree of size 0"),
        (lambda: proofs.inclusion_proof(index=-1, size=3), "non-negative"),
        (lambda: proofs.inclusion_proof(index=0, size=38), "beyond the log's current size 37"),
        (lambda: proofs.consistency_proof(old_size=5, new_size=4), "a log only grows"),
        (lambda: proofs.consistency_proof(old_size=5, new_size=38), "beyond the log's current size 37"),
        (lambda: proofs.consistency_proof(old_size=-1, new_size=4), "non-negative"),
    ],
)
def test_impossible_proofs_are_refused(log37, call, message):
    with pytest.raises(ProofError, match=message):
        call()


def test_an_empty_log_proves_only_the_empty_tree(books):
    proof = proofs.consistency_proof(old_size=0, new_size=0)
    assert proof.old_root == proof.new_root == hashlib.sha256(b"").digest() and proof.proof == []
    with pytest.raises(ProofError):
        proofs.inclusion_proof(index=0, size=1)
