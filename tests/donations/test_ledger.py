"""Posting rules, idempotency, reversals and balances: the same on SQLite and PostgreSQL."""

import datetime
import json

import pytest
from django.db import IntegrityError, transaction

from donations import ledger, merkle
from donations.ledger import (
    AlreadyReversed,
    IdempotencyConflict,
    InvalidEntry,
    InvalidReversal,
    TooFewPostings,
    UnbalancedEntry,
    UnknownAccount,
    ZeroPosting,
)
from donations.models import Account, AccountBalance, JournalEntry, LogHead, Posting
from donations.money import Money
from tests.donations.conftest import eur, post_sale

MARCH = datetime.date(2025, 3, 14)


def post(postings, **kwargs):
    kwargs.setdefault("kind", "adjustment")
    kwargs.setdefault("effective_date", MARCH)
    return ledger.post_entry(postings=postings, **kwargs)


def assert_nothing_written():
    assert not JournalEntry.objects.exists()
    assert not Posting.objects.exists()
    assert not AccountBalance.objects.exists()
    assert LogHead.objects.filter(size__gt=0).count() == 0


def test_a_balanced_entry_is_posted_with_its_leaf_and_balances(books):
    entry = post_sale(gross=3000, fee=100, key="order-1")
    assert entry.sequence == 1
    assert entry.kind == "order_proceeds" and entry.idempotency_key == "order-1"
    assert ledger.entry_postings(entry) == [
        ("stripe-balance", eur(2900)), ("stripe-fees", eur(100)), ("merch-sales", eur(-3000)),
    ]
    assert json.loads(entry.public_leaf) == {
        "date": "2025-03-01", "kind": "order_proceeds", "reverses": None, "sequence": 1,
        "postings": [
            {"account": "stripe-balance", "amount": 2900, "currency": "EUR"},
            {"account": "stripe-fees", "amount": 100, "currency": "EUR"},
            {"account": "merch-sales", "amount": -3000, "currency": "EUR"},
        ],
    }
    assert entry.leaf_hash == merkle.leaf_hash(entry.public_leaf.encode()).hex()
    assert "order 100001" not in entry.public_leaf  # The memo is private.
    assert ledger.account_balance("stripe-balance", "EUR") == eur(2900)
    assert ledger.account_balance("merch-sales", "EUR") == eur(-3000)
    assert ledger.account_balance("aid-fund", "EUR") == eur(0)


def test_sequence_numbers_follow_each_other_and_the_tree_grows(books):
    entries = [post_sale(day=day) for day in range(1, 5)]
    assert [entry.sequence for entry in entries] == [1, 2, 3, 4]
    assert ledger.tree_head() == (4, merkle.root([bytes.fromhex(entry.leaf_hash) for entry in entries]))


@pytest.mark.parametrize(
    ("postings", "error", "message"),
    [
        ([("bank", eur(100))], TooFewPostings, "at least two postings, got 1"),
        ([], TooFewPostings, "got 0"),
        ([("bank", eur(100)), ("aid-fund", eur(-100)), ("stripe-fees", eur(0))], ZeroPosting, "stripe-fees is zero"),
        ([("bank", eur(100)), ("aid-fund", eur(-99))], UnbalancedEntry, "EUR off by \\+1 minor units"),
        (
            [("bank", eur(100)), ("aid-fund", Money(-100, "UAH"))], UnbalancedEntry,
            "EUR off by \\+100 minor units, UAH off by -100",
        ),
        ([("bank", eur(100)), ("nowhere", eur(-100))], UnknownAccount, "No such account: nowhere"),
        ([("bank", 100), ("aid-fund", -100)], InvalidEntry, "must be Money"),
        ([("bank", eur(100)), ("", eur(-100))], InvalidEntry, "needs an account code"),
        (["bank"], InvalidEntry, "pair"),
    ],
)
def test_entries_the_books_refuse_leave_nothing_behind(books, postings, error, message):
    with pytest.raises(error, match=message):
        post(postings)
    assert_nothing_written()


def test_a_balanced_multi_currency_entry_is_accepted(books):
    entry = post([
        ("bank", Money(4100, "UAH")), ("aid-fund", Money(-4100, "UAH")),
        ("bank", eur(100)), ("aid-fund", eur(-100)),
    ])
    assert ledger.account_balance("bank", "UAH") == Money(4100, "UAH")
    assert ledger.trial_balance() == {
        "aid-fund": {"EUR": eur(-100), "UAH": Money(-4100, "UAH")},
        "bank": {"EUR": eur(100), "UAH": Money(4100, "UAH")},
    }
    assert entry.sequence == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "gift"}, "Unknown entry kind"),
        ({"effective_date": datetime.datetime(2025, 3, 14, 12, 0)}, "must be a date"),
        ({"effective_date": "2025-03-14"}, "must be a date"),
        ({"idempotency_key": "  "}, "must not be blank"),
        ({"details": {"people": 1.5}}, "must be a string, an integer"),
        ({"details": {"nested": {"a": 1}}}, "must be a string, an integer"),
        ({"kind": "reversal"}, "only a reversal, names"),
    ],
)
def test_malformed_requests_are_refused(books, kwargs, message):
    with pytest.raises(InvalidEntry if kwargs.get("kind") != "reversal" else InvalidReversal, match=message):
        post([("bank", eur(100)), ("aid-fund", eur(-100))], **kwargs)
    assert_nothing_written()


def test_a_retried_posting_returns_the_first_entry_and_writes_nothing(books, django_assert_max_num_queries):
    first = post_sale(key="stripe:pi_123")
    with django_assert_max_num_queries(6):
        again = post_sale(key="stripe:pi_123")
    assert again.pk == first.pk
    assert JournalEntry.objects.count() == 1 and Posting.objects.count() == 3
    assert ledger.account_balance("stripe-balance", "EUR") == eur(2900)
    assert ledger.tree_head()[0] == 1


@pytest.mark.parametrize(
    "change",
    [{"gross": 3100}, {"fee": 90}, {"day": 2}, {"memo": "order 100002"}, {"concerns_case": True},
     {"details": {"channel": "shop"}}],
)
def test_a_reused_idempotency_key_with_other_parameters_is_refused(books, change):
    post_sale(key="stripe:pi_123")
    with pytest.raises(IdempotencyConflict, match="already posted entry #1 with different parameters"):
        post_sale(key="stripe:pi_123", **change)
    assert JournalEntry.objects.count() == 1


def test_a_reversal_posts_the_negation_and_points_at_the_original(books):
    sale = post_sale(key="order-1")
    reversal = ledger.reverse_entry(sale, memo="duplicate import", effective_date=datetime.date(2025, 3, 20))
    assert reversal.kind == "reversal" and reversal.reverses == sale and reversal.sequence == 2
    assert ledger.entry_postings(reversal) == [(code, -money) for code, money in ledger.entry_postings(sale)]
    assert json.loads(reversal.public_leaf)["reverses"] == 1
    sale.refresh_from_db()
    assert sale.reversed_by == reversal
    assert ledger.trial_balance() == {}
    for code in ("stripe-balance", "stripe-fees", "merch-sales"):
        assert ledger.account_balance(code, "EUR") == eur(0)


def test_an_entry_is_reversed_at_most_once(books):
    sale = post_sale()
    ledger.reverse_entry(sale, memo="first", effective_date=MARCH)
    with pytest.raises(AlreadyReversed, match="Entry #1 was already reversed by entry #2"):
        ledger.reverse_entry(sale, memo="second", effective_date=MARCH)
    assert JournalEntry.objects.count() == 2


def test_a_retried_reversal_is_a_no_op(books):
    sale = post_sale()
    first = ledger.reverse_entry(sale, memo="refund", effective_date=MARCH, idempotency_key="reverse-1")
    again = ledger.reverse_entry(sale, memo="refund", effective_date=MARCH, idempotency_key="reverse-1")
    assert again.pk == first.pk
    assert JournalEntry.objects.count() == 2


def test_a_reversal_cannot_be_reversed_nor_differ_from_the_original(books):
    sale = post_sale()
    reversal = ledger.reverse_entry(sale, memo="oops", effective_date=MARCH)
    with pytest.raises(InvalidReversal, match="itself a reversal"):
        ledger.reverse_entry(reversal, memo="undo", effective_date=MARCH)
    other = post_sale(day=2)
    with pytest.raises(InvalidReversal, match="exactly its negated postings"):
        post([("stripe-balance", eur(-2800)), ("stripe-fees", eur(-200)), ("merch-sales", eur(3000))],
             kind="reversal", reverses=other)
    with pytest.raises(InvalidReversal, match="only a reversal"):
        post([("bank", eur(1)), ("aid-fund", eur(-1))], kind="adjustment", reverses=other)
    with pytest.raises(InvalidReversal, match="Only a posted entry"):
        post([("bank", eur(1)), ("aid-fund", eur(-1))], kind="reversal", reverses=JournalEntry(pk=10**9))
    assert JournalEntry.objects.count() == 3


def test_balances_read_from_the_running_balance_agree_with_the_postings(books, django_assert_num_queries):
    for day in range(1, 8):
        post_sale(gross=1000 * day, fee=30 * day, day=day)
    for code in ("stripe-balance", "stripe-fees", "merch-sales", "aid-fund"):
        assert ledger.account_balance(code, "EUR") == ledger.account_balance_from_postings(code, "EUR")
    with django_assert_num_queries(1):
        balance = ledger.account_balance("stripe-balance", "EUR")
    assert balance == eur(sum(1000 * day - 30 * day for day in range(1, 8)))
    with django_assert_num_queries(1):
        trial = ledger.trial_balance()
    assert sum(by_currency["EUR"].minor for by_currency in trial.values()) == 0


def test_balance_of_an_unknown_account_or_currency(books):
    with pytest.raises(UnknownAccount):
        ledger.account_balance("nowhere", "EUR")
    assert ledger.account_balance("bank", "PLN") == Money(0, "PLN")


def test_opening_the_chart_twice_changes_nothing(books):
    count = Account.objects.count()
    ledger.open_accounts()
    assert Account.objects.count() == count
    assert Account.objects.get(code="aid-fund").type == Account.Type.LIABILITY
    assert Account.objects.get(code="aid-spent:medicine").type == Account.Type.EXPENSE


def test_the_database_refuses_a_zero_posting_and_a_reversal_without_a_link(books):
    entry = post_sale()
    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.create(entry=entry, account=Account.objects.get(code="bank"), amount_minor=0, currency="EUR")
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.create(
            sequence=99, effective_date=MARCH, kind="reversal", public_leaf="{}", leaf_hash="0" * 64
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.create(
            sequence=1, effective_date=MARCH, kind="adjustment", public_leaf="{}", leaf_hash="0" * 64
        )
