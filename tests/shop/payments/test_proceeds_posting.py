"""A real Oscar order, as the shop places it, into the books: merch and gifts apart, costs, Stripe's fee."""

import datetime
import json
import logging
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.apps.shipping.methods import FixedPrice
from oscar.core.loading import get_class, get_model
from oscar.test.factories import create_offer, create_order

from donations import ledger
from donations.models import JournalEntry
from donations.money import Money
from donations.proceeds import InvalidProceeds, proceeds_balance
from shop.partner.strategy import CampaignStrategy
from shop.payments.models import PaymentAttempt
from shop.payments.proceeds import order_proceeds, post_proceeds_for_order, post_refund_for_order
from tests import factories

Applicator = get_class("offer.applicator", "Applicator")
Basket = get_model("basket", "Basket")
Option = get_model("catalogue", "Option")
ShippingAddress = get_model("order", "ShippingAddress")

pytestmark = pytest.mark.django_db


def eur(minor):
    return Money(minor, "EUR")


@pytest.fixture(autouse=True)
def books(db):
    """The chart of accounts, whatever an earlier flush left of the migrations' copy."""
    ledger.open_accounts()


def place_order(*, merch=(), gifts=(), shipping="6.00", number=None, offer=False, **kwargs):
    """An order placed through Oscar's OrderCreator from a basket priced by the shop's strategy (EUR)."""
    basket = Basket.objects.create()
    basket.strategy = CampaignStrategy()
    for product, quantity in merch:
        basket.add_product(product, quantity)
    if gifts:
        option = Option.objects.get(code="donation-amount")
        donation = factories.Product.objects.get(upc="DONATION")
        for amount in gifts:
            basket.add_product(donation, 1, [{"option": option, "value": Decimal(amount)}])
    if offer:
        create_offer()
        Applicator().apply(basket)
    charge = Decimal(shipping)
    number = number or str(100000 + basket.id)
    return create_order(number=number, basket=basket, shipping_method=FixedPrice(charge, charge), **kwargs)


def paid_attempt(order, *, fee=None, fee_currency="EUR"):
    return PaymentAttempt.objects.create(
        order_number=order.number, basket=order.basket, email="olena@example.com", currency=order.currency,
        total_minor=Money.from_decimal(order.total_incl_tax, order.currency).minor,
        idempotency_key=f"checkout-{uuid.uuid4().hex}", status=PaymentAttempt.Status.PAID, order=order,
        fee_minor=fee, net_minor=None if fee is None else 0, fee_currency=fee_currency if fee is not None else "",
    )


def balance(code):
    return ledger.account_balance(code, "EUR").minor


@pytest.fixture
def logged():
    """What shop.payments.proceeds logs (pytest's caplog is off when run with ``-p no:logging``)."""
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: records.append(record.getMessage())
    module_logger = logging.getLogger("shop.payments.proceeds")
    module_logger.addHandler(handler)
    yield records
    module_logger.removeHandler(handler)


@pytest.fixture
def poster():
    return factories.ProductFactory(stock={"price": Decimal("29.00"), "cost_price": Decimal("9.50")})


def test_a_merch_order_becomes_gross_costs_and_net(poster):
    order = place_order(merch=[(poster, 2)])
    proceeds = order_proceeds(order)
    assert order.currency == "EUR"
    assert (proceeds.merch_gross, proceeds.donation_gross, proceeds.shipping_charged) == (eur(5800), eur(0), eur(600))
    assert proceeds.cost_of_goods == eur(1900)
    assert proceeds.shipping_cost == eur(600)  # the charge is the estimate until real costs are known
    assert proceeds.stripe_fee is None  # no payment attempt: nothing known of Stripe
    assert proceeds.paid_on == timezone.localdate(order.date_placed)


def test_a_gift_beside_merch_is_counted_apart_and_costs_nothing(poster, donation, tshirt):
    _parent, (size_m, *_others) = tshirt
    order = place_order(merch=[(poster, 1), (size_m, 1)], gifts=["25.00", "12.34"])
    paid_attempt(order, fee=179)
    proceeds = order_proceeds(order)
    assert proceeds.merch_gross == eur(2900 + 2900)  # a variant's class is its parent's: merch
    assert proceeds.donation_gross == eur(3734)
    assert proceeds.cost_of_goods == eur(950 + 950)
    entry = post_proceeds_for_order(order)
    details = json.loads(entry.public_leaf)["details"]
    assert details["donation_gross"] == 3734
    # 1.79 over 64.00 merch and shipping and 37.34 of gifts: 113.04 and 65.96, the spare cent to the larger remainder
    assert (details["donation_fee"], details["donation_net"]) == (66, 3734 - 66)
    assert balance("donations") == -3734 and balance("merch-sales") == -(5800 + 600)
    assert balance("aid-fund") == -(5800 + 600 + 3734 - 179 - 1900 - 600)


def test_reading_an_order_takes_three_queries_whatever_its_lines(poster, donation, tshirt, django_assert_num_queries):
    _parent, sizes = tshirt
    order = place_order(merch=[(poster, 1), (sizes[0], 2), (sizes[1], 1)], gifts=["10.00", "20.00"])
    paid_attempt(order, fee=150)
    with django_assert_num_queries(3):  # lines with products, classes and stock records; surcharges; attempt
        order_proceeds(order)


def test_prices_after_discounts_are_what_is_posted(poster):
    order = place_order(merch=[(poster, 1)], offer=True)  # Oscar's test offer: 20 % off everything
    proceeds = order_proceeds(order)
    assert proceeds.merch_gross == eur(2320)
    assert proceeds.gross == Money.from_decimal(order.total_incl_tax, "EUR")


def test_the_fee_from_the_payment_attempt_is_posted_with_the_order(poster):
    order = place_order(merch=[(poster, 1)])
    paid_attempt(order, fee=123)
    entry = post_proceeds_for_order(order)
    assert entry.idempotency_key == f"order-proceeds:{order.number}"
    assert balance("stripe-fees") == 123 and balance("stripe-balance") == 3500 - 123
    assert balance("aid-fund") == -(3500 - 123 - 950 - 600)
    assert post_proceeds_for_order(order) == entry
    assert JournalEntry.objects.count() == 1


def test_a_fee_stored_after_the_order_is_posted_as_its_adjustment(poster):
    """Posted at payment without the fee; charge.updated stores it and the same call posts it, once."""
    order = place_order(merch=[(poster, 1)])
    attempt = paid_attempt(order)
    first = post_proceeds_for_order(order)
    assert json.loads(first.public_leaf)["details"]["fee_pending"] is True
    assert balance("aid-fund") == -(3500 - 950 - 600)

    attempt.fee_minor, attempt.net_minor, attempt.fee_currency = 123, 3377, "EUR"
    attempt.save()
    assert post_proceeds_for_order(order) == first
    assert post_proceeds_for_order(order) == first
    assert JournalEntry.objects.filter(kind="adjustment").count() == 1
    assert balance("aid-fund") == -(3500 - 123 - 950 - 600)
    assert not proceeds_balance(order.number).fee_pending


def test_a_cost_price_edited_after_payment_does_not_block_the_late_fee(poster):
    order = place_order(merch=[(poster, 1)])
    attempt = paid_attempt(order)
    post_proceeds_for_order(order)
    poster.stockrecords.update(cost_price=Decimal("11.00"))
    attempt.fee_minor, attempt.fee_currency = 123, "EUR"
    attempt.save()
    post_proceeds_for_order(order)
    assert balance("cost-of-merch") == 950  # as when the order was paid
    assert balance("stripe-fees") == 123


def test_a_fee_in_another_currency_is_left_for_finance(poster, logged):
    order = place_order(merch=[(poster, 1)])
    paid_attempt(order, fee=140, fee_currency="USD")
    post_proceeds_for_order(order)
    assert logged == [f"Order {order.number} was paid in EUR but Stripe's fee is in USD: fee left for finance to post"]
    assert proceeds_balance(order.number).fee_pending
    assert balance("stripe-fees") == 0


def test_a_line_without_cost_price_costs_nothing_and_says_so(logged):
    product = factories.ProductFactory(stock={"price": Decimal("15.00"), "cost_price": None})
    order = place_order(merch=[(product, 1)])
    assert order_proceeds(order).cost_of_goods == eur(0)
    assert len(logged) == 1 and "has no cost price; cost of goods taken as zero" in logged[0]


def test_an_order_that_does_not_match_its_payment_is_not_posted(poster):
    order = place_order(merch=[(poster, 1)])
    attempt = paid_attempt(order)
    PaymentAttempt.objects.filter(pk=attempt.pk).update(total_minor=3400)
    with pytest.raises(InvalidProceeds, match="but Stripe was asked for 34.00 EUR"):
        post_proceeds_for_order(order)
    assert not JournalEntry.objects.exists()


def test_no_customer_data_reaches_the_books(poster, ukraine):
    address = ShippingAddress.objects.create(
        first_name="Olena", last_name="Kovalenko", line1="vul. Khreshchatyk 1", line4="Kyiv", postcode="01001",
        country=ukraine,
    )
    order = place_order(merch=[(poster, 1)], shipping_address=address, guest_email="olena@example.com")
    paid_attempt(order, fee=100)
    entry = post_proceeds_for_order(order)
    post_refund_for_order(order, refund_id="re_1", refunded=eur(1000), refunded_on=datetime.date(2025, 3, 2))
    for stored in JournalEntry.objects.values_list("public_leaf", "memo"):
        for private in ("Olena", "Kovalenko", "Khreshchatyk", "Kyiv", "01001", "example.com"):
            assert private not in "".join(stored)
    assert json.loads(entry.public_leaf)["details"]["order"] == order.number


def test_a_refund_of_an_order_never_posted_posts_its_proceeds_first(poster):
    order = place_order(merch=[(poster, 2)])
    paid_attempt(order, fee=200)
    refund = post_refund_for_order(order, refund_id="re_1", refunded=eur(2900), refunded_on=datetime.date.today())
    assert JournalEntry.objects.filter(kind="order_proceeds").count() == 1
    assert refund.kind == "refund"
    assert proceeds_balance(order.number).unrefunded == eur(6400 - 2900)
    assert post_refund_for_order(
        order, refund_id="re_1", refunded=eur(2900), refunded_on=datetime.date.today()
    ) == refund
