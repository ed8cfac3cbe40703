"""A supporter comes back to the shop while their payment is still open.

Pressing Back on Stripe's page, closing its tab, or coming back a day later
all leave a Checkout Session open and the basket frozen: Oscar's middleware
then hands the supporter a new, empty basket. Here the shop settles that
attempt with Stripe before the page is built:

- paid meanwhile → the order is placed (exactly once, ``fulfil_checkout_session``)
  and the supporter is shown it;
- still open → the session is expired at Stripe *first*, so that it can no
  longer be paid, and only then is the basket thawed; Stripe refuses to
  expire a session that was paid a moment ago, and that refusal leads back
  to "paid", never to a thawed basket;
- expired → the basket is thawed.

Whatever the answer, the decision runs under the attempt's row lock
(``fulfil_checkout_session`` and ``release_attempt``), so the webhook for the
same session, arriving at the same moment, finds it made.

Which attempt is the supporter's comes from their browser session (the Pay
view writes ``ATTEMPT_SESSION_KEY``) or, once per session, from their
account: a request without either costs no query and no call to Stripe.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

from shop.payments import stripe_gateway
from shop.payments.attempts import release_attempt
from shop.payments.fulfilment import PaymentMismatch, fulfil_checkout_session
from shop.payments.models import PaymentAttempt

logger = logging.getLogger(__name__)

# The order number of the attempt this browser started (written by the Pay view).
ATTEMPT_SESSION_KEY = "checkout_payment_attempt"
# Every attempt this browser started, paid or not (the latest few): whose order it may be shown.
STARTED_SESSION_KEY = "checkout_payment_attempts_started"
STARTED_REMEMBERED = 10
# The signed-in user whose open attempts this session has looked for already.
USER_CHECKED_SESSION_KEY = "checkout_payment_attempts_checked"
# Unix time before which Stripe is not asked again after it could not be reached.
RETRY_AFTER_SESSION_KEY = "checkout_payment_check_after"
STRIPE_RETRY_SECONDS = 60
# An attempt without a session id is either being opened right now (the Pay
# request is still talking to Stripe) or its request died; after this long it
# is the latter, and a session Stripe never made cannot be paid.
UNOPENED_GRACE = timedelta(minutes=5)


class Outcome(enum.Enum):
    ORDER_PLACED = "order placed"  # paid: show the order
    BASKET_RETURNED = "basket returned"  # not paid and never will be: the basket is editable again
    PROCESSING = "processing"  # paid by a method that takes time, or paid but not matching: keep it frozen
    UNREACHABLE = "unreachable"  # Stripe could not tell: keep it frozen, ask again later
    PENDING = "pending"  # the Pay request is still opening the session: leave it alone


@dataclass(frozen=True)
class Settlement:
    outcome: Outcome
    attempt: PaymentAttempt
    order: Any | None = None

    @property
    def basket_id(self) -> int:
        return self.attempt.basket_id


def leaves_payment_attempts_alone(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that must not settle the visitor's payment: Stripe's webhook, the return and cancel pages."""
    view.leaves_payment_attempts_alone = True  # type: ignore[attr-defined]
    return view


def remember_attempt(session: SessionBase, order_number: str) -> None:
    """The Pay view's note that this browser started the attempt, so that it, and only it, is recognised on return."""
    session[ATTEMPT_SESSION_KEY] = order_number
    started = [number for number in session.get(STARTED_SESSION_KEY, []) if number != order_number]
    session[STARTED_SESSION_KEY] = [*started, order_number][-STARTED_REMEMBERED:]


def settle_on_return(session: SessionBase, user: Any) -> Settlement | None:
    """Settle the open payment attempt of the browser ``session`` (and signed-in ``user``), if there is one.

    None when there is nothing to settle (the usual case: no query at all for
    a guest without an attempt), or when Stripe was unreachable a moment ago
    and is not to be asked again yet.
    """
    attempt = attempt_awaiting_return(session, user)
    if attempt is None:
        return None
    if session.get(RETRY_AFTER_SESSION_KEY, 0) > time.time():
        return None
    settlement = settle_abandoned_attempt(attempt)
    if settlement.outcome in (Outcome.UNREACHABLE, Outcome.PENDING):
        session[RETRY_AFTER_SESSION_KEY] = time.time() + STRIPE_RETRY_SECONDS
    else:
        forget_attempt(session)
    return settlement


def attempt_awaiting_return(session: SessionBase, user: Any) -> PaymentAttempt | None:
    """The attempt this browser (or account) started and has not come back from; None for anyone else's."""
    number = session.get(ATTEMPT_SESSION_KEY)
    signed_in = bool(user is not None and user.is_authenticated)
    if number is None and signed_in and session.get(USER_CHECKED_SESSION_KEY) != user.pk:
        # Paid for on another device, or before this sign-in: looked for once per session.
        session[USER_CHECKED_SESSION_KEY] = user.pk
        number = (
            PaymentAttempt.objects.filter(user=user, status=PaymentAttempt.Status.OPEN)
            .order_by("-id")
            .values_list("order_number", flat=True)
            .first()
        )
        if number is None:
            return None
        session[ATTEMPT_SESSION_KEY] = number
    if number is None:
        return None
    attempt = PaymentAttempt.objects.filter(order_number=number).first()
    if attempt is None or not belongs_to(attempt, session=session, user=user):
        forget_attempt(session)
        return None
    return attempt


def belongs_to(attempt: PaymentAttempt, *, session: SessionBase, user: Any) -> bool:
    """Whether this browser may settle ``attempt`` and see its order.

    A signed-in customer's attempt is theirs in any browser they sign in to;
    a guest's only in the browser session that pressed Pay. Another signed-in
    user in that same browser is not its owner.
    """
    signed_in = bool(user is not None and user.is_authenticated)
    if attempt.user_id is not None:
        return signed_in and attempt.user_id == user.pk
    return attempt.order_number in (session.get(ATTEMPT_SESSION_KEY), *session.get(STARTED_SESSION_KEY, []))


def forget_attempt(session: SessionBase) -> None:
    for key in (ATTEMPT_SESSION_KEY, RETRY_AFTER_SESSION_KEY):
        session.pop(key, None)


def settle_abandoned_attempt(attempt: PaymentAttempt) -> Settlement:
    """Ask Stripe how the attempt stands and act on it: place the order, or close the session and thaw the basket.

    Safe to call any number of times and at the same time as the webhook.
    """
    attempt = PaymentAttempt.objects.select_related("order").get(pk=attempt.pk)
    if attempt.order_id:
        return Settlement(Outcome.ORDER_PLACED, attempt, attempt.order)
    if attempt.status in (PaymentAttempt.Status.EXPIRED, PaymentAttempt.Status.FAILED):
        # The webhook (or a Cancel) got here first; make sure the basket is thawed all the same.
        release_attempt(attempt, status=attempt.status)
        return Settlement(Outcome.BASKET_RETURNED, attempt)
    if attempt.status == PaymentAttempt.Status.PROCESSING:
        return Settlement(Outcome.PROCESSING, attempt)
    try:
        session_id = attempt.stripe_session_id or _session_id_from_stripe(attempt)
        if session_id is None:
            if timezone.now() - attempt.created_at < UNOPENED_GRACE:
                return Settlement(Outcome.PENDING, attempt)
            release_attempt(attempt, status=PaymentAttempt.Status.FAILED)
            return Settlement(Outcome.BASKET_RETURNED, attempt)
        session = stripe_gateway.retrieve_checkout_session(session_id)
        if session.status == "open":
            session = _expire(session_id)
        return _settle(attempt, session)
    except stripe_gateway.PaymentGatewayError as exc:
        logger.warning("Payment attempt %s not settled on return: %s", attempt.order_number, exc)
        return Settlement(Outcome.UNREACHABLE, attempt)


def _expire(session_id: str) -> stripe_gateway.CheckoutSession:
    try:
        return stripe_gateway.expire_checkout_session(session_id)
    except stripe_gateway.StripeRejected:
        # No longer open: most likely paid between our two calls. Ask what it is now.
        return stripe_gateway.retrieve_checkout_session(session_id)


def _settle(attempt: PaymentAttempt, session: stripe_gateway.CheckoutSession) -> Settlement:
    if session.is_paid:
        try:
            order = fulfil_checkout_session(session)
        except PaymentMismatch as exc:
            # Money was taken but does not match the order: staff must look; the basket stays as it was paid.
            logger.error("Checkout Session %s could not become an order on return: %s", session.id, exc)
            return Settlement(Outcome.PROCESSING, attempt)
        return Settlement(Outcome.ORDER_PLACED, attempt, order)
    if session.status == "expired":
        release_attempt(attempt, status=PaymentAttempt.Status.EXPIRED)
        return Settlement(Outcome.BASKET_RETURNED, attempt)
    if session.status == "complete":
        # Completed but unpaid: a bank debit on its way. The webhook places the order when it lands.
        PaymentAttempt.objects.filter(pk=attempt.pk, status=PaymentAttempt.Status.OPEN).update(
            status=PaymentAttempt.Status.PROCESSING
        )
        return Settlement(Outcome.PROCESSING, attempt)
    raise stripe_gateway.StripeResponseUnreadable(f"Checkout Session {session.id} is {session.status!r}")


def _session_id_from_stripe(attempt: PaymentAttempt) -> str | None:
    """The session Stripe opened for an attempt whose Pay request died before saving its id."""
    since = int(attempt.created_at.timestamp()) - 60
    for session in stripe_gateway.list_checkout_sessions(created_since=since):
        if session.client_reference_id == attempt.order_number:
            PaymentAttempt.objects.filter(pk=attempt.pk, stripe_session_id__isnull=True).update(
                stripe_session_id=session.id
            )
            return session.id
    return None
