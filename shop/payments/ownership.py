"""Which Stripe events are about this shop's payments, and which belong to someone else on the same account.

A Stripe account can serve several integrations, and a webhook endpoint
receives every event of the types it subscribes to. An event about a Checkout
Session or charge the shop never started must be acknowledged and left alone:
answering 5xx would have Stripe retry it for days and finally disable the
endpoint, which would then miss the shop's own payments.

"Ours" is decided from the shop's own records, without asking Stripe:

- a Checkout Session is ours when a ``PaymentAttempt`` holds its id, or when
  it carries the shop's mark, ``client_reference_id`` equal to
  ``metadata["order_number"]``, naming an attempt (the attempt is committed
  before Stripe is asked to open the session, so an event that arrives before
  its id is saved still finds it);
- a charge is ours when an attempt holds its PaymentIntent, or when its
  metadata (copied from the PaymentIntent, see ``stripe_gateway``) names an
  attempt.

An event that is ours but cannot be applied yet (the order does not exist,
the amount does not match) is not decided here: it goes on to its handler,
which answers 5xx so that Stripe retries, as before.
"""

from __future__ import annotations

from shop.payments import stripe_gateway
from shop.payments.models import PaymentAttempt


def foreign_payment(event: stripe_gateway.WebhookEvent) -> str | None:
    """Why ``event`` is about a payment this shop never started; None when it is ours or about no payment.

    Raises ``stripe_gateway.StripeResponseUnreadable`` when the event's object has no id.
    """
    subject = stripe_gateway.event_subject(event)
    if subject is None:
        return None
    if subject.kind == "checkout.session":
        if _is_our_session(subject):
            return None
        return f"Checkout Session {subject.id} was not opened by this shop"
    if _is_our_charge(subject):
        return None
    return f"charge {subject.id} is not for a payment this shop took"


def _is_our_session(subject: stripe_gateway.EventSubject) -> bool:
    if PaymentAttempt.objects.filter(stripe_session_id=subject.id).exists():
        return True
    marked = subject.client_reference_id is not None and subject.client_reference_id == subject.order_number
    return marked and PaymentAttempt.objects.filter(order_number=subject.order_number).exists()


def _is_our_charge(subject: stripe_gateway.EventSubject) -> bool:
    attempts = PaymentAttempt.objects
    if subject.payment_intent_id and attempts.filter(payment_intent_id=subject.payment_intent_id).exists():
        return True
    return bool(subject.order_number) and attempts.filter(order_number=subject.order_number).exists()
