"""Which proceeds fund which disbursement (donations/allocation.py): oldest first, earmarks, refunds, checks."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from donations import allocation, disbursements, ledger
from donations.allocation import (
    AllocationError,
    InsufficientProceeds,
    disbursement_funding,
    earmark_disbursement,
    net_proceeds_by_entry,
    order_funding,
    proceeds_balances,
    reallocate_refunded_proceeds,
    remove_earmark,
    unallocated_balance,
    unallocated_proceeds,
    verify_allocations,
)
from donations.models import Allocation, AuditLogEntry, Disbursement, Earmark, JournalEntry
from donations.verification import verify_ledger
from tests.donations.finance import (
    approve,
    approved,
    ensure_vocabulary,
    eur,
    finance_team,
    posted,
    record,
    refund,
    sell,
)
from tests.donations.tampering import tamper


@pytest.fixture
def team(books):
    ensure_vocabulary()
    return finance_team()


def funding(disbursement) -> list[tuple[str, int, bool]]:
    return [(share.order_number, share.amount.minor, share.earmarked) for share in disbursement_funding(disbursement)]


def problems() -> list[str]:
    return [str(problem) for problem in verify_allocations()]


# --- Oldest first, and the two questions ------------------------------------------


def test_a_disbursement_draws_on_the_oldest_unspent_proceeds_first(team):
    sell("100001", 1000, day=1)
    sell("100002", 2000, day=2)
    sell("100003", 3000, day=3)
    first = posted(team, amount="25.00")
    assert funding(first) == [("100001", 1000, False), ("100002", 1500, False)]
    second = posted(team, amount="10.00")
    assert funding(second) == [("100002", 500, False), ("100003", 500, False)]
    assert unallocated_balance() == eur(2500) == -ledger.account_balance("aid-fund", "EUR")
    assert [(b.order_number, b.unallocated.minor) for b in unallocated_proceeds()] == [("100003", 2500)]
    assert [(f.disbursement, f.amount) for f in order_funding("100002")] == [(first, eur(1500)), (second, eur(500))]
    assert order_funding("100003")[0].amount == eur(500)
    assert order_funding("999999") == []
    assert problems() == []


def test_earmarked_proceeds_are_used_first_then_the_oldest(team):
    sell("100001", 1000, day=1)
    sell("100002", 1000, day=2)
    third = sell("100003", 3000, day=3)
    disbursement = record(team, amount="25.00")
    earmark_disbursement(disbursement=disbursement, proceeds_entry=third, amount=eur(2000), by=team.volunteer)
    approve(team, disbursement)
    disbursements.post_disbursement(disbursement=disbursement, by=team.approver)
    assert funding(disbursement) == [("100001", 500, False), ("100003", 2000, True)]
    assert AuditLogEntry.objects.filter(action="earmarked", disbursement=disbursement).exists()
    assert problems() == []


def test_an_earmark_and_the_oldest_first_pass_on_one_entry_make_one_row(team):
    first = sell("100001", 5000, day=1)
    disbursement = record(team, amount="40.00")
    earmark_disbursement(disbursement=disbursement, proceeds_entry=first, amount=eur(1000), by=team.volunteer)
    approve(team, disbursement)
    disbursements.post_disbursement(disbursement=disbursement, by=team.approver)
    assert list(Allocation.objects.values_list("amount_minor", "earmarked")) == [(4000, True)]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (eur(5001), "order 100001 (entry #1) has only 50.00 EUR unallocated; 50.01 EUR cannot be earmarked"),
        (eur(0), "positive amount"),
        (eur(-5), "positive amount"),
    ],
)
def test_an_earmark_must_fit_the_proceeds(team, amount, message):
    entry = sell("100001", 5000)
    disbursement = approved(team, amount="100.00")
    with pytest.raises(AllocationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        earmark_disbursement(disbursement=disbursement, proceeds_entry=entry, amount=amount, by=team.volunteer)
    assert not Earmark.objects.exists()


def test_earmarks_cannot_exceed_the_disbursement_or_point_elsewhere(team):
    first, second = sell("100001", 9000, day=1), sell("100002", 9000, day=2)
    disbursement = approved(team, amount="100.00")
    earmark_disbursement(disbursement=disbursement, proceeds_entry=first, amount=eur(6000), by=team.volunteer)
    with pytest.raises(AllocationError, match="Earmarks would total 110.00 EUR, more than the disbursement's 100.00"):
        earmark_disbursement(disbursement=disbursement, proceeds_entry=second, amount=eur(5000), by=team.volunteer)
    with pytest.raises(AllocationError, match="ledger currency EUR, not UAH"):
        earmark_disbursement(disbursement=disbursement, proceeds_entry=second,
                             amount=allocation.Money(100, "UAH"), by=team.volunteer)
    other = ledger.post_entry(kind="adjustment", effective_date=datetime.date(2025, 3, 1),
                              postings=[("bank", eur(100)), ("aid-fund", eur(-100))])
    with pytest.raises(AllocationError, match="is not an order's proceeds"):
        earmark_disbursement(disbursement=disbursement, proceeds_entry=other, amount=eur(100), by=team.volunteer)
    # Replacing an earmark on the same proceeds is fine; removing one is logged.
    earmark = earmark_disbursement(disbursement=disbursement, proceeds_entry=first, amount=eur(7000),
                                   by=team.volunteer)
    assert Earmark.objects.get().amount_minor == 7000
    remove_earmark(earmark=earmark, by=team.volunteer)
    assert not Earmark.objects.exists()
    assert AuditLogEntry.objects.filter(action="earmark_removed").count() == 1


def test_an_earmark_overtaken_by_another_disbursement_stops_the_posting(team):
    entry = sell("100001", 5000, day=1)
    sell("100002", 9000, day=2)
    later = record(team, amount="40.00")
    earmark_disbursement(disbursement=later, proceeds_entry=entry, amount=eur(4000), by=team.volunteer)
    approve(team, later)
    posted(team, amount="30.00")  # Takes 30.00 of order 100001, oldest first.
    with pytest.raises(AllocationError, match="order 100001 \\(entry #1\\) has 20.00 EUR unallocated, but 40.00 EUR"):
        disbursements.post_disbursement(disbursement=later, by=team.approver)
    later.refresh_from_db()
    assert later.status == "approved" and not later.allocations.exists()


def test_the_shortfall_is_named(team):
    sell("100001", 1000)
    sell("100002", 500)
    disbursement = approved(team, amount="20.00")
    with pytest.raises(InsufficientProceeds, match="needs 20.00 EUR, 15.00 EUR is available, 5.00 EUR short"):
        disbursements.post_disbursement(disbursement=disbursement, by=team.approver)


def test_a_posted_disbursement_cannot_be_earmarked(team):
    entry = sell("100001", 9000)
    disbursement = posted(team, amount="10.00")
    with pytest.raises(AllocationError, match="is posted: only one not yet posted or rejected can be earmarked"):
        earmark_disbursement(disbursement=disbursement, proceeds_entry=entry, amount=eur(100), by=team.volunteer)


# --- Net proceeds: refunds and reversals --------------------------------------------


def test_refunds_late_fees_and_reversals_reduce_an_orders_net_proceeds(team):
    first, second, third = sell("100001", 3000), sell("100002", 2000), sell("100003", 1000)
    refund("100001", 500, number=1)
    refund("100001", 700, number=2)
    reversed_refund = refund("100002", 2000)
    ledger.reverse_entry(reversed_refund, memo="refund failed", effective_date=datetime.date(2025, 3, 21))
    ledger.reverse_entry(third, memo="order cancelled", effective_date=datetime.date(2025, 3, 21))
    # Stripe's fee reported after the payment, as donations.proceeds posts it.
    ledger.post_entry(kind="adjustment", effective_date=datetime.date(2025, 2, 2), idempotency_key="order-fee:100002",
                      postings=[("stripe-fees", eur(90)), ("stripe-balance", eur(-90)), ("aid-fund", eur(90)),
                                ("merch-sales", eur(-90))])
    assert net_proceeds_by_entry("EUR") == {first.pk: 1800, second.pk: 1910, third.pk: 0}
    assert unallocated_balance() == eur(3710) == -ledger.account_balance("aid-fund", "EUR")
    assert net_proceeds_by_entry("EUR", entry_ids=[first.pk]) == {first.pk: 1800}
    assert problems() == []


def test_a_refund_of_spent_proceeds_moves_the_funding_to_other_proceeds(team):
    sell("100001", 3000, day=1)
    sell("100002", 4000, day=2)
    disbursement = posted(team, amount="30.00")
    assert funding(disbursement) == [("100001", 3000, False)]
    refund("100001", 1000)
    assert problems() == [
        "entry #1: 30.00 EUR of its proceeds is allocated, but its net proceeds are 20.00 EUR (a refund awaits "
        "reallocate_refunded_proceeds, or the aid fund is overdrawn)"
    ]
    assert reallocate_refunded_proceeds(by=team.approver) == eur(0)
    assert funding(disbursement) == [("100001", 2000, False), ("100002", 1000, False)]
    assert list(Allocation.objects.values_list("kind", "amount_minor")) == [
        ("allocated", 3000), ("released", -1000), ("reallocated", 1000),
    ]
    assert problems() == []
    assert unallocated_balance() == eur(3000) == -ledger.account_balance("aid-fund", "EUR")
    assert AuditLogEntry.objects.filter(action="reallocated", disbursement=disbursement).count() == 1
    assert reallocate_refunded_proceeds() == eur(0)  # Nothing left to move: no new rows.
    assert Allocation.objects.count() == 3


def test_a_refund_that_overdraws_the_aid_fund_is_reported_until_proceeds_arrive(team):
    sell("100001", 3000)
    posted(team, amount="30.00")
    refund("100001", 1000)
    assert reallocate_refunded_proceeds() == eur(1000)
    assert len(problems()) == 1
    sell("100002", 5000)
    assert reallocate_refunded_proceeds() == eur(0)
    assert problems() == []


def test_a_refund_that_names_no_order_is_reported(team):
    sell("100001", 3000)
    ledger.post_entry(kind="refund", effective_date=datetime.date(2025, 3, 2), idempotency_key="order-refund:424242",
                      postings=[("aid-fund", eur(100)), ("stripe-balance", eur(-100))])
    assert problems() == ["entry #2: takes proceeds back from the aid fund for an order that has no proceeds entry"]


# --- Verification catches rows changed behind the services' back ------------------------


def test_verify_allocations_catches_tampered_allocations(team):
    sell("100001", 5000)
    disbursement = posted(team, amount="30.00")
    assert problems() == []
    tamper(Allocation.objects.all(), amount_minor=3500)
    assert problems() == [
        f"entry #2: disbursement {disbursement.pk} is 30.00 EUR in the ledger, but 35.00 EUR is allocated to it"
    ]


def test_verify_allocations_catches_a_disbursement_whose_entry_was_reversed(team):
    sell("100001", 5000)
    disbursement = posted(team, amount="30.00")
    ledger.reverse_entry(disbursement.posted_entry, memo="wrong", effective_date=datetime.date(2025, 3, 30))
    assert problems() == [
        f"entry #2: disbursement {disbursement.pk}'s entry was reversed, but its allocations still stand"
    ]


@pytest.mark.postgres
def test_postgresql_refuses_over_allocation_at_commit(team):
    entry = sell("100001", 5000)
    disbursement = posted(team, amount="30.00")
    with pytest.raises(IntegrityError, match="credited 5000 EUR to the aid fund, but 8000 is allocated"):
        with transaction.atomic():
            Allocation.objects.create(disbursement=disbursement, proceeds_entry=entry, amount_minor=5000,
                                      currency="EUR", kind="reallocated")
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.postgres
def test_postgresql_refuses_allocations_that_do_not_sum_to_the_disbursement(team):
    sell("100001", 5000)
    second = sell("100002", 5000)
    disbursement = posted(team, amount="30.00")
    with pytest.raises(IntegrityError, match="is 3000 EUR in the ledger, but its allocations sum to 4000"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO donations_allocation (disbursement_id, proceeds_entry_id, amount_minor, currency, kind,"
                " earmarked, created_at) VALUES (%s, %s, 1000, 'EUR', 'reallocated', false, now())",
                [disbursement.pk, second.pk],
            )
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.postgres
def test_postgresql_refuses_allocating_a_disbursement_that_is_not_posted(team):
    entry = sell("100001", 5000)
    disbursement = approved(team, amount="30.00")
    with pytest.raises(IntegrityError, match="which is not posted"):
        with transaction.atomic():
            Allocation.objects.create(disbursement=disbursement, proceeds_entry=entry, amount_minor=3000,
                                      currency="EUR")
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


# --- Query counts that do not grow with the ledger -------------------------------------


def test_the_questions_take_a_fixed_number_of_queries(team, django_assert_num_queries):
    for number in range(5):
        sell(f"10000{number}", 1000, day=number + 1)
    disbursement = posted(team, amount="35.00")
    refund("100004", 100)
    with django_assert_num_queries(1):
        assert len(disbursement_funding(disbursement)) == 4
    with django_assert_num_queries(3):
        assert len(order_funding("100001")) == 1
    with django_assert_num_queries(6):
        assert unallocated_balance() == eur(1400)
    with django_assert_num_queries(7):
        assert len(proceeds_balances()) == 5
    for number in range(5, 15):
        sell(f"1000{number:02d}", 1000, day=number + 1)
    with django_assert_num_queries(7):
        assert len(proceeds_balances()) == 15


# --- The property: random proceeds, refunds, disbursements and earmarks ----------------


steps = st.lists(
    st.one_of(
        st.tuples(st.just("sell"), st.integers(1, 50_000)),
        # Refund the n-th order (counted from the oldest, which disbursements spend first) by a percentage.
        st.tuples(st.just("refund"), st.integers(0, 3), st.integers(1, 100)),
        st.tuples(st.just("disburse"), st.integers(1, 40_000), st.booleans(), st.none() | st.integers(0, 30)),
        # Reverse the n-th posted disbursement (a correction): its funding must come back.
        st.tuples(st.just("reverse"), st.integers(0, 5)),
    ),
    min_size=1,
    max_size=14,
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
# Spent proceeds refunded: the funding must move (random runs reach this less often than it matters).
@example(steps=[("sell", 100), ("sell", 100), ("disburse", 150, True, None), ("refund", 0, 50)])
@example(
    steps=[("sell", 100), ("sell", 300), ("disburse", 150, False, 1), ("refund", 1, 60), ("disburse", 60, True, 0)]
)
def test_allocations_never_exceed_either_side_whatever_happens(team, steps):
    """After every step, with N = Σ net proceeds, A = Σ allocations, D = Σ posted disbursements:

    - every proceeds entry: 0 ≤ allocated ≤ net;
    - every posted disbursement: allocated = its ledger amount; nothing else is allocated; so A = D;
    - unallocated balance = N − A = −(aid-fund balance), since only proceeds, refunds and
      disbursements touch the aid fund here;
    - a disbursement posts exactly when the unallocated balance (and its earmark) covers it;
    - verify_allocations and verify_ledger find nothing.
    """
    with transaction.atomic():  # Each example starts from empty books.
        orders: list[JournalEntry] = []
        for step in steps:
            run_step(team, step, orders)
            check_invariants()
        check_tampering_is_caught()
        transaction.set_rollback(True)


def check_tampering_is_caught() -> None:
    """One allocation rewritten behind the services' back: the checks name it."""
    row = Allocation.objects.filter(amount_minor__gt=1).order_by("id").first()
    if row is None:
        return
    tamper(Allocation.objects.filter(pk=row.pk), amount_minor=row.amount_minor - 1)
    assert verify_allocations() != []
    assert not verify_ledger().ok


def run_step(team, step, orders) -> None:
    if step[0] == "sell":
        orders.append(sell(f"{200000 + len(orders)}", step[1], day=1 + len(orders) % 28))
    elif step[0] == "refund":
        if not orders:
            return
        entry = orders[step[1] % len(orders)]
        net = net_proceeds_by_entry("EUR", entry_ids=[entry.pk]).get(entry.pk, 0)
        amount = net * step[2] // 100
        # A refund the fund cannot cover would overdraw it: tested on its own above.
        if amount <= 0 or amount > unallocated_balance().minor:
            return
        number = JournalEntry.objects.filter(kind="refund").count() + 1
        refund(entry.idempotency_key.split(":")[1], amount, number=number)
        assert reallocate_refunded_proceeds() == eur(0)
    elif step[0] == "reverse":
        posted = list(Disbursement.objects.filter(status="posted").order_by("id"))
        if posted:
            disbursements.reverse_disbursement(
                disbursement=posted[step[1] % len(posted)], by=team.approver, reason="corrected"
            )
    else:
        _kind, minor, is_case, earmark_index = step
        disbursement = record(team, amount=eur(minor), concerns_case=is_case)
        fits = minor <= unallocated_balance().minor
        if earmark_index is not None and orders:
            entry = orders[earmark_index % len(orders)]
            balance = next(iter(proceeds_balances(entry_ids=[entry.pk])))
            want = min(balance.available, minor)
            if want:
                earmark_disbursement(disbursement=disbursement, proceeds_entry=entry, amount=eur(want),
                                     by=team.volunteer)
        approve(team, disbursement)
        try:
            disbursements.post_disbursement(disbursement=disbursement, by=team.approver)
        except InsufficientProceeds:
            assert not fits
        else:
            assert fits


def check_invariants() -> None:
    for balance in proceeds_balances():
        assert 0 <= balance.allocated.minor <= balance.net.minor, balance
    allocated_total = 0
    for disbursement in Disbursement.objects.all():
        total = sum(disbursement.allocations.values_list("amount_minor", flat=True))
        expected = disbursement.ledger_amount_minor if disbursement.status == "posted" else 0
        assert total == expected
        allocated_total += total
    net_total = sum(net_proceeds_by_entry("EUR").values())
    assert unallocated_balance() == eur(net_total - allocated_total) == -ledger.account_balance("aid-fund", "EUR")
    assert verify_allocations() == []
    assert verify_ledger().ok


def test_a_validation_error_from_allocation_is_a_django_validation_error():
    """Forms and the CSV importer catch one exception type for every refusal."""
    assert issubclass(InsufficientProceeds, ValidationError) and issubclass(AllocationError, ValidationError)
