"""Turning a paid Checkout Session into exactly one Oscar order.

Called from the success page, the webhook and reconciliation, in any order and
any number of times: the attempt's row lock serialises them and "already
placed" is success. The confirmation email is sent once, after the commit of
the transaction that placed the order.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from oscar.core.loading import get_class, get_model

from donations.money import Money
from shop.catalogue.translation import CATALOGUE_LANGUAGE
from shop.catalogue.variants import attribute_values_prefetch, recorded_options
from shop.payments import stripe_gateway
from shop.payments.impact import impact_link_for, impact_url
from shop.payments.models import OrderLineVariant, PaymentAttempt
from shop.payments.proceeds import post_proceeds_for_order

logger = logging.getLogger(__name__)

Basket = get_model("basket", "Basket")
Country = get_model("address", "Country")
PaymentEvent = get_model("order", "PaymentEvent")
PaymentEventQuantity = get_model("order", "PaymentEventQuantity")
PaymentEventType = get_model("order", "PaymentEventType")
ShippingAddress = get_model("order", "ShippingAddress")
Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")
Transaction = get_model("payment", "Transaction")
Applicator = get_class("offer.applicator", "Applicator")
OrderCreator = get_class("order.utils", "OrderCreator")
OrderDispatcher = get_class("order.utils", "OrderDispatcher")
OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
Repository = get_class("shipping.repository", "Repository")
Selector = get_class("partner.strategy", "Selector")


class PaymentMismatch(Exception):  # noqa: N818
    """Stripe reports a payment that does not match what the shop asked for."""


def fulfil_checkout_session(session: stripe_gateway.CheckoutSession) -> Any | None:
    """The order for a paid session, placing it if no one has yet; None while unpaid."""
    if not session.is_paid:
        return None
    with transaction.atomic():
        attempt = PaymentAttempt.objects.select_for_update().filter(stripe_session_id=session.id).first()
        if attempt is None:
            attempt = _attempt_by_reference(session)
        if attempt.order_id:
            return attempt.order
        _check_amount(attempt, session)
        order = _place_order(attempt)
        _record_payment(attempt, order, session)
        attempt.status = PaymentAttempt.Status.PAID
        attempt.order = order
        attempt.payment_intent_id = session.payment_intent_id or ""
        attempt.stripe_session_id = session.id
        if session.charge is not None:
            _store_fees(attempt, session.charge)
        attempt.save()
        # In the same transaction, so an order exists exactly when its proceeds are in
        # the books; last, because posting holds the ledger's lock until COMMIT.
        post_proceeds_for_order(order)
        # Under the attempt's lock, like the order: made once, and there whenever the order is.
        impact_link_for(order)
        transaction.on_commit(lambda: send_confirmation(order, language=attempt.language))
    logger.info("Order %s placed for Checkout Session %s", order.number, session.id)
    return order


def record_charge_fees(fees: stripe_gateway.ChargeFees) -> bool:
    """Store Stripe's fee and net once they are known (they can arrive after the payment)."""
    if fees.fee is None or fees.payment_intent_id is None:
        return False
    with transaction.atomic():
        attempt = PaymentAttempt.objects.select_for_update().filter(payment_intent_id=fees.payment_intent_id).first()
        if attempt is None:
            return False
        _store_fees(attempt, fees)
        attempt.save(update_fields=["fee_minor", "net_minor", "fee_currency", "updated_at"])
        if attempt.order_id:
            # Proceeds posted before Stripe said its fee: the fee is posted now, once.
            post_proceeds_for_order(attempt.order)
    return True


def _attempt_by_reference(session: stripe_gateway.CheckoutSession) -> PaymentAttempt:
    reference = session.client_reference_id or session.metadata.get("order_number")
    attempt = PaymentAttempt.objects.select_for_update().filter(order_number=reference).first()
    if attempt is None:
        raise PaymentMismatch(f"No payment attempt for Checkout Session {session.id} (reference {reference!r})")
    if attempt.stripe_session_id and attempt.stripe_session_id != session.id:
        raise PaymentMismatch(f"Checkout Session {session.id} is not the one opened for order {reference}")
    return attempt


def _check_amount(attempt: PaymentAttempt, session: stripe_gateway.CheckoutSession) -> None:
    expected = Money(attempt.total_minor, attempt.currency)
    if session.amount_total != expected:
        raise PaymentMismatch(
            f"Checkout Session {session.id} paid {session.amount_total}, order {attempt.order_number} is {expected}"
        )


def _store_fees(attempt: PaymentAttempt, fees: stripe_gateway.ChargeFees) -> None:
    if fees.fee is None or fees.net is None:
        return
    attempt.fee_minor = fees.fee.minor
    attempt.net_minor = fees.net.minor
    attempt.fee_currency = fees.fee.currency


def _place_order(attempt: PaymentAttempt) -> Any:
    """Oscar's order from the frozen basket and what the attempt remembered."""
    basket = Basket.objects.select_for_update().get(pk=attempt.basket_id)
    basket.strategy = Selector().strategy(user=attempt.user)
    Applicator().apply(basket, attempt.user, None)
    address = _shipping_address(attempt)
    # The order keeps the method's name in the catalogue's language, whichever
    # request places it (the webhook has no language); pages translate it back.
    with translation.override(CATALOGUE_LANGUAGE):
        method = _shipping_method(basket, address, attempt.shipping_method_code)
    shipping_charge = method.calculate(basket)
    total = OrderTotalCalculator().calculate(basket, shipping_charge)
    if Money.from_decimal(total.incl_tax, total.currency) != Money(attempt.total_minor, attempt.currency):
        # The customer paid what the preview showed; the basket must still say so.
        raise PaymentMismatch(f"Basket {basket.id} no longer totals what order {attempt.order_number} was paid for")
    if address is not None:
        address.save()
    extra = {} if attempt.user else {"guest_email": attempt.email}
    order = OrderCreator().place_order(
        basket=basket,
        total=total,
        shipping_method=method,
        shipping_charge=shipping_charge,
        user=attempt.user,
        shipping_address=address,
        order_number=attempt.order_number,
        **extra,
    )
    _record_variants(order)
    basket.submit()
    return order


def _record_variants(order: Any) -> None:
    """Keep each line's size and colour as bought: the product may be edited or deleted later."""
    lines = order.lines.select_related("product").prefetch_related(
        attribute_values_prefetch("product__attribute_values")
    )
    OrderLineVariant.objects.bulk_create(
        OrderLineVariant(line=line, options=options)
        for line in lines
        if (options := recorded_options(line.product))
    )


def _shipping_address(attempt: PaymentAttempt) -> Any | None:
    if not attempt.shipping_address:
        return None
    fields = dict(attempt.shipping_address)
    country = Country.objects.get(pk=fields.pop("country"))
    return ShippingAddress(country=country, **fields)


def _shipping_method(basket: Any, address: Any, code: str) -> Any:
    for method in Repository().get_shipping_methods(basket, shipping_addr=address):
        if method.code == code or not code:
            return method
    raise PaymentMismatch(f"Shipping method {code!r} is no longer offered for this order")


def _record_payment(attempt: PaymentAttempt, order: Any, session: stripe_gateway.CheckoutSession) -> None:
    amount = Money(attempt.total_minor, attempt.currency).to_decimal()
    reference = session.payment_intent_id or session.id
    source_type, _ = SourceType.objects.get_or_create(code="stripe", defaults={"name": "Stripe"})
    source = Source.objects.create(
        order=order,
        source_type=source_type,
        currency=attempt.currency,
        amount_allocated=amount,
        amount_debited=amount,
        reference=reference,
        label="Card (Stripe Checkout)",
    )
    Transaction.objects.create(
        source=source, txn_type=Transaction.DEBIT, amount=amount, reference=reference, status="succeeded"
    )
    event_type, _ = PaymentEventType.objects.get_or_create(code="paid", defaults={"name": "Paid"})
    event = PaymentEvent.objects.create(order=order, amount=amount, reference=reference, event_type=event_type)
    for line in order.lines.all():
        PaymentEventQuantity.objects.create(event=event, line=line, quantity=line.quantity)


def order_status_url(order: Any) -> str:
    """The absolute address of the order's status page, in the active language.

    A signed-in customer's account page, or for a guest Oscar's anonymous
    order page (the order number and a hash of it, so it cannot be guessed).
    Absolute from SITE_URL, as the impact link is: there is no request here.
    """
    return settings.SITE_URL.rstrip("/") + order_status_path(order)


def order_status_path(order: Any) -> str:
    """The path of the order's status page in the active language (see ``order_status_url``)."""
    if order.user_id:
        return reverse("customer:order", kwargs={"order_number": order.number})
    return reverse("customer:anon-order", kwargs={"order_number": order.number, "hash": order.verification_hash()})


def send_confirmation(order: Any, *, language: str | None = None) -> None:
    """The order confirmation email (Oscar's ORDER_PLACED message), in the language the customer paid in.

    It is sent after the commit, outside the request that paid (often Stripe's
    webhook, whose language is not the customer's): hence the override.
    """
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    try:
        context = {
            "user": order.user,
            "order": order,
            "lines": order.lines.all(),
            "request": None,
            "impact_url": impact_url(order, language),
        }
        with translation.override(language):
            context["status_url"] = order_status_url(order)
            context["find_order_url"] = settings.SITE_URL.rstrip("/") + reverse("payments:find-order")
            OrderDispatcher(logger=logger).send_order_placed_email_for_user(order, context)
    except Exception:  # the order stands; a mail outage must not undo or repeat it
        logger.exception("Confirmation email for order %s could not be sent", order.number)
