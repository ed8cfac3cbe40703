"""Catching up with Stripe: apply whatever the shop missed (webhook endpoint down, a deploy, a bug).

Stripe is asked for the Checkout Sessions and events created in a window,
and each is compared with what the shop recorded. Everything called here is
the same code the webhook and the return page run, each safe to run twice, so
reconciling is safe at any time and a second run changes nothing.

Both lists are read before anything is changed, so an outage when asking
changes nothing. Each item is then applied by functions that each write in
one transaction of their own, after any call to Stripe they need: no
transaction is held open over a network call (on SQLite, whose transactions
here take the write lock at once, that would stall every webhook). An item
that cannot be applied (a payment that does not match its order) is reported
and the others still are; if Stripe becomes unreachable midway the run stops,
and what was applied before stays applied, complete. An event stored but not
processed when its handler failed is what the webhook leaves too: the next
run (or Stripe's retry) applies it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from oscar.core.loading import get_model

from shop.payments import stripe_gateway
from shop.payments.attempts import release_attempt
from shop.payments.fulfilment import PaymentMismatch, fulfil_checkout_session, record_charge_fees
from shop.payments.models import PaymentAttempt, Refund, StripeEvent
from shop.payments.refunds import (
    RefundFailed,
    RefundInFlight,
    record_refund_from_stripe,
    settle_refund_request,
    stale_refund_requests,
    unrecorded_refund,
)
from shop.payments.webhooks import EVENT_HANDLERS, NotTheShops, RetryLater, apply_stripe_event, refuse_foreign

Basket = get_model("basket", "Basket")

REFUND_EVENT = "charge.refunded"
# Errors that concern one item: report it, go on with the rest. An unreachable
# Stripe (StripeUnavailable) or a missing key stops the run instead.
ITEM_ERRORS = (
    PaymentMismatch,
    RetryLater,
    RefundInFlight,
    RefundFailed,
    stripe_gateway.StripeRejected,
    stripe_gateway.StripeResponseUnreadable,
)


@dataclass(frozen=True)
class Finding:
    """One line of the report: what was (or, in a dry run, would be) done about one Stripe object."""

    subject: str
    action: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.action}"


@dataclass
class Reconciliation:
    since: datetime
    dry_run: bool
    sessions: int = 0
    events: int = 0
    changes: list[Finding] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)


class ReconciliationStopped(Exception):  # noqa: N818
    """Stripe became unreachable (or is not configured). ``progress`` holds what was applied before."""

    def __init__(self, message: str, *, progress: Reconciliation) -> None:
        super().__init__(message)
        self.progress = progress


def reconcile_stripe(
    *,
    since: datetime,
    dry_run: bool = False,
    on_change: Callable[[Finding], None] | None = None,
    on_problem: Callable[[Finding], None] | None = None,
) -> Reconciliation:
    """Apply what Stripe knows since ``since`` and the shop missed; report each change as it is made.

    Paid sessions without an order are fulfilled, expired sessions still
    holding a frozen basket release it, missing fees are recorded, events
    the shop never processed are applied, refunds Stripe reports beyond the
    shop's are recorded, and dashboard refunds left without Stripe's answer
    are settled. A dry run asks Stripe the same questions and changes nothing.
    """
    result = Reconciliation(since=since, dry_run=dry_run)
    created_since = int(since.timestamp())
    types = sorted(set(EVENT_HANDLERS) | {REFUND_EVENT})
    try:
        # Stripe lists newest first; the shop's history is applied in the order it happened.
        sessions = list(stripe_gateway.list_checkout_sessions(created_since=created_since))[::-1]
        events = list(stripe_gateway.list_events(created_since=created_since, types=types))[::-1]
    except (stripe_gateway.StripeUnavailable, stripe_gateway.StripeNotConfigured) as exc:
        raise ReconciliationStopped(str(exc), progress=result) from exc
    result.sessions, result.events = len(sessions), len(events)

    work: list[tuple[str, Callable[[], str | None]]] = []
    work += [(f"Checkout Session {s.id}", _session_step(s, dry_run)) for s in sessions]
    latest = _latest_refund_events(events)
    work += [(f"Event {e.id} ({e.type})", _event_step(e, dry_run, e.id in latest)) for e in events]
    work += [(f"Refund {r.pk} of order {r.order.number}", _refund_step(r, dry_run)) for r in stale_refund_requests()]
    for subject, step in work:
        try:
            action = step()
        except ITEM_ERRORS as exc:
            _note(result.problems, Finding(subject, f"not applied: {exc}"), on_problem)
        except (stripe_gateway.StripeUnavailable, stripe_gateway.StripeNotConfigured) as exc:
            raise ReconciliationStopped(f"{subject}: {exc}", progress=result) from exc
        else:
            if action:
                _note(result.changes, Finding(subject, action), on_change)
    return result


def _note(findings: list[Finding], finding: Finding, callback: Callable[[Finding], None] | None) -> None:
    findings.append(finding)
    if callback is not None:
        callback(finding)


# --- Sessions ---------------------------------------------------------------------------


def _session_step(session: stripe_gateway.CheckoutSession, dry_run: bool) -> Callable[[], str | None]:
    return lambda: _reconcile_session(session, dry_run)


def _reconcile_session(session: stripe_gateway.CheckoutSession, dry_run: bool) -> str | None:
    attempt = _attempt_for(session)
    if attempt is None:
        return None  # not opened by this shop
    if session.is_paid and attempt.order_id is None:
        if dry_run:
            return f"paid, would place order {attempt.order_number}"
        order = fulfil_checkout_session(stripe_gateway.retrieve_checkout_session(session.id))
        return f"paid, placed order {order.number}"
    if session.is_paid and attempt.fee_minor is None:
        charge = stripe_gateway.retrieve_checkout_session(session.id).charge
        if charge is None or charge.fee is None:
            return None  # Stripe does not know it yet either; charge.updated will bring it
        if dry_run:
            return f"would record Stripe's fee {charge.fee} on order {attempt.order_number}"
        record_charge_fees(charge)
        return f"recorded Stripe's fee {charge.fee} on order {attempt.order_number}"
    if session.status == "expired" and _holds_frozen_basket(attempt):
        if dry_run:
            return f"expired, would give basket {attempt.basket_id} back"
        release_attempt(attempt, status=PaymentAttempt.Status.EXPIRED)
        return f"expired, gave basket {attempt.basket_id} back"
    return None


def _attempt_for(session: stripe_gateway.CheckoutSession) -> PaymentAttempt | None:
    attempt = PaymentAttempt.objects.filter(stripe_session_id=session.id).first()
    if attempt is None and session.client_reference_id:
        # The session was opened but its id never saved (the answer to "create" was lost).
        attempt = PaymentAttempt.objects.filter(
            order_number=session.client_reference_id, stripe_session_id__isnull=True
        ).first()
    return attempt


def _holds_frozen_basket(attempt: PaymentAttempt) -> bool:
    """Whether this unpaid attempt is what keeps its basket frozen.

    A customer who cancelled and paid again froze the same basket for a newer
    attempt: the old session's expiry must not thaw it.
    """
    if attempt.order_id is not None:
        return False
    newer = PaymentAttempt.objects.filter(basket_id=attempt.basket_id, pk__gt=attempt.pk).exists()
    return not newer and Basket.objects.filter(pk=attempt.basket_id, status=Basket.FROZEN).exists()


# --- Events ---------------------------------------------------------------------------------


def _latest_refund_events(events: list[stripe_gateway.WebhookEvent]) -> set[str]:
    """The newest charge.refunded event of each charge: the only one whose total is still Stripe's."""
    latest: dict[str, stripe_gateway.WebhookEvent] = {}
    for event in events:
        if event.type == REFUND_EVENT:
            charge_id = str(event.data_object.get("id"))
            if charge_id not in latest or event.created >= latest[charge_id].created:
                latest[charge_id] = event
    return {event.id for event in latest.values()}


def _event_step(event: stripe_gateway.WebhookEvent, dry_run: bool, recheck: bool) -> Callable[[], str | None]:
    return lambda: _reconcile_event(event, dry_run, recheck)


def _reconcile_event(event: stripe_gateway.WebhookEvent, dry_run: bool, recheck: bool) -> str | None:
    try:
        refuse_foreign(event)
    except NotTheShops:
        return None  # another integration's payment on the same account: nothing was missed
    processed = StripeEvent.objects.filter(event_id=event.id, processed_at__isnull=False).exists()
    if not processed:
        if dry_run:
            return "missed, would apply it"
        return f"missed, applied: {apply_stripe_event(event)}"
    if not recheck:
        return None
    # The charge's newest refund event was processed, but perhaps before its order
    # existed: Stripe's total is compared again (only a difference is recorded).
    charge = stripe_gateway.charge_fees_from_event(event)
    if dry_run:
        missing = unrecorded_refund(charge)
        return f"would record {missing} refunded in Stripe" if missing else None
    refund = record_refund_from_stripe(charge, event_id=event.id)
    return f"recorded {refund.amount} refunded in Stripe on order {refund.order.number}" if refund else None


# --- Dashboard refunds left without an answer ------------------------------------------------------


def _refund_step(refund: Refund, dry_run: bool) -> Callable[[], str | None]:
    return lambda: _settle(refund, dry_run)


def _settle(refund: Refund, dry_run: bool) -> str | None:
    if dry_run:
        return f"Stripe's answer to this {refund.amount} refund is not recorded: would ask again"
    settled = settle_refund_request(refund)
    if settled.is_recorded:
        return f"Stripe's answer recorded: {settled.amount} refunded ({settled.stripe_refund_id})"
    return f"{settled.get_status_display()}: {settled.failure_message}"
