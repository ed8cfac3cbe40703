"""A paid Oscar order in the books: the shop's side of ``donations.proceeds``.

The books know money, not Oscar: this module reads the order and its payment
attempt and hands ``donations.proceeds`` plain Money.

When the fee is posted. ``post_proceeds_for_order`` posts as soon as the order
is paid, with Stripe's fee if it is already known, and is called again when
``record_charge_fees`` stores a fee that arrived later (``charge.updated``);
``post_order_proceeds`` then posts the fee as its own adjustment. One
idempotent call from both places, in either order, any number of times. The
alternative, waiting for the fee before posting anything, would leave a paid
order out of the books for as long as Stripe takes (or for ever, if the event
is lost), and a refund could arrive before there were proceeds to refund.

Shipping cost: what the customer was charged for delivery is the best estimate
of what delivery costs until fulfilment costs are known (the weight bands are
set to cover the carrier's price). A real cost that differs is a later
adjustment between ``fulfilment-and-shipping`` and the aid fund.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.utils import timezone

from donations.models import JournalEntry
from donations.money import Money, round_to_minor
from donations.proceeds import InvalidProceeds, OrderProceeds, post_order_proceeds, post_order_refund
from shop.donation import is_donation
from shop.payments.models import PaymentAttempt

logger = logging.getLogger(__name__)


def order_proceeds(order: Any) -> OrderProceeds:
    """The order's proceeds: merch and donation lines apart, cost of goods, shipping, and Stripe's fee if known.

    Line prices are what was paid (tax included, after discounts); Oscar
    surcharges, if any were ever configured, count with the merch. The parts
    must add up to the order's total, and the total to what Stripe was asked
    to charge, or nothing is posted.
    """
    currency = order.currency
    merch = donation = cost = Money.zero(currency)
    lines = order.lines.select_related(
        "product__product_class", "product__parent__product_class", "stockrecord"
    ).order_by("pk")
    for line in lines:
        paid = Money.from_decimal(line.line_price_incl_tax, currency)
        if line.product is not None and is_donation(line.product):
            donation += paid
        else:
            merch += paid
            cost += _cost_of_line(order, line)
    merch += Money.from_decimal(order.surcharge_incl_tax, currency)
    shipping = Money.from_decimal(order.shipping_incl_tax, currency)
    total = Money.from_decimal(order.total_incl_tax, currency)
    if merch + donation + shipping != total:
        raise InvalidProceeds(
            f"Order {order.number}'s lines ({merch + donation}) and shipping ({shipping}) do not make its total {total}"
        )
    attempt = PaymentAttempt.objects.filter(order=order).first()
    asked = Money(attempt.total_minor, attempt.currency) if attempt is not None else total
    if asked != total:
        raise InvalidProceeds(f"Order {order.number} totals {total}, but Stripe was asked for {asked}")
    return OrderProceeds(
        order_number=order.number,
        paid_on=timezone.localdate(order.date_placed),
        currency=currency,
        merch_gross=merch,
        donation_gross=donation,
        shipping_charged=shipping,
        stripe_fee=_stripe_fee(order, attempt),
        cost_of_goods=cost,
        shipping_cost=shipping,
    )


def post_proceeds_for_order(order: Any) -> JournalEntry:
    """Post the order's proceeds (or its late fee) to the books; safe to call again at any time."""
    return post_order_proceeds(order_proceeds(order))


def post_refund_for_order(
    order: Any, *, refund_id: str, refunded: Money, refunded_on: datetime.date
) -> JournalEntry:
    """Post a refund of the order, posting its proceeds first if they were never posted (safe to repeat)."""
    post_proceeds_for_order(order)
    return post_order_refund(order.number, refund_id, refunded, refunded_on)


def _cost_of_line(order: Any, line: Any) -> Money:
    stockrecord = line.stockrecord
    if stockrecord is None or stockrecord.cost_price is None:
        # Posted as costing nothing, so the aid fund is credited too much until
        # finance corrects it; the order must not fail because a price is missing.
        logger.warning("Order %s: line %s (%s) has no cost price; cost of goods taken as zero",
                       order.number, line.pk, line.partner_sku)
        return Money.zero(order.currency)
    if stockrecord.price_currency != order.currency:
        raise InvalidProceeds(
            f"Order {order.number}: the cost of {line.partner_sku} is in {stockrecord.price_currency}, "
            f"the order in {order.currency}"
        )
    return round_to_minor(stockrecord.cost_price * line.quantity, order.currency)


def _stripe_fee(order: Any, attempt: PaymentAttempt | None) -> Money | None:
    if attempt is None or attempt.fee_minor is None:
        return None
    if attempt.fee_currency.upper() != order.currency:
        # The books post the order without the fee (``fee_pending``); finance posts
        # it by hand with its exchange rate. See donations.proceeds.
        logger.error("Order %s was paid in %s but Stripe's fee is in %s: fee left for finance to post",
                     order.number, order.currency, attempt.fee_currency)
        return None
    return Money(attempt.fee_minor, attempt.fee_currency)
