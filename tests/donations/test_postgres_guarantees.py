"""What PostgreSQL itself refuses, even to raw SQL that bypasses donations.ledger (migration 0002)."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from donations import checkpoints, ledger
from donations.models import Account, Checkpoint, JournalEntry
from donations.verification import verify_ledger
from tests.donations.conftest import post_sale

pytestmark = pytest.mark.postgres


def insert_entry(cursor, sequence: int, postings: list[tuple[str, int]]) -> int:
    """Insert an entry and its postings the way a careless script would: straight SQL."""
    cursor.execute(
        "INSERT INTO donations_journalentry (sequence, created_at, effective_date, kind, memo, concerns_case,"
        " public_leaf, leaf_hash, private_leaf, commitment_salt)"
        " VALUES (%s, now(), '2025-03-01', 'adjustment', 'raw', false, '{}', %s, '', '') RETURNING id",
        [sequence, "0" * 64],
    )
    entry_id = cursor.fetchone()[0]
    for code, minor in postings:
        cursor.execute(
            "INSERT INTO donations_posting (entry_id, account_id, amount_minor, currency) VALUES (%s, %s, %s, 'EUR')",
            [entry_id, Account.objects.get(code=code).pk, minor],
        )
    return entry_id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE donations_posting SET amount_minor = amount_minor + 1",
        "DELETE FROM donations_posting",
        "UPDATE donations_journalentry SET memo = 'edited'",
        "DELETE FROM donations_journalentry",
        "UPDATE donations_checkpoint SET tree_size = 0",
        "DELETE FROM donations_checkpoint",
    ],
)
def test_posted_rows_cannot_be_updated_or_deleted(books, statement):
    post_sale()
    checkpoints.make_checkpoint()
    with pytest.raises(IntegrityError, match="is append-only: (UPDATE|DELETE) refused"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)


def test_the_orm_cannot_edit_a_posting_either(books):
    entry = post_sale()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        entry.postings.update(amount_minor=1)


@pytest.mark.django_db(transaction=True)
def test_an_unbalanced_entry_is_rejected_at_commit():
    ledger.open_accounts()
    with pytest.raises(IntegrityError, match="does not balance: its EUR postings sum to 1"):
        with transaction.atomic(), connection.cursor() as cursor:
            insert_entry(cursor, 1, [("bank", 101), ("aid-fund", -100)])
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("postings", [[("bank", 100)], []])
def test_an_entry_with_fewer_than_two_postings_is_rejected_at_commit(postings):
    ledger.open_accounts()
    with pytest.raises(IntegrityError, match=f"has {len(postings)} posting\\(s\\); an entry needs at least two"):
        with transaction.atomic(), connection.cursor() as cursor:
            insert_entry(cursor, 1, postings)
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_posting_added_later_to_a_balanced_entry_is_rejected():
    entry = ledger.open_accounts() or post_sale()
    with pytest.raises(IntegrityError, match="does not balance"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO donations_posting (entry_id, account_id, amount_minor, currency)"
                " VALUES (%s, %s, 5, 'EUR')",
                [entry.pk, Account.objects.get(code="bank").pk],
            )
    assert entry.postings.count() == 3


@pytest.mark.django_db(transaction=True)
def test_balanced_entries_commit_and_the_balance_is_checked_only_at_commit():
    """Deferred: the entry is briefly unbalanced between its INSERTs, which must be allowed."""
    ledger.open_accounts()
    with transaction.atomic(), connection.cursor() as cursor:
        insert_entry(cursor, 1, [("bank", 100), ("aid-fund", -60), ("aid-fund", -40)])
    assert JournalEntry.objects.get().postings.count() == 3
    # Balanced is not enough to belong to the log: verify_ledger sees an entry the log never took in.
    found = [str(problem) for problem in verify_ledger().problems]
    assert "entry #1: stored leaf hash is not the hash of its public leaf" in found
    assert "log head says 0 entries, the log has 1" in found
    # And the ledger cannot be tricked into forking the log around it: sequence 1 is taken.
    with pytest.raises(IntegrityError, match="donations_journalentry_sequence_key"):
        post_sale()


def test_the_database_refuses_immediately_when_asked_to(books):
    """SET CONSTRAINTS ALL IMMEDIATE fires the deferred check now, inside the test's transaction."""
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        with connection.cursor() as cursor:
            insert_entry(cursor, 1, [("bank", 100), ("aid-fund", -1)])
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db(transaction=True)
def test_twenty_postings_at_once_make_one_gap_free_log_and_consistent_checkpoints():
    """Twenty threads, each its own connection and transaction, post and checkpoint at the same moment."""
    ledger.open_accounts()
    start = threading.Barrier(20)
    errors: list[BaseException] = []

    def post_and_checkpoint(number: int) -> None:
        try:
            start.wait(timeout=30)
            post_sale(gross=1000 + number, fee=10, key=f"order-{number}", day=1 + number % 28)
            # Half of them race to retry someone else's posting: still one entry per key.
            if number % 2:
                post_sale(gross=1000 + number - 1, fee=10, key=f"order-{number - 1}", day=1 + (number - 1) % 28)
            checkpoints.make_checkpoint()
        except BaseException as exc:  # noqa: BLE001 -- reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post_and_checkpoint, args=(number,)) for number in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    assert list(JournalEntry.objects.values_list("sequence", flat=True)) == list(range(1, 21))
    final = checkpoints.make_checkpoint()
    assert final.tree_size == 20
    report = verify_ledger()
    assert report.ok, report.problems  # Every checkpoint any thread made is a prefix of this one tree.
    assert Checkpoint.objects.count() >= 2
    # Signed under the log's lock: stored in the order the tree grew, never a smaller tree after a larger one.
    sizes = list(Checkpoint.objects.order_by("id").values_list("tree_size", flat=True))
    assert sizes == sorted(sizes)
    assert ledger.account_balance("merch-sales", "EUR").minor == -sum(1000 + number for number in range(20))
    assert all(entry.effective_date >= datetime.date(2025, 3, 1) for entry in JournalEntry.objects.all())
