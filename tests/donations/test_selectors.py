"""Each selector's query count is pinned, and does not grow with the log."""

import pytest

from donations import checkpoints, ledger, merkle, selectors
from donations.models import JournalEntry
from tests.donations.conftest import post_sale


@pytest.fixture
def log12(books):
    for number in range(12):
        post_sale(day=number + 1)
    return list(JournalEntry.objects.order_by("sequence").values_list("public_leaf", "leaf_hash"))


def test_log_state_is_one_query(log12, django_assert_num_queries):
    with django_assert_num_queries(1):
        state = selectors.log_state()
    assert (state.size, state.root) == ledger.tree_head()
    assert state.first_leaf_hash == log12[0][1]


def test_log_state_of_an_empty_log(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        state = selectors.log_state()
    assert (state.size, state.root, state.first_leaf_hash) == (0, merkle.EMPTY_ROOT, "")


def test_latest_checkpoint_note_is_one_query(log12, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert selectors.latest_checkpoint_note() is None
    checkpoints.make_checkpoint()
    post_sale(day=20)
    newest = checkpoints.make_checkpoint()
    with django_assert_num_queries(1):
        latest = selectors.latest_checkpoint_note()
        assert latest.note == newest.note and latest.tree_size == 13


def test_public_leaves_stream_in_one_query_whatever_the_chunk_size(log12, django_assert_num_queries):
    with django_assert_num_queries(1):
        leaves = list(selectors.public_leaves(start=2, end=11, chunk_size=3))
    assert leaves == [leaf for leaf, _hash in log12[2:11]]


def test_an_empty_range_of_leaves_reads_nothing(log12, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert list(selectors.public_leaves(start=5, end=5)) == []


def test_leaf_hashes_of_several_ranges_are_one_query(log12, django_assert_num_queries):
    with django_assert_num_queries(1):
        hashes = selectors.leaf_hashes([(0, 2), (8, 9), (11, 12)])
    assert hashes == {i: bytes.fromhex(log12[i][1]) for i in (0, 1, 8, 11)}
    with django_assert_num_queries(0):
        assert selectors.leaf_hashes([(4, 4)]) == {}
