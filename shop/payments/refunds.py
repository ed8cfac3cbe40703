"""Refunds of orders paid through Stripe Checkout, whoever made them.

Staff refund from the shop's dashboard (``refund_order``); a refund made in
Stripe's own dashboard arrives as ``charge.refunded`` (``record_refund_from_stripe``).
Both are recorded the same way, once: a ``Refund`` row, an Oscar PaymentEvent
"refunded" with the lines it covers, a Refund transaction on the order's Stripe
Source, and one call to ``refund_recorded`` for the ledger. The Source's
``amount_refunded`` is the shop's running total: the one figure compared with
Stripe's ``amount_refunded``.

Every write runs under a row lock on the order's Stripe Source, so two
volunteers, a double click and Stripe's webhook are serialised per order. No
lock is held while Stripe is called.

Charges no longer list their refunds, so a refund made in Stripe is known only
as the difference between Stripe's ``amount_refunded`` and ours. That
difference means nothing while a dashboard refund's outcome is unknown (sent,
no answer recorded), so ``charge.refunded`` waits for it (``RefundInFlight``)
instead of guessing: otherwise the same money could be recorded from both sides.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from oscar.core.loading import get_model

from donations.money import Money, round_to_minor
from shop.payments import stripe_gateway
from shop.payments.fulfilment import PaymentMismatch
from shop.payments.models import PaymentAttempt, Refund
from shop.payments.proceeds import post_refund_for_order

logger = logging.getLogger(__name__)

Line = get_model("order", "Line")
PaymentEvent = get_model("order", "PaymentEvent")
PaymentEventQuantity = get_model("order", "PaymentEventQuantity")
PaymentEventType = get_model("order", "PaymentEventType")
Source = get_model("payment", "Source")

EVENT_TYPE_CODE = "refunded"
STRIPE_SOURCE_CODE = "stripe"  # the Source type fulfilment.py gives a paid order
# The only reasons Stripe accepts. The volunteer's own words stay in the shop.
STRIPE_REASONS = ("requested_by_customer", "duplicate", "fraudulent")
# Stripe keeps an idempotency key for at least 24 hours. Past that, sending the same
# request again could refund twice, so an unanswered request is given up instead.
RESEND_WINDOW = timedelta(hours=23)
# A request still "being sent" after this long lost its process (a worker killed
# mid-call): far longer than a call takes with the gateway's timeouts and retries.
STALE_AFTER = timedelta(minutes=10)
UNSETTLED = (Refund.Status.REQUESTED, Refund.Status.UNANSWERED)
FROM_STRIPE_REASON = "Refunded in Stripe's dashboard"
_REQUEST_KEY = re.compile(r"^[A-Za-z0-9_-]{8,56}$")


class RefundRefused(ValueError):  # noqa: N818 -- a decision, named like the gateway's errors
    """The refund cannot be made as asked: nothing was sent to Stripe, nothing recorded."""


class RefundFailed(Exception):  # noqa: N818
    """Stripe did not refund, or did not say so. Nothing is recorded as refunded.

    ``refund.status`` tells which: FAILED (Stripe refused; the message is
    Stripe's) or UNANSWERED (sending the same request again is safe).
    """

    def __init__(self, message: str, *, refund: Refund) -> None:
        super().__init__(message)
        self.refund = refund


class RefundInFlight(Exception):  # noqa: N818
    """A dashboard refund of the order awaits Stripe's answer, so Stripe's total cannot be read yet: retry later."""


@dataclass(frozen=True)
class RefundBalance:
    """What an order's Stripe payment can still give back.

    ``unsettled`` is money in dashboard refunds whose outcome is unknown:
    Stripe may have refunded it already, so it is not available again.
    """

    paid: Money
    refunded: Money
    unsettled: Money
    line_quantities: dict[int, int]  # order line id -> quantity neither refunded nor being refunded

    @property
    def available(self) -> Money:
        return self.paid - self.refunded - self.unsettled


# --- Reading -------------------------------------------------------------------------


def refund_balance(order: Any, *, request_key: str | None = None) -> RefundBalance:
    """The order's refundable amount and quantities. ``RefundRefused`` if it was not paid through Stripe.

    ``request_key`` leaves out that form's own unanswered refund, so that the
    same form sent again asks for the same amount.
    """
    excluding = Refund.objects.filter(idempotency_key=_idempotency_key(request_key)).first() if request_key else None
    return _balance(order.pk, _stripe_source(order.pk, lock=False), excluding=excluding)


def amount_for_lines(order: Any, quantities: Mapping[Any, int], *, balance: RefundBalance | None = None) -> Money:
    """What refunding these quantities gives back: each line's paid price (after discounts), pro rata.

    The next ``n`` units cost the line's price share up to them minus the share
    already refunded, each rounded half up, so a line refunded unit by unit
    adds up to exactly its price.
    """
    wanted = _line_ids(quantities)
    balance = balance or refund_balance(order)
    total = Money.zero(order.currency)
    for line in order.lines.filter(pk__in=wanted):
        done = line.quantity - balance.line_quantities.get(line.pk, 0)
        share_after = _share(line.line_price_incl_tax, done + wanted[line.pk], line.quantity, order.currency)
        total += share_after - _share(line.line_price_incl_tax, done, line.quantity, order.currency)
    return total


def refund_for_request(request_key: str) -> Refund | None:
    """The refund a submission of the refund form made, if any (to answer a double click kindly)."""
    if not request_key or not _REQUEST_KEY.match(request_key):
        return None
    return Refund.objects.filter(idempotency_key=_idempotency_key(request_key)).first()


def unrecorded_refund(charge: stripe_gateway.ChargeFees) -> Money | None:
    """What Stripe refunded on this charge beyond what the shop recorded; None if nothing, or not the shop's.

    Only reads (``reconcile_stripe --dry-run`` uses it). Raises ``RefundInFlight``.
    """
    order_id = _order_id_paid_by(charge.payment_intent_id)
    if order_id is None:
        return None
    return _unrecorded(charge, order_id, _stripe_source(order_id, lock=False))


def stale_refund_requests() -> list[Refund]:
    """Dashboard refunds whose outcome is unknown and which no request is sending now, oldest first."""
    stale = Q(status=Refund.Status.REQUESTED, updated_at__lt=timezone.now() - STALE_AFTER)
    return list(
        Refund.objects.filter(stale | Q(status=Refund.Status.UNANSWERED), payment_event__isnull=True)
        .select_related("order")
        .order_by("created_at", "id")
    )


# --- Refunds from the dashboard -------------------------------------------------------------


def refund_order(
    order: Any,
    *,
    amount: Money,
    lines: Mapping[Any, int] | None = None,
    reason: str,
    requested_by: Any,
    stripe_reason: str = "requested_by_customer",
    request_key: str | None = None,
) -> Refund:
    """Refund part or all of an order's card payment through Stripe, and record it.

    ``amount`` is what goes back; ``lines`` (order line or id -> quantity) say
    which goods it is for and may be empty for a refund by amount. ``reason``
    is required and stays in the shop; Stripe gets ``stripe_reason``, one of
    its own. ``request_key`` identifies one submission of the refund form: the
    same key again (a double click, "submit again" after Stripe did not answer)
    is the same refund, sent with the same idempotency key, never a second one.

    Returns the recorded refund. Raises ``RefundRefused`` before anything is
    sent, ``RefundFailed`` when Stripe did not refund.

    Call it outside any transaction (the dashboard view opts out of
    ATOMIC_REQUESTS): the refund row and its key must be committed before
    Stripe is called, or a crash during the call would forget them.
    """
    reason = (reason or "").strip()
    if not reason:
        raise RefundRefused("Say why the order is refunded. The reason stays in the shop.")
    if stripe_reason not in STRIPE_REASONS:
        raise RefundRefused(f"Stripe's reason must be one of {', '.join(STRIPE_REASONS)}, not {stripe_reason!r}.")
    if amount.minor <= 0:
        raise RefundRefused(f"A refund must be more than zero, not {amount}.")
    if request_key is not None and not _REQUEST_KEY.match(request_key):
        raise RefundRefused("This refund form is damaged: open it again.")
    refund = _store_request(
        order,
        amount=amount,
        quantities=_line_ids(lines or {}),
        reason=reason,
        stripe_reason=stripe_reason,
        requested_by=requested_by if getattr(requested_by, "pk", None) else None,
        idempotency_key=_idempotency_key(request_key or uuid.uuid4().hex),
    )
    if refund.is_recorded:  # the first click already went through
        return refund
    return _send(refund)


def settle_refund_request(refund: Refund) -> Refund:
    """Finish a dashboard refund whose outcome is unknown (``stale_refund_requests``), for reconciliation.

    Within Stripe's idempotency window the same request is sent again: Stripe
    answers with the refund it made, or makes the one staff asked for. Past it,
    the request is given up (FAILED): whatever Stripe did then reaches the shop
    through ``charge.refunded``, which this request no longer blocks.
    """
    if refund.created_at < timezone.now() - RESEND_WINDOW:
        message = (
            "Stripe's answer was never recorded and the request is too old to send again safely. "
            "Any refund Stripe made is recorded from its charge.refunded event."
        )
        _settle_unrecorded(refund, Refund.Status.FAILED, message)
        refund.refresh_from_db()
        return refund
    with transaction.atomic():
        _stripe_source(refund.order_id, lock=True)
        updated = Refund.objects.filter(pk=refund.pk, status__in=UNSETTLED, payment_event__isnull=True).update(
            status=Refund.Status.REQUESTED, updated_at=timezone.now()
        )
    refund.refresh_from_db()
    return _send(refund) if updated else refund


def _store_request(
    order: Any,
    *,
    amount: Money,
    quantities: dict[int, int],
    reason: str,
    stripe_reason: str,
    requested_by: Any,
    idempotency_key: str,
) -> Refund:
    """The refund row, committed before Stripe is called so that its key outlives a crash."""
    with transaction.atomic():
        source = _stripe_source(order.pk, lock=True)
        if not _payment_intent_id(order.pk):
            raise RefundRefused("This order has no Stripe payment to refund.")
        existing = Refund.objects.select_for_update().filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _resume(existing, order, amount, quantities, stripe_reason, source)
        _check_refundable(order.pk, source, amount, quantities)
        return Refund.objects.create(
            order=order,
            origin=Refund.Origin.DASHBOARD,
            status=Refund.Status.REQUESTED,
            currency=amount.currency,
            amount_minor=amount.minor,
            line_quantities={str(line_id): quantity for line_id, quantity in sorted(quantities.items())},
            reason=reason,
            stripe_reason=stripe_reason,
            requested_by=requested_by,
            idempotency_key=idempotency_key,
        )


def _resume(
    refund: Refund, order: Any, amount: Money, quantities: dict[int, int], stripe_reason: str, source: Any
) -> Refund:
    """The same form submitted again. Stripe refuses a reused key with other parameters, and so do we."""
    same = (
        refund.order_id == order.pk
        and refund.amount == amount
        and _stored_quantities(refund) == quantities
        and refund.stripe_reason == stripe_reason
    )
    if not same:
        raise RefundRefused("This refund form was already sent with other amounts. Open the refund page again.")
    if refund.is_recorded:
        return refund
    if refund.created_at < timezone.now() - RESEND_WINDOW:
        raise RefundRefused("This refund form is too old to send again. Open the refund page again.")
    if refund.status == Refund.Status.FAILED:
        _check_refundable(order.pk, source, amount, quantities, excluding=refund)
    refund.status = Refund.Status.REQUESTED
    refund.failure_message = ""
    refund.save(update_fields=["status", "failure_message", "updated_at"])
    return refund


def _check_refundable(
    order_id: int, source: Any, amount: Money, quantities: dict[int, int], *, excluding: Refund | None = None
) -> None:
    balance = _balance(order_id, source, excluding=excluding)
    if amount.currency != balance.paid.currency:
        raise RefundRefused(f"The order was paid in {balance.paid.currency}, not {amount.currency}.")
    if amount > balance.available:
        raise RefundRefused(
            f"At most {balance.available} can be refunded: {balance.paid} paid, {balance.refunded} refunded"
            + (f", {balance.unsettled} awaiting Stripe's answer." if balance.unsettled.minor else ".")
        )
    for line_id, quantity in quantities.items():
        if line_id not in balance.line_quantities:
            raise RefundRefused(f"Line {line_id} is not on this order.")
        if not 0 < quantity <= balance.line_quantities[line_id]:
            raise RefundRefused(
                f"Line {line_id}: {quantity} cannot be refunded, {balance.line_quantities[line_id]} can."
            )


def _send(refund: Refund) -> Refund:
    """Ask Stripe, then record its answer. The row's key makes sending twice safe."""
    try:
        result = stripe_gateway.create_refund(
            payment_intent_id=_payment_intent_id(refund.order_id),
            amount=refund.amount,
            reason=refund.stripe_reason,
            idempotency_key=refund.idempotency_key,
            metadata={"order_number": refund.order.number, "proceeds_refund": str(refund.pk)},
        )
    except (stripe_gateway.StripeUnavailable, stripe_gateway.StripeResponseUnreadable) as exc:
        # Maybe refunded, maybe not: the same key again will tell.
        message = f"{exc}. Nothing is recorded as refunded yet; sending the same refund again is safe."
        _settle_unrecorded(refund, Refund.Status.UNANSWERED, message)
        raise RefundFailed(message, refund=_reloaded(refund)) from exc
    except stripe_gateway.PaymentGatewayError as exc:
        message = f"{exc}. Nothing was refunded."
        _settle_unrecorded(refund, Refund.Status.FAILED, message)
        raise RefundFailed(message, refund=_reloaded(refund)) from exc
    return _record_answer(refund, result)


def _record_answer(refund: Refund, result: stripe_gateway.RefundResult) -> Refund:
    problem = ""
    with transaction.atomic():
        source = _stripe_source(refund.order_id, lock=True)
        refund = Refund.objects.select_for_update(of=("self",)).select_related("order").get(pk=refund.pk)
        if refund.is_recorded:  # a concurrent submission of the same form recorded it
            return refund
        refund.stripe_refund_id = result.id
        if result.status in ("failed", "canceled"):
            problem = f"Stripe reports refund {result.id} as {result.status}. Nothing was refunded."
        elif result.amount != refund.amount:
            problem = (
                f"Stripe refunded {result.amount} ({result.id}), not {refund.amount}. Check Stripe's dashboard: "
                "what Stripe refunded is recorded from its charge.refunded event."
            )
        if problem:
            refund.status = Refund.Status.FAILED
            refund.failure_message = problem
            refund.save(update_fields=["stripe_refund_id", "status", "failure_message", "updated_at"])
        else:
            # "pending" (and the rare "requires_action") are on their way back: Stripe counts them
            # in amount_refunded already, so the shop does too.
            refund.status = Refund.Status.SUCCEEDED if result.status == "succeeded" else Refund.Status.PENDING
            refund.failure_message = ""
            _record(refund, source, reference=result.id, transaction_status=result.status)
    if problem:
        logger.error("Refund %s of order %s: %s", refund.pk, refund.order.number, problem)
        raise RefundFailed(problem, refund=refund)
    logger.info("Refunded %s on order %s (%s)", refund.amount, refund.order.number, result.id)
    return refund


def _settle_unrecorded(refund: Refund, status: str, message: str) -> None:
    """Mark an unanswered request, unless a concurrent submission of it was recorded meanwhile."""
    Refund.objects.filter(pk=refund.pk, status__in=UNSETTLED, payment_event__isnull=True).update(
        status=status, failure_message=message, updated_at=timezone.now()
    )
    logger.warning("Refund %s of order %s not recorded (%s): %s", refund.pk, refund.order_id, status, message)


# --- Refunds made in Stripe's dashboard ------------------------------------------------------------------


def record_refund_from_stripe(charge: stripe_gateway.ChargeFees, *, event_id: str | None = None) -> Refund | None:
    """Record what Stripe refunded on a charge beyond what the shop has: a refund made in Stripe's dashboard.

    Called for ``charge.refunded`` and by reconciliation, any number of times:
    it records the difference between Stripe's ``amount_refunded`` and the
    Source's, so a second call (or the webhook after a dashboard refund) finds
    nothing to add; an event id already used is skipped outright. When the
    charge ends fully refunded, the refund covers every line not yet refunded.

    Returns the new refund, or None. Raises ``RefundInFlight`` while a
    dashboard refund of the order awaits Stripe's answer, and
    ``PaymentMismatch`` if Stripe's figure cannot be the shop's.
    """
    order_id = _order_id_paid_by(charge.payment_intent_id)
    if order_id is None:
        logger.info("Refund on charge %s: no order was paid by it, nothing recorded", charge.charge_id)
        return None
    with transaction.atomic():
        source = _stripe_source(order_id, lock=True)
        if event_id and Refund.objects.filter(stripe_event_id=event_id).exists():
            return None
        missing = _unrecorded(charge, order_id, source)
        if missing is None:
            return None
        remaining = _balance(order_id, source).line_quantities
        fully = charge.amount_refunded.minor >= charge.amount.minor
        refund = Refund.objects.create(
            order_id=order_id,
            origin=Refund.Origin.STRIPE,
            status=Refund.Status.SUCCEEDED,
            currency=missing.currency,
            amount_minor=missing.minor,
            line_quantities={str(pk): qty for pk, qty in sorted(remaining.items()) if qty} if fully else {},
            reason=FROM_STRIPE_REASON,
            stripe_event_id=event_id,
        )
        _record(refund, source, reference=charge.charge_id, transaction_status="succeeded")
    logger.info("Recorded %s refunded in Stripe's dashboard on order %s", missing, order_id)
    return refund


def _unrecorded(charge: stripe_gateway.ChargeFees, order_id: int, source: Any) -> Money | None:
    recorded = Money.from_decimal(source.amount_refunded, source.currency)
    if charge.amount_refunded.currency != recorded.currency:
        raise PaymentMismatch(
            f"Charge {charge.charge_id} is in {charge.amount_refunded.currency}, its order in {recorded.currency}"
        )
    missing = charge.amount_refunded - recorded
    if missing.minor <= 0:
        if missing.minor < 0:
            # An older event arriving late, or a pending refund that failed afterwards (Stripe
            # then gives the money back to the balance): the shop keeps what it recorded.
            logger.warning("Charge %s: Stripe's total refunded is %s, the shop recorded %s", charge.charge_id,
                           charge.amount_refunded, recorded)
        return None
    if Refund.objects.filter(order_id=order_id, status__in=UNSETTLED, payment_event__isnull=True).exists():
        raise RefundInFlight(f"a refund of order {order_id} awaits Stripe's answer")
    paid = Money.from_decimal(source.amount_debited, source.currency)
    if missing > paid - recorded:
        raise PaymentMismatch(f"Charge {charge.charge_id}: Stripe refunded {charge.amount_refunded} of {paid}")
    return missing


# --- Recording, for both -----------------------------------------------------------------


def _record(refund: Refund, source: Any, *, reference: str, transaction_status: str) -> None:
    """Put the refund on the order's books; the caller holds the Source's lock inside a transaction."""
    amount = refund.amount.to_decimal()
    event_type, _ = PaymentEventType.objects.get_or_create(code=EVENT_TYPE_CODE, defaults={"name": "Refunded"})
    event = PaymentEvent.objects.create(
        order_id=refund.order_id, amount=amount, reference=reference, event_type=event_type
    )
    PaymentEventQuantity.objects.bulk_create(
        PaymentEventQuantity(event=event, line_id=int(line_id), quantity=quantity)
        for line_id, quantity in refund.line_quantities.items()
    )
    source.refund(amount, reference=reference, status=transaction_status)  # amount_refunded + a Refund transaction
    refund.payment_event = event
    refund.recorded_at = timezone.now()
    refund.save()
    refund_recorded(refund)


def refund_recorded(refund: Refund) -> None:
    """The single place where a recorded refund reaches the proceeds ledger.

    Called exactly once per refund, for both origins (the shop's dashboard and
    Stripe's), after the refund is on the order's books (PaymentEvent, Source
    transaction, ``refund.payment_event`` set) and inside the same transaction,
    with the order's Stripe Source locked. So the ledger posting made here commits
    with the refund or not at all: if it raises, the recording is undone and is
    made again later (Stripe's webhook retry, resending the same form,
    ``reconcile_stripe``), calling this again.

    ``refund.stripe_refund_id`` is None for a refund made in Stripe's dashboard
    (its charge id is ``refund.payment_event.reference``), hence the row's id.
    The ledger's ``OverRefund`` undoes the recording and surfaces as an error
    (the webhook answers 500 and Stripe retries). Keep effects outside the
    database (email) out of here, or defer them with ``transaction.on_commit``.
    """
    post_refund_for_order(
        refund.order,
        refund_id=f"refund-{refund.pk}",  # one per Refund row, whichever side made it
        refunded=refund.amount,  # Money, positive, the order's currency
        refunded_on=timezone.localdate(refund.recorded_at),
    )


# --- Helpers ------------------------------------------------------------------------------


def _stripe_source(order_id: int, *, lock: bool) -> Any:
    sources = Source.objects.filter(order_id=order_id, source_type__code=STRIPE_SOURCE_CODE).order_by("pk")
    if lock:
        # of=("self",): the join must not lock the one shared "stripe" SourceType row,
        # which would serialise refunds of every order.
        sources = sources.select_for_update(of=("self",))
    source = sources.first()
    if source is None:
        raise RefundRefused("This order was not paid through Stripe: it cannot be refunded here.")
    return source


def _balance(order_id: int, source: Any, *, excluding: Refund | None = None) -> RefundBalance:
    currency = source.currency
    unsettled = Refund.objects.filter(order_id=order_id, status__in=UNSETTLED, payment_event__isnull=True)
    if excluding is not None:
        unsettled = unsettled.exclude(pk=excluding.pk)
    unsettled_minor = 0
    unsettled_quantities: dict[int, int] = {}
    for refund in unsettled:
        unsettled_minor += refund.amount_minor
        for line_id, quantity in _stored_quantities(refund).items():
            unsettled_quantities[line_id] = unsettled_quantities.get(line_id, 0) + quantity
    refunded_quantities = dict(
        PaymentEventQuantity.objects.filter(event__order_id=order_id, event__event_type__code=EVENT_TYPE_CODE)
        .values_list("line_id")
        .annotate(Sum("quantity"))
    )
    lines = Line.objects.filter(order_id=order_id).values_list("pk", "quantity")
    return RefundBalance(
        paid=Money.from_decimal(source.amount_debited, currency),
        refunded=Money.from_decimal(source.amount_refunded, currency),
        unsettled=Money(unsettled_minor, currency),
        line_quantities={
            pk: quantity - refunded_quantities.get(pk, 0) - unsettled_quantities.get(pk, 0) for pk, quantity in lines
        },
    )


def _payment_intent_id(order_id: int) -> str:
    return PaymentAttempt.objects.filter(order_id=order_id).values_list("payment_intent_id", flat=True).first() or ""


def _order_id_paid_by(payment_intent_id: str | None) -> int | None:
    if not payment_intent_id:
        return None
    return (
        PaymentAttempt.objects.filter(payment_intent_id=payment_intent_id, order__isnull=False)
        .values_list("order_id", flat=True)
        .first()
    )


def _line_ids(quantities: Mapping[Any, int]) -> dict[int, int]:
    """{line id: quantity} from lines or ids; zero quantities dropped (an untouched form field)."""
    ids: dict[int, int] = {}
    for line, quantity in quantities.items():
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            raise RefundRefused(f"A quantity to refund is a whole number, not {quantity!r}.")
        if quantity:
            line_id = int(getattr(line, "pk", line))
            ids[line_id] = ids.get(line_id, 0) + quantity
    return ids


def _idempotency_key(request_key: str) -> str:
    return f"refund-{request_key}"


def _stored_quantities(refund: Refund) -> dict[int, int]:
    return {int(line_id): quantity for line_id, quantity in refund.line_quantities.items()}


def _share(price: Decimal, units: int, of_units: int, currency: str) -> Money:
    return round_to_minor(Decimal(price) * units / of_units, currency)


def _reloaded(refund: Refund) -> Refund:
    refund.refresh_from_db()
    return refund
