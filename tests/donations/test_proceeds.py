"""Proceeds posting: one balanced entry per paid order, refunds in proportion, a late fee once."""

import datetime
import json
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from donations import ledger
from donations.allocation import disbursement_funding, unallocated_balance, verify_allocations
from donations.ledger import IdempotencyConflict
from donations.models import JournalEntry, Posting
from donations.money import Money
from donations.proceeds import (
    ForeignCurrencyFee,
    InvalidProceeds,
    OrderProceeds,
    OverRefund,
    ProceedsNotPosted,
    post_late_stripe_fee,
    post_order_proceeds,
    post_order_refund,
    proceeds_balance,
    split_in_proportion,
)
from donations.verification import verify_ledger
from tests.donations.conftest import eur
from tests.donations.finance import ensure_vocabulary, finance_team, posted

PAID = datetime.date(2025, 3, 14)
REFUNDED = datetime.date(2025, 3, 20)
# Every account an order touches, and the ones whose sum must stay zero: the campaign keeps no profit.
PROFIT_AND_LOSS = ("merch-sales", "donations", "stripe-fees", "cost-of-merch", "fulfilment-and-shipping",
                   "proceeds-to-aid")


def order(number="100001", *, merch=5800, shipping=600, donation=0, fee=200, cost=1900, shipping_cost=None,
          currency="EUR", paid_on=PAID):
    def money(minor):
        return Money(minor, currency)

    return OrderProceeds(
        order_number=number, paid_on=paid_on, currency=currency, merch_gross=money(merch),
        donation_gross=money(donation), shipping_charged=money(shipping),
        stripe_fee=None if fee is None else money(fee), cost_of_goods=money(cost),
        shipping_cost=money(shipping if shipping_cost is None else shipping_cost),
    )


def balance(code, currency="EUR"):
    return ledger.account_balance(code, currency).minor


def balances(*codes):
    return {code: balance(code) for code in codes}


def details(entry):
    return json.loads(entry.public_leaf)["details"]


def assert_profit_and_loss_closed(currency="EUR"):
    assert sum(balance(code, currency) for code in PROFIT_AND_LOSS) == 0


# --- One order --------------------------------------------------------------


def test_a_merch_order_credits_its_net_to_the_aid_fund(books):
    """Gross in, fee and costs out: the aid fund holds exactly the net, and every amount is where it belongs."""
    entry = post_order_proceeds(order(merch=5800, shipping=600, fee=200, cost=1900))
    net = 5800 + 600 - 200 - 1900 - 600
    assert entry.kind == "order_proceeds" and entry.idempotency_key == "order-proceeds:100001"
    assert balances("stripe-balance", "stripe-fees", "merch-sales", "donations", "cost-of-merch",
                    "fulfilment-and-shipping", "costs-payable", "proceeds-to-aid", "aid-fund") == {
        "stripe-balance": 6200, "stripe-fees": 200, "merch-sales": -6400, "donations": 0, "cost-of-merch": 1900,
        "fulfilment-and-shipping": 600, "costs-payable": -2500, "proceeds-to-aid": net, "aid-fund": -net,
    }
    assert sum(minor for minor in Posting.objects.values_list("amount_minor", flat=True)) == 0
    assert_profit_and_loss_closed()
    assert details(entry) == {
        "order": "100001", "merch_gross": 5800, "shipping_charged": 600, "donation_gross": 0, "donation_fee": 0,
        "merch_net": net, "donation_net": 0, "fee_pending": False,
    }


def test_a_donation_only_order_goes_to_aid_whole_less_the_fee(books):
    entry = post_order_proceeds(order(merch=0, shipping=0, donation=2500, fee=63, cost=0))
    assert balance("aid-fund") == -(2500 - 63)
    assert balance("donations") == -2500
    assert balance("merch-sales") == 0
    assert balance("stripe-balance") == 2500 - 63
    codes = {code for code, _money in ledger.entry_postings(entry)}
    assert codes == {"stripe-balance", "stripe-fees", "donations", "proceeds-to-aid", "aid-fund"}  # no zero lines
    assert details(entry)["donation_fee"] == 63 and details(entry)["donation_net"] == 2437
    assert details(entry)["merch_net"] == 0


@pytest.mark.parametrize(
    ("merch", "shipping", "donation", "fee", "donation_fee"),
    [
        (2900, 600, 3500, 100, 50),  # half each
        (1000, 0, 2000, 100, 67),  # 33.3 / 66.7: the larger remainder gets the cent
        (1000, 0, 1000, 1, 0),  # equal remainders: the unit goes to the first share, merch's
        (333, 0, 667, 7, 5),
        (1, 0, 999999, 29999, 29999),
        (0, 0, 100, 3, 3),
    ],
)
def test_a_mixed_order_splits_the_fee_exactly(books, merch, shipping, donation, fee, donation_fee):
    """The donation bears its share of the fee, merch (with shipping) the rest; the shares sum to the fee."""
    proceeds = order(merch=merch, shipping=shipping, donation=donation, fee=fee, cost=0)
    assert proceeds.donation_fee.minor == donation_fee
    entry = post_order_proceeds(proceeds)
    d = details(entry)
    merch_fee = fee - d["donation_fee"]
    assert d["donation_net"] == donation - donation_fee
    assert d["merch_net"] == merch + shipping - merch_fee - shipping
    assert d["merch_net"] + d["donation_net"] == -balance("aid-fund")
    assert balance("stripe-fees") == fee
    assert balance("merch-sales") == -(merch + shipping) and balance("donations") == -donation


def test_merch_sold_at_a_loss_draws_on_the_aid_fund(books):
    """Costs above the price are shown, not hidden: the order takes from the aid fund."""
    post_order_proceeds(order(merch=1000, shipping=0, fee=50, cost=1200))
    assert balance("aid-fund") == 250
    assert balance("proceeds-to-aid") == -250
    assert_profit_and_loss_closed()


def test_the_public_leaf_names_the_order_and_amounts_and_nothing_private(books):
    entry = post_order_proceeds(order())
    leaf = json.loads(entry.public_leaf)
    assert leaf["date"] == "2025-03-14" and leaf["details"]["order"] == "100001"
    assert "Order 100001" == entry.memo and "Order 100001" not in entry.public_leaf
    assert set(leaf) == {"sequence", "date", "kind", "postings", "reverses", "details"}
    assert not entry.concerns_case


# --- Retries ----------------------------------------------------------------


def test_posting_the_same_order_again_changes_nothing(books):
    first = post_order_proceeds(order())
    before = ledger.trial_balance()
    assert post_order_proceeds(order()) == first
    assert post_order_proceeds(order()) == first
    assert JournalEntry.objects.count() == 1
    assert ledger.trial_balance() == before


def test_a_retry_that_contradicts_the_posted_order_is_refused(books):
    post_order_proceeds(order(merch=5800))
    with pytest.raises(IdempotencyConflict, match="posted as entry #1 with other amounts paid"):
        post_order_proceeds(order(merch=5900))
    with pytest.raises(IdempotencyConflict, match="already has a Stripe fee of 2.00 EUR"):
        post_order_proceeds(order(fee=300))
    with pytest.raises(IdempotencyConflict):
        post_order_proceeds(order(currency="PLN"))
    assert JournalEntry.objects.count() == 1


def test_the_first_posting_is_the_record_of_the_costs(books):
    """A cost price edited after the order changes later orders; a retry (with its late fee) still goes in."""
    first = post_order_proceeds(order(cost=1900, fee=None))
    assert post_order_proceeds(order(cost=2100, fee=200)) == first
    assert balance("cost-of-merch") == 1900
    assert balance("stripe-fees") == 200


def test_a_retry_without_the_fee_returns_the_entry_that_has_it(books):
    first = post_order_proceeds(order(fee=200))
    assert post_order_proceeds(order(fee=None)) == first
    assert JournalEntry.objects.count() == 1


# --- A fee that arrives late -------------------------------------------------


def test_a_late_fee_is_posted_once_as_an_adjustment(books):
    """Posted while Stripe has not said its fee: gross less costs to aid; the fee then moves out of aid."""
    proceeds_entry = post_order_proceeds(order(merch=2900, shipping=600, donation=2000, fee=None, cost=950))
    assert details(proceeds_entry)["fee_pending"] is True
    assert balance("aid-fund") == -(2900 + 2000 - 950)
    assert balance("stripe-balance") == 5500

    fee_entry = post_late_stripe_fee("100001", eur(120))
    assert fee_entry.kind == "adjustment" and fee_entry.effective_date == PAID
    assert balance("aid-fund") == -(2900 + 2000 - 950 - 120)
    assert balance("stripe-balance") == 5500 - 120 and balance("stripe-fees") == 120
    d = details(fee_entry)
    assert d["donation_fee"] == 44 and d["donation_net"] == -44 and d["merch_net"] == -76
    assert_profit_and_loss_closed()

    assert post_late_stripe_fee("100001", eur(120)) == fee_entry
    assert post_order_proceeds(order(merch=2900, shipping=600, donation=2000, fee=120, cost=950)) == proceeds_entry
    assert JournalEntry.objects.count() == 2
    with pytest.raises(IdempotencyConflict, match="already has a Stripe fee of 1.20 EUR"):
        post_late_stripe_fee("100001", eur(121))
    balance_now = proceeds_balance("100001")
    assert balance_now.stripe_fee == eur(120) and not balance_now.fee_pending
    assert balance_now.net_to_aid == eur(2900 + 2000 - 950 - 120)


def test_a_retry_that_now_knows_the_fee_posts_it(books):
    """The order posted without its fee; the next call (after charge.updated) carries it and posts the adjustment."""
    first = post_order_proceeds(order(fee=None))
    assert post_order_proceeds(order(fee=200)) == first
    assert post_order_proceeds(order(fee=200)) == first
    assert JournalEntry.objects.filter(kind="adjustment").count() == 1
    assert balance("stripe-fees") == 200


def test_a_fee_already_in_the_proceeds_is_not_posted_twice(books):
    entry = post_order_proceeds(order(fee=200))
    assert post_late_stripe_fee("100001", eur(200)) == entry
    assert JournalEntry.objects.count() == 1


def test_a_fee_in_another_currency_is_refused(books):
    with pytest.raises(ForeignCurrencyFee, match="paid in EUR but Stripe's fee is in USD"):
        OrderProceeds(**{**order().__dict__, "stripe_fee": Money(200, "USD")})
    post_order_proceeds(order(fee=None))
    with pytest.raises(ForeignCurrencyFee):
        post_late_stripe_fee("100001", Money(200, "USD"))
    assert proceeds_balance("100001").fee_pending


def test_a_fee_for_an_order_never_posted_is_refused(books):
    with pytest.raises(ProceedsNotPosted, match="Order 999 has no proceeds"):
        post_late_stripe_fee("999", eur(10))


# --- Refunds ----------------------------------------------------------------


def test_a_partial_refund_reverses_its_share_and_keeps_the_fee(books):
    post_order_proceeds(order(merch=5800, shipping=600, donation=3600, fee=250, cost=1900))
    refund = post_order_refund("100001", "re_1", eur(2500), REFUNDED)  # a quarter of 100.00
    assert refund.kind == "refund" and refund.effective_date == REFUNDED
    assert refund.idempotency_key == "order-refund:100001:re_1"  # donations.allocation reads the order from it
    d = details(refund)
    assert (d["merch_gross"], d["shipping_charged"], d["donation_gross"]) == (-1450, -150, -900)
    assert balance("merch-sales") == -(4350 + 450) and balance("donations") == -2700
    assert balance("cost-of-merch") == 1900 - 475 and balance("fulfilment-and-shipping") == 450
    assert balance("stripe-balance") == 10000 - 250 - 2500
    assert balance("stripe-fees") == 250  # Stripe keeps its fee
    assert balance("aid-fund") == -(10000 - 250 - 1900 - 600) + (2500 - 475 - 150)
    assert d["merch_net"] + d["donation_net"] == -(2500 - 475 - 150)
    assert_profit_and_loss_closed()


def test_refunds_that_add_up_to_the_order_reverse_it_exactly_but_the_fee(books):
    post_order_proceeds(order(merch=2900, shipping=700, donation=1333, fee=147, cost=951, shipping_cost=613))
    for index, amount in enumerate((1, 999, 1234, 33, 2666)):
        post_order_refund("100001", f"re_{index}", eur(amount), REFUNDED)
    assert proceeds_balance("100001").unrefunded == eur(0)
    for code in ("merch-sales", "donations", "cost-of-merch", "fulfilment-and-shipping", "costs-payable"):
        assert balance(code) == 0, code
    # What is left of the order in the books is Stripe's fee, borne by the aid fund.
    assert balance("stripe-fees") == 147 and balance("stripe-balance") == -147
    assert balance("aid-fund") == 147 and balance("proceeds-to-aid") == -147
    with pytest.raises(OverRefund, match="has 0.00 EUR left to refund"):
        post_order_refund("100001", "re_more", eur(1), REFUNDED)


def test_a_full_refund_at_once(books):
    post_order_proceeds(order(merch=0, shipping=0, donation=5000, fee=100, cost=0))
    post_order_refund("100001", "re_all", eur(5000), REFUNDED)
    assert balance("donations") == 0 and balance("aid-fund") == 100


def test_a_refund_over_what_is_left_is_refused_and_writes_nothing(books):
    post_order_proceeds(order(merch=2900, shipping=600, fee=100, cost=950))
    post_order_refund("100001", "re_1", eur(3000), REFUNDED)
    before = ledger.trial_balance()
    with pytest.raises(OverRefund, match=r"Order 100001 has 5.00 EUR left to refund \(of 35.00 EUR\); "
                                         r"a refund of 5.01 EUR is more"):
        post_order_refund("100001", "re_2", eur(501), REFUNDED)
    assert ledger.trial_balance() == before
    assert JournalEntry.objects.count() == 2
    post_order_refund("100001", "re_2", eur(500), REFUNDED)


def test_a_refund_retried_is_a_no_op_even_when_nothing_is_left(books):
    post_order_proceeds(order())
    refund = post_order_refund("100001", "re_1", eur(6400), REFUNDED)
    assert post_order_refund("100001", "re_1", eur(6400), REFUNDED) == refund
    assert JournalEntry.objects.count() == 2
    with pytest.raises(IdempotencyConflict, match="Refund re_1 was already posted"):
        post_order_refund("100001", "re_1", eur(100), REFUNDED)
    with pytest.raises(IdempotencyConflict):
        post_order_refund("100001", "re_1", eur(6400), REFUNDED + datetime.timedelta(days=1))


def test_a_refund_reversed_as_a_mistake_no_longer_counts(books):
    post_order_proceeds(order())
    refund = post_order_refund("100001", "re_1", eur(6400), REFUNDED)
    ledger.reverse_entry(refund, memo="posted against the wrong order", effective_date=REFUNDED)
    assert proceeds_balance("100001").unrefunded == eur(6400)
    post_order_refund("100001", "re_2", eur(6400), REFUNDED)
    assert balance("merch-sales") == 0


def test_refunds_of_other_orders_do_not_count(books):
    post_order_proceeds(order("1000"))
    post_order_proceeds(order("10001"))
    post_order_refund("10001", "re_1", eur(6400), REFUNDED)
    assert proceeds_balance("1000").unrefunded == eur(6400)
    assert proceeds_balance("10001").unrefunded == eur(0)


def test_a_refund_of_spent_proceeds_moves_their_funding_to_other_orders(books):
    """What a refund takes back from proceeds that already paid for aid is funded from other proceeds."""
    ensure_vocabulary()
    team = finance_team()
    post_order_proceeds(order("100001", merch=0, shipping=0, donation=3000, fee=0, cost=0))
    post_order_proceeds(order("100002", merch=0, shipping=0, donation=4000, fee=0, cost=0, paid_on=REFUNDED))
    disbursement = posted(team, amount="30.00")
    post_order_refund("100001", "re_1", eur(1000), REFUNDED)
    assert verify_allocations() == []
    assert [(f.order_number, f.amount.minor) for f in disbursement_funding(disbursement)] == [
        ("100001", 2000), ("100002", 1000),
    ]
    assert unallocated_balance() == eur(3000) == -ledger.account_balance("aid-fund", "EUR")


def test_a_late_fee_lowers_what_an_order_can_fund(books):
    """donations.allocation finds the late fee by its key and counts it against the order's net proceeds."""
    post_order_proceeds(order("100001", merch=0, shipping=0, donation=3000, fee=None, cost=0))
    post_late_stripe_fee("100001", eur(90))
    assert unallocated_balance() == eur(2910) == -ledger.account_balance("aid-fund", "EUR")


@pytest.mark.parametrize(
    ("order_number", "refund_id", "refunded", "message", "error"),
    [
        ("100001", "re_1", eur(0), "positive amount", InvalidProceeds),
        ("100001", "re_1", eur(-5), "positive amount", InvalidProceeds),
        ("100001", "", eur(5), "needs its id", InvalidProceeds),
        ("100001", "re_1", Money(5, "USD"), "paid in EUR, not USD", InvalidProceeds),
        ("100002", "re_1", eur(5), "Order 100002 has no proceeds", ProceedsNotPosted),
    ],
)
def test_bad_refunds_are_refused(books, order_number, refund_id, refunded, message, error):
    post_order_proceeds(order())
    with pytest.raises(error, match=message):
        post_order_refund(order_number, refund_id, refunded, REFUNDED)
    assert JournalEntry.objects.count() == 1


# --- What the shop may hand over --------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"merch_gross": eur(-1)}, "merch_gross cannot be negative"),
        ({"merch_gross": eur(0), "shipping_charged": eur(0), "donation_gross": eur(0)}, "nothing paid"),
        ({"stripe_fee": eur(7000)}, "more than order 100001's 64.00 EUR"),
        ({"cost_of_goods": Money(100, "PLN")}, "is in EUR, but cost_of_goods is 1.00 PLN"),
        ({"currency": "XYZ"}, "Unknown currency"),
        ({"order_number": " "}, "order number is needed"),
        ({"paid_on": datetime.datetime(2025, 3, 14, 12)}, "must be a date"),
        ({"shipping_cost": 600}, "must be Money"),
    ],
)
def test_impossible_proceeds_are_refused(changes, message):
    with pytest.raises(InvalidProceeds, match=message):
        OrderProceeds(**{**order().__dict__, **changes})


@given(total=st.integers(0, 10**9), weights=st.lists(st.integers(0, 10**9), min_size=1, max_size=5))
def test_shares_sum_exactly_and_stay_within_a_unit_of_their_quota(total, weights):
    if not any(weights):
        weights = [*weights[:-1], 1]
    shares = split_in_proportion(total, weights)
    assert sum(shares) == total
    whole = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        assert share * whole - total * weight > -whole and share * whole - total * weight < whole
        assert weight or share == 0


# --- Property: random orders, fees and refunds ------------------------------

order_specs = st.fixed_dictionaries({
    "merch": st.integers(0, 50000), "shipping": st.integers(0, 2000), "donation": st.integers(0, 50000),
    "cost": st.integers(0, 30000), "shipping_cost": st.integers(0, 3000),
    "fee_share": st.one_of(st.none(), st.integers(0, 100)),  # fee in % of gross; None: arrives late
}).map(lambda spec: {**spec, "donation": spec["donation"] or int(spec["merch"] + spec["shipping"] == 0)})

steps = st.tuples(
    st.lists(st.tuples(st.just("order"), order_specs), min_size=1, max_size=3),
    st.lists(st.one_of(
        st.tuples(st.just("order"), order_specs),
        st.tuples(st.just("retry"), st.integers(0, 20)),
        st.tuples(st.just("late_fee"), st.integers(0, 20), st.integers(0, 100)),
        st.tuples(st.just("refund"), st.integers(0, 20), st.integers(1, 110)),  # % of what is left, over 100: too much
        st.tuples(st.just("refund_retry"), st.integers(0, 40)),
    ), max_size=15),
).map(lambda parts: parts[0] + parts[1])


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_random_orders_and_refunds_keep_the_aid_fund_equal_to_net_proceeds(books, steps):
    """After every step: entries balance, aid fund = Σ net proceeds − Σ refunded net, verify_ledger passes."""
    with transaction.atomic():  # Each example starts from empty books: roll its rows back.
        run(steps)
        call_command("verify_ledger", verbosity=0)
        transaction.set_rollback(True)


def run(steps):
    orders: dict[str, dict] = {}
    refunds: list[tuple[str, str, Money]] = []
    numbers: list[str] = []
    for step in steps:
        if step[0] == "order":
            spec = step[1]
            number = f"{200000 + len(numbers)}"
            gross = spec["merch"] + spec["shipping"] + spec["donation"]
            fee = None if spec["fee_share"] is None else gross * spec["fee_share"] // 100
            proceeds = order(number, merch=spec["merch"], shipping=spec["shipping"], donation=spec["donation"],
                             fee=fee, cost=spec["cost"], shipping_cost=spec["shipping_cost"])
            post_order_proceeds(proceeds)
            numbers.append(number)
            orders[number] = {"proceeds": proceeds, "gross": gross, "fee": fee, "refunded": 0, "refunds": 0}
        elif not numbers:
            continue
        elif step[0] == "retry":
            post_order_proceeds(orders[numbers[step[1] % len(numbers)]]["proceeds"])
        elif step[0] == "late_fee":
            model = orders[numbers[step[1] % len(numbers)]]
            fee = model["gross"] * step[2] // 100
            number = model["proceeds"].order_number
            if model["fee"] is None:
                post_late_stripe_fee(number, eur(fee))
                model["fee"] = fee or None  # a zero fee posts nothing: the fee is still to come
            elif fee != model["fee"]:
                with pytest.raises(IdempotencyConflict):
                    post_late_stripe_fee(number, eur(fee))
        elif step[0] == "refund":
            number = numbers[step[1] % len(numbers)]
            model = orders[number]
            left = model["gross"] - model["refunded"]
            amount = max(1, left * step[2] // 100)
            refund_id = f"re_{len(refunds)}"
            if amount > left:
                with pytest.raises(OverRefund):
                    post_order_refund(number, refund_id, eur(amount), REFUNDED)
            else:
                post_order_refund(number, refund_id, eur(amount), REFUNDED)
                model["refunded"] += amount
                model["refunds"] += 1
                refunds.append((number, refund_id, eur(amount)))
        elif step[0] == "refund_retry" and refunds:
            number, refund_id, amount = refunds[step[1] % len(refunds)]
            post_order_refund(number, refund_id, amount, REFUNDED)
        check_books(orders)


def check_books(orders):
    report = verify_ledger()
    assert report.ok, report.problems  # every entry balances, leaves and running balances agree
    assert sum(minor for minor in Posting.objects.values_list("amount_minor", flat=True)) == 0
    assert_profit_and_loss_closed()
    fees = sum(model["fee"] or 0 for model in orders.values())
    assert balance("stripe-fees") == fees
    assert balance("stripe-balance") == sum(model["gross"] - model["refunded"] for model in orders.values()) - fees

    # aid fund = Σ net proceeds − Σ refunded net, entry by entry, as the public leaves say it.
    net_by_kind = defaultdict(int)
    for entry in JournalEntry.objects.all():
        d = details(entry)
        net_by_kind[entry.kind] += d["merch_net"] + d["donation_net"]
        assert d["merch_net"] + d["donation_net"] == -sum(
            money.minor for code, money in ledger.entry_postings(entry) if code == "aid-fund"
        )
    assert -balance("aid-fund") == net_by_kind["order_proceeds"] + net_by_kind["adjustment"] + net_by_kind["refund"]

    # And against a model that knows nothing of the code's rounding: what is refunded takes back its
    # proportion of the net before the fee (within a unit per refund), and the fee stays with the aid fund.
    for number, model in orders.items():
        p, gross, left = model["proceeds"], model["gross"], model["gross"] - model["refunded"]
        current = proceeds_balance(number)
        assert current.unrefunded.minor == left
        before_fee = gross - p.cost_of_goods.minor - p.shipping_cost.minor
        expected = before_fee * left / gross - (model["fee"] or 0)
        assert abs(current.net_to_aid.minor - expected) <= model["refunds"]
        if left == 0:
            assert current.net_to_aid.minor == -(model["fee"] or 0)
            assert current.cost_of_goods.minor == current.shipping_cost.minor == 0
