"""What each Stripe webhook event means for the shop; the view only verifies and dispatches."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from shop.payments import stripe_gateway
from shop.payments.attempts import release_attempt
from shop.payments.fulfilment import PaymentMismatch, fulfil_checkout_session, record_charge_fees
from shop.payments.models import PaymentAttempt, StripeEvent
from shop.payments.ownership import foreign_payment
from shop.payments.refunds import RefundInFlight, record_refund_from_stripe

logger = logging.getLogger(__name__)


class NotTheShops(Exception):  # noqa: N818 -- a verdict, not a programming error
    """The event is about a payment this shop never started (another integration on the same Stripe account).

    Acknowledge it (2xx) and store nothing: it is not ours to retry, and its
    object may hold another integration's customer's name and address.
    """


def apply_stripe_event(event: stripe_gateway.WebhookEvent) -> str:
    """Store the event once and act on it now; return what was done (for the log and the response).

    Raises ``NotTheShops``, before anything is stored, for someone else's payment.
    """
    refuse_foreign(event)
    stored, _ = record_stripe_event(event)
    if stored.processed_at is not None:
        return "already processed"
    return _process(stored, event)


def queue_stripe_event(event: stripe_gateway.WebhookEvent) -> bool:
    """Store the event for ``process_stripe_events``; whether this delivery was the first.

    Raises ``NotTheShops`` for someone else's payment, which is never queued:
    deciding costs a query or two and no call to Stripe, so the answer stays quick.
    """
    refuse_foreign(event)
    _, first = record_stripe_event(event)
    return first


def refuse_foreign(event: stripe_gateway.WebhookEvent) -> None:
    """Raise ``NotTheShops`` for an event the shop handles but whose payment it never started.

    An event whose object cannot even be identified is let through: its
    handler fails on it loudly, as it always has.
    """
    if event.type not in EVENT_HANDLERS:
        return
    try:
        reason = foreign_payment(event)
    except stripe_gateway.StripeResponseUnreadable:
        return
    if reason is not None:
        raise NotTheShops(reason)


def log_foreign(event_id: str, event_type: str, exc: NotTheShops) -> None:
    """The one line an event about someone else's payment leaves behind."""
    logger.info("Stripe event %s (%s) acknowledged, not the shop's: %s", event_id, event_type, exc)


def record_stripe_event(event: stripe_gateway.WebhookEvent) -> tuple[StripeEvent, bool]:
    """The stored event, and whether this delivery was the first."""
    try:
        with transaction.atomic():
            stored = StripeEvent.objects.create(
                event_id=event.id, type=event.type, created=event.created, livemode=event.livemode,
                data_object=event.data_object, previous_attributes=event.previous_attributes,
            )
            return stored, True
    except IntegrityError:
        return StripeEvent.objects.get(event_id=event.id), False


def process_pending_events(*, limit: int = 50) -> int:
    """Apply queued events, oldest first; several workers may run (locked rows are skipped).

    An event that must wait (its order does not exist yet, Stripe is down) stays
    queued and is tried again on a later pass, up to ``MAX_TRIES``.
    """
    done = 0
    seen: list[int] = []  # an event that must wait is tried once per pass, not again at once
    for _ in range(limit):
        with transaction.atomic():
            stored = (
                StripeEvent.objects.select_for_update(skip_locked=True)
                .filter(processed_at__isnull=True, tries__lt=MAX_TRIES)
                .exclude(pk__in=seen)
                .order_by("received_at", "id")
                .first()
            )
            if stored is None:
                break
            seen.append(stored.pk)
            event = _as_event(stored)
            try:
                # Queued before the shop told events apart at the door: done, never retried.
                refuse_foreign(event)
            except NotTheShops as exc:
                log_foreign(event.id, event.type, exc)
                _mark_processed(stored, NOT_THE_SHOPS)
                done += 1
                continue
            try:
                with transaction.atomic():
                    _process(stored, event)
            except (RetryLater, stripe_gateway.StripeUnavailable, PaymentMismatch,
                    stripe_gateway.StripeResponseUnreadable) as exc:
                logger.warning("Stripe event %s (%s) not applied yet: %s", stored.event_id, stored.type, exc)
                StripeEvent.objects.filter(pk=stored.pk).update(tries=stored.tries + 1, outcome=str(exc)[:255])
        done += 1
    return done


MAX_TRIES = 20
NOT_THE_SHOPS = "not the shop's"


def _as_event(stored: StripeEvent) -> stripe_gateway.WebhookEvent:
    return stripe_gateway.WebhookEvent(
        id=stored.event_id, type=stored.type, created=stored.created, livemode=stored.livemode,
        data_object=stored.data_object, previous_attributes=stored.previous_attributes,
    )


def _process(stored: StripeEvent, event: stripe_gateway.WebhookEvent) -> str:
    handler = EVENT_HANDLERS.get(event.type)
    outcome = handler(event) if handler else "ignored"
    _mark_processed(stored, outcome)
    return outcome


def _mark_processed(stored: StripeEvent, outcome: str) -> None:
    StripeEvent.objects.filter(pk=stored.pk).update(
        processed_at=timezone.now(), outcome=outcome[:255], tries=stored.tries + 1
    )


def _session_completed(event: stripe_gateway.WebhookEvent) -> str:
    session = stripe_gateway.checkout_session_from_event(event)
    if not session.is_paid:
        PaymentAttempt.objects.filter(stripe_session_id=session.id, status=PaymentAttempt.Status.OPEN).update(
            status=PaymentAttempt.Status.PROCESSING
        )
        return "payment processing"
    order = fulfil_checkout_session(_with_fees(session))
    return f"order {order.number}"


def _with_fees(session: stripe_gateway.CheckoutSession) -> stripe_gateway.CheckoutSession:
    """The session with its charge's fee when Stripe can tell us now; without it otherwise."""
    try:
        return stripe_gateway.retrieve_checkout_session(session.id)
    except stripe_gateway.PaymentGatewayError as exc:
        logger.warning("Fee for Checkout Session %s not fetched yet (%s); charge.updated brings it", session.id, exc)
        return session


def _session_failed(event: stripe_gateway.WebhookEvent) -> str:
    return _release(event, PaymentAttempt.Status.FAILED)


def _session_expired(event: stripe_gateway.WebhookEvent) -> str:
    return _release(event, PaymentAttempt.Status.EXPIRED)


def _release(event: stripe_gateway.WebhookEvent, status: str) -> str:
    session = stripe_gateway.checkout_session_from_event(event)
    attempt = PaymentAttempt.objects.filter(stripe_session_id=session.id).first()
    if attempt is None:
        return "no such attempt"
    return "basket released" if release_attempt(attempt, status=status) else "nothing to release"


def _charge_updated(event: stripe_gateway.WebhookEvent) -> str:
    fees = stripe_gateway.charge_fees_from_event(event)
    if fees.fee is None and fees.balance_transaction_id:
        fees = stripe_gateway.retrieve_charge_fees(fees.charge_id)
    if record_charge_fees(fees):
        return "fee recorded"
    if fees.payment_intent_id and not PaymentAttempt.objects.filter(payment_intent_id=fees.payment_intent_id).exists():
        # The charge can be reported before the order exists; fail so Stripe retries later.
        raise RetryLater(f"charge {fees.charge_id} arrived before its order")
    return "fee not known yet"


def _charge_refunded(event: stripe_gateway.WebhookEvent) -> str:
    """A refund made in Stripe's dashboard; or the echo of one made in ours, which finds nothing new to record."""
    charge = stripe_gateway.charge_fees_from_event(event)
    try:
        refund = record_refund_from_stripe(charge, event_id=event.id)
    except RefundInFlight as exc:
        # A dashboard refund of this order awaits Stripe's answer: Stripe's total is read once it is recorded.
        raise RetryLater(str(exc)) from exc
    return f"refund of {refund.amount} recorded" if refund else "no refund to record"


class RetryLater(Exception):  # noqa: N818
    """Nothing is wrong, but the event cannot be applied yet: answer 5xx so Stripe retries."""


EVENT_HANDLERS: dict[str, Callable[[stripe_gateway.WebhookEvent], str]] = {
    "checkout.session.completed": _session_completed,
    "checkout.session.async_payment_succeeded": _session_completed,
    "checkout.session.async_payment_failed": _session_failed,
    "checkout.session.expired": _session_expired,
    "charge.updated": _charge_updated,
    "charge.succeeded": _charge_updated,
    "charge.refunded": _charge_refunded,
}
