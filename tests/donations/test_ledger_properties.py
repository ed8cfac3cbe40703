"""Random sequences of postings, retries, reversals and checkpoints keep the books whole.

After every step: the running balances equal a model kept beside the ledger,
every currency's trial balance sums to zero, and verify_ledger finds nothing.
At the end one stored posting is rewritten, and verify_ledger must name it.
"""

import datetime
from collections import defaultdict

import pytest
from django.db import transaction
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from donations import checkpoints, ledger
from donations.chart import CHART_OF_ACCOUNTS
from donations.models import JournalEntry, Posting
from donations.money import Money
from donations.verification import verify_ledger
from tests.donations.tampering import tamper

CODES = [code for code, _name, _type in CHART_OF_ACCOUNTS]
amounts = st.integers(-10**9, 10**9).filter(bool)


@st.composite
def postings(draw):
    currency = draw(st.sampled_from(["EUR", "UAH", "PLN"]))
    values = draw(st.lists(amounts, min_size=1, max_size=4))
    total = sum(values)
    lines = values + ([-total] if total else [])
    if len(lines) < 2:
        lines = [lines[0], -lines[0]]
    return [(draw(st.sampled_from(CODES)), Money(value, currency)) for value in lines]


steps = st.lists(
    st.one_of(
        st.tuples(st.just("post"), postings(), st.booleans()),
        st.tuples(st.just("retry"), st.integers(0, 50)),
        st.tuples(st.just("reverse"), st.integers(0, 50)),
        st.tuples(st.just("checkpoint")),
    ),
    min_size=1,
    max_size=10,
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, tamper_at=st.integers(0, 10**6), delta=amounts)
def test_random_books_always_balance_verify_and_betray_tampering(books, steps, tamper_at, delta):
    with transaction.atomic():  # Each example starts from empty books: roll its rows back.
        run_steps(steps)
        check_tampering_is_caught(tamper_at, delta)
        transaction.set_rollback(True)


def run_steps(steps):
    expected: dict[tuple[str, str], int] = defaultdict(int)
    posted: list[tuple[JournalEntry, list]] = []
    reversed_: set[int] = set()
    day = datetime.date(2025, 1, 1)
    for step in steps:
        if step[0] == "post":
            lines, concerns_case = step[1], step[2]
            entry = ledger.post_entry(
                kind="disbursement" if concerns_case else "adjustment", effective_date=day, postings=lines,
                concerns_case=concerns_case, idempotency_key=f"key-{len(posted)}",
            )
            posted.append((entry, lines))
            for code, money in lines:
                expected[(code, money.currency)] += money.minor
        elif step[0] == "retry" and posted:
            entry, lines = posted[step[1] % len(posted)]
            if entry.kind == "reversal":
                continue
            again = ledger.post_entry(
                kind=entry.kind, effective_date=day, postings=lines, concerns_case=entry.concerns_case,
                idempotency_key=entry.idempotency_key,
            )
            assert again.pk == entry.pk
        elif step[0] == "reverse" and posted:
            entry, lines = posted[step[1] % len(posted)]
            if entry.kind == "reversal" or entry.pk in reversed_:
                with pytest.raises(ledger.InvalidReversal):
                    ledger.reverse_entry(entry, memo="again", effective_date=day)
                continue
            reversal = ledger.reverse_entry(entry, memo="correction", effective_date=day)
            reversed_.add(entry.pk)
            negated = [(code, -money) for code, money in lines]
            posted.append((reversal, negated))
            for code, money in negated:
                expected[(code, money.currency)] += money.minor
        elif step[0] == "checkpoint":
            checkpoints.make_checkpoint()
        check_books(expected, len(posted))


def check_books(expected, entries):
    trial = ledger.trial_balance()
    actual = {(code, currency): money.minor for code, by_currency in trial.items()
              for currency, money in by_currency.items()}
    assert actual == {key: value for key, value in expected.items() if value}
    columns: dict[str, int] = defaultdict(int)
    for (_code, currency), minor in actual.items():
        columns[currency] += minor
    assert all(total == 0 for total in columns.values())
    report = verify_ledger()
    assert report.ok, report.problems
    assert report.entries == entries


def check_tampering_is_caught(tamper_at, delta):
    count = Posting.objects.count()
    if not count:
        return
    posting = Posting.objects.order_by("id")[tamper_at % count]
    if posting.amount_minor + delta == 0:
        delta += 1
    tamper(Posting.objects.filter(pk=posting.pk), amount_minor=F("amount_minor") + delta)
    report = verify_ledger()
    assert not report.ok
    sequence = posting.entry.sequence
    assert f"entry #{sequence}: does not balance" in "\n".join(str(problem) for problem in report.problems)
