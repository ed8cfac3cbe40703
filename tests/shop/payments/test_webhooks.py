"""The webhook's door: events about other integrations' payments, and bodies no parser should be handed."""

import json
import logging
import time

import pytest
import stripe
from oscar.core.loading import get_model

from donations.models import JournalEntry
from shop.payments import stripe_gateway
from shop.payments.models import PaymentAttempt, StripeEvent
from shop.payments.webhooks import process_pending_events, record_stripe_event
from tests.shop.payments import stripe_responses as responses
from tests.shop.payments.test_checkout_payment import attempt, post_event  # noqa: F401 -- a fixture
from tests.shop.payments.test_stripe_gateway import WEBHOOK_SECRET

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")

ELSEWHERE = {"client_reference_id": "other-app-7731", "metadata": {"invoice": "INV-7731"}}


def foreign_session(**overrides):
    return {**responses.session_completed_unexpanded(), "id": "cs_test_elsewhere", **ELSEWHERE, **overrides}


def foreign_charge(**overrides):
    return responses.charge(
        balance_transaction_expanded=False, id="ch_elsewhere", payment_intent="pi_elsewhere",
        metadata={"invoice": "INV-7731"}, **overrides,
    )


FOREIGN_EVENTS = {
    "checkout.session.completed": lambda: foreign_session(),
    "checkout.session.expired": lambda: foreign_session(status="expired", payment_status="unpaid", url=None),
    # Setup mode: no amount at all, so the session could not even be read as a payment.
    "checkout.session.async_payment_failed": lambda: foreign_session(amount_total=None, currency=None),
    "charge.refunded": lambda: foreign_charge(amount_refunded=1000, refunded=False),
    "charge.updated": lambda: foreign_charge(),
}


def foreign_event(event_type):
    return responses.event(event_type, FOREIGN_EVENTS[event_type](), event_id=f"evt_elsewhere_{event_type}")


def lines(caplog, prefix=""):
    """Log lines at INFO or above; with a prefix, only those loggers' (Django adds its own for a 4xx)."""
    return [record for record in caplog.records if record.levelno >= logging.INFO and record.name.startswith(prefix)]


def nothing_changed(attempt, stripe_http):  # noqa: F811
    assert Order.objects.count() == 0
    assert JournalEntry.objects.count() == 0
    assert StripeEvent.objects.count() == 0
    assert stripe_http.requests == []  # not even a question to Stripe
    assert PaymentAttempt.objects.get().status == attempt.status
    assert Basket.objects.get(pk=attempt.basket_id).status == Basket.FROZEN


@pytest.mark.django_db
@pytest.mark.parametrize("event_type", sorted(FOREIGN_EVENTS))
def test_an_event_about_someone_elses_payment_is_acknowledged_with_one_line(
    client, attempt, stripe_http, caplog, event_type  # noqa: F811
):
    stripe_http.requests.clear()
    with caplog.at_level(logging.INFO):
        response = post_event(client, foreign_event(event_type))
    assert (response.status_code, response.content) == (200, b"not the shop's")
    (line,) = lines(caplog)
    assert f"evt_elsewhere_{event_type}" in line.getMessage() and "not the shop's" in line.getMessage()
    nothing_changed(attempt, stripe_http)


@pytest.mark.django_db
@pytest.mark.parametrize("event_type", sorted(FOREIGN_EVENTS))
def test_queued_an_event_about_someone_elses_payment_is_never_queued(
    client, attempt, stripe_http, settings, caplog, event_type  # noqa: F811
):
    settings.STRIPE_WEBHOOK_QUEUE = True
    stripe_http.requests.clear()
    with caplog.at_level(logging.INFO):
        response = post_event(client, foreign_event(event_type))
        assert process_pending_events() == 0
    assert (response.status_code, response.content) == (200, b"not the shop's")
    assert len(lines(caplog)) == 1
    nothing_changed(attempt, stripe_http)


@pytest.mark.django_db
@pytest.mark.parametrize("event_type", sorted(FOREIGN_EVENTS))
def test_a_worker_finishes_a_foreign_event_queued_before_the_shop_told_them_apart(
    attempt, stripe_http, caplog, event_type  # noqa: F811
):
    payload = foreign_event(event_type)
    event = stripe_gateway.parse_webhook_event(*signed(payload))
    stored, _ = record_stripe_event(event)  # as the queueing webhook used to store everything
    stripe_http.requests.clear()
    with caplog.at_level(logging.INFO):
        assert process_pending_events() == 1
    stored.refresh_from_db()
    assert stored.processed_at is not None and stored.outcome == "not the shop's" and stored.tries == 1
    assert len(lines(caplog)) == 1
    with caplog.at_level(logging.INFO):
        assert process_pending_events() == 0  # done, not retried
    assert Order.objects.count() == 0 and JournalEntry.objects.count() == 0
    assert stripe_http.requests == []


@pytest.mark.django_db
def test_an_event_we_handle_about_no_payment_object_still_fails_loudly(client, attempt, caplog):  # noqa: F811
    """Not told apart (it has no id): its handler fails on it as before, and Stripe retries."""
    broken = responses.event("checkout.session.completed", {"object": "checkout.session"}, event_id="evt_no_id")
    with caplog.at_level("ERROR", logger="shop.payments.views"):
        assert post_event(client, broken).status_code == 500
    assert "could not be applied" in caplog.text


# --- Bodies no parser should be handed -------------------------------------------------------


def signed(payload) -> tuple[bytes, str]:
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return body.encode(), stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)


def post_raw(client, body: str):
    raw, header = signed(body)
    return client.post("/checkout/stripe/webhook/", raw, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=header)


@pytest.mark.django_db
def test_deeply_nested_signed_json_is_refused_quickly_without_a_traceback(client, stripe_http, caplog):
    body = "[" * 100_000 + "]" * 100_000
    started = time.monotonic()
    with caplog.at_level(logging.INFO):
        response = post_raw(client, body)
    assert time.monotonic() - started < 2
    assert response.status_code == 400
    (line,) = lines(caplog, "shop.")
    assert "nested 100000 levels deep" in line.getMessage()
    assert not any(record.exc_info for record in caplog.records)
    assert StripeEvent.objects.count() == 0


@pytest.mark.django_db
def test_an_event_nested_just_past_the_limit_is_refused_and_one_inside_it_is_not(client, stripe_http):
    from donations.json_limits import MAX_DEPTH

    event = responses.event("customer.created", {"id": "cus_1", "object": "customer"}, event_id="evt_deep")
    def nest(levels):
        value = 1
        for _ in range(levels):
            value = [value]
        return value

    # event { data { object { metadata { x: four levels before the padding.
    event["data"]["object"]["metadata"] = {"x": nest(MAX_DEPTH - 4)}
    assert post_raw(client, json.dumps(event)).status_code == 200
    event["data"]["object"]["metadata"] = {"x": nest(MAX_DEPTH - 3)}
    assert post_raw(client, json.dumps(event)).status_code == 400


@pytest.mark.django_db
def test_brackets_inside_strings_do_not_count(client, attempt, stripe_http):  # noqa: F811
    payload = responses.checkout_session_completed_event()
    payload["data"]["object"]["metadata"]["note"] = '[[[[{{{{\\"[[[[' * 5000
    stripe_http.respond(responses.session_paid())
    response = post_event(client, payload)
    assert response.status_code == 200, response.content
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_a_body_larger_than_any_stripe_event_is_refused_before_it_is_read(client, stripe_http, caplog):
    from shop.payments.views import WEBHOOK_MAX_BYTES

    payload = responses.event("customer.created", {"id": "cus_1", "object": "customer",
                                                   "description": "x" * WEBHOOK_MAX_BYTES})
    with caplog.at_level(logging.INFO):
        response = post_event(client, payload)
    assert response.status_code == 413
    (line,) = lines(caplog, "shop.")
    assert "larger than" in line.getMessage()
    assert StripeEvent.objects.count() == 0
