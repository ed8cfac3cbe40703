"""Starting a card payment: remember the order server-side, then open a Stripe Checkout Session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from oscar.core.loading import get_model

from donations.money import Money
from shop.catalogue.variants import variant_label
from shop.payments import stripe_gateway
from shop.payments.models import PaymentAttempt

Basket = get_model("basket", "Basket")


class PaymentNotStarted(Exception):  # noqa: N818 -- a state, not a programming error
    """Stripe could not open a payment page; the basket is usable again."""


@dataclass(frozen=True)
class CheckoutPlan:
    """What the customer confirmed on the preview page, in the shop's terms."""

    basket: Any
    user: Any
    email: str
    shipping_address: Any  # an unsaved Oscar ShippingAddress, or None when nothing ships
    shipping_method: Any
    shipping_charge: Any  # Oscar Price
    order_total: Any  # Oscar Price
    language: str
    pickup_point: str = ""  # the Nova Poshta branch or parcel locker, when the method delivers to one


def next_order_number(basket: Any) -> str:
    """Oscar's number for the basket, with a suffix when a basket is paid for again after a cancel."""
    base = str(100000 + basket.id)
    earlier = PaymentAttempt.objects.filter(basket=basket).count()
    return base if earlier == 0 else f"{base}-{earlier + 1}"


def checkout_lines(plan: CheckoutPlan) -> tuple[stripe_gateway.CheckoutLine, ...]:
    """Line items whose sum is exactly the order total (discounts folded into each line)."""
    currency = plan.order_total.currency
    lines = []
    for line in plan.basket.all_lines():
        line_total = Money.from_decimal(line.line_price_incl_tax_incl_discounts, currency)
        if line_total.minor % line.quantity == 0:
            unit, quantity = Money(line_total.minor // line.quantity, currency), line.quantity
        else:
            unit, quantity = line_total, 1
        # The size and colour too: Stripe's page is where the supporter last checks what they pay for.
        variant = variant_label(line.product, plan.language)
        description = f"{line.description} — {variant}" if variant else line.description
        name = description if quantity == line.quantity else f"{description} × {line.quantity}"
        lines.append(stripe_gateway.CheckoutLine(name=name[:250], unit_amount=unit, quantity=quantity))
    shipping = Money.from_decimal(plan.shipping_charge.incl_tax, currency)
    if shipping.minor:
        lines.append(stripe_gateway.CheckoutLine(name=str(plan.shipping_method.name), unit_amount=shipping, quantity=1))
    total = Money.from_decimal(plan.order_total.incl_tax, currency)
    if sum(item.unit_amount.minor * item.quantity for item in lines) != total.minor:
        raise PaymentNotStarted("The order's lines do not add up to its total.")
    return tuple(lines)


def start_payment(plan: CheckoutPlan, *, success_url: str, cancel_url: str) -> str:
    """Record the attempt, freeze the basket and open a Checkout Session; return its address.

    The attempt is committed before Stripe is called, so a webhook that
    arrives before this function returns already finds it.
    """
    lines = checkout_lines(plan)
    with transaction.atomic():
        attempt = PaymentAttempt.objects.create(
            order_number=next_order_number(plan.basket),
            basket=plan.basket,
            user=plan.user if plan.user and plan.user.is_authenticated else None,
            email=plan.email,
            shipping_address=address_fields(plan.shipping_address),
            shipping_method_code=getattr(plan.shipping_method, "code", ""),
            pickup_point=plan.pickup_point,
            currency=plan.order_total.currency,
            total_minor=Money.from_decimal(plan.order_total.incl_tax, plan.order_total.currency).minor,
            shipping_minor=Money.from_decimal(plan.shipping_charge.incl_tax, plan.order_total.currency).minor,
            language=plan.language,
            idempotency_key=f"checkout-{uuid.uuid4().hex}",
        )
        plan.basket.freeze()
    request = stripe_gateway.CheckoutRequest(
        order_number=attempt.order_number,
        lines=lines,
        customer_email=attempt.email,
        success_url=success_url,
        cancel_url=f"{cancel_url}?order={attempt.order_number}",
        idempotency_key=attempt.idempotency_key,
        metadata={"order_number": attempt.order_number, "basket": str(plan.basket.id)},
        locale=stripe_gateway.checkout_locale(plan.language),
    )
    try:
        session = stripe_gateway.create_checkout_session(request)
    except stripe_gateway.PaymentGatewayError as exc:
        release_attempt(attempt, status=PaymentAttempt.Status.FAILED)
        raise PaymentNotStarted(str(exc)) from exc
    PaymentAttempt.objects.filter(pk=attempt.pk).update(stripe_session_id=session.id)
    return session.url


def address_fields(address: Any) -> dict[str, str]:
    if address is None:
        return {}
    fields = ("title", "first_name", "last_name", "line1", "line2", "line3", "line4", "state", "postcode", "notes")
    stored = {name: getattr(address, name, "") or "" for name in fields}
    stored["country"] = address.country_id
    stored["phone_number"] = str(address.phone_number or "")
    return stored


@transaction.atomic
def release_attempt(attempt: PaymentAttempt, *, status: str = PaymentAttempt.Status.EXPIRED) -> bool:
    """Give the customer their basket back after an abandoned, expired or failed payment.

    Safe to repeat, and a no-op once the order exists (money arrived after all).
    """
    attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.order_id or attempt.status == PaymentAttempt.Status.PAID:
        return False
    attempt.status = status
    attempt.save(update_fields=["status", "updated_at"])
    basket = Basket.objects.select_for_update().get(pk=attempt.basket_id)
    newer = PaymentAttempt.objects.filter(basket=basket, status=PaymentAttempt.Status.OPEN).exclude(pk=attempt.pk)
    # An old session expiring must not thaw a basket that is being paid for again.
    if basket.status == Basket.FROZEN and not newer.exists():
        basket.thaw()
    return True
