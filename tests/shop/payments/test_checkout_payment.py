"""From "Pay" to exactly one order, whatever order the return page and Stripe's webhooks arrive in."""

import json
import time
from urllib.parse import parse_qs

import pytest
import stripe
from django.core import mail
from django.urls import reverse
from oscar.core.loading import get_model

from shop.payments.models import PaymentAttempt, StripeEvent
from tests.shop.payments import stripe_responses as responses
from tests.shop.payments.test_stripe_gateway import WEBHOOK_SECRET

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
Source = get_model("payment", "Source")

ADDRESS = {"first_name": "Olena", "last_name": "Test", "line1": "Unter den Linden 1", "line4": "Berlin",
           "postcode": "10117", "country": "DE", "phone_number": ""}


@pytest.fixture
def attempt(client, tshirt, shipping_methods, stripe_http):
    """A guest pressed "Pay": a 29.00 t-shirt and 6.00 shipping to Germany (3500 cents, as in the replies)."""
    parent, children = tshirt
    client.post(reverse("basket:add", kwargs={"pk": parent.pk}), {"quantity": 1, "child_id": children[0].pk})
    client.post(reverse("checkout:index"), {"username": responses.CUSTOMER_EMAIL, "options": "anonymous"})
    client.post(reverse("checkout:shipping-address"), ADDRESS)
    client.get(reverse("checkout:shipping-method"))
    stripe_http.respond(responses.session_open())
    response = client.post(reverse("checkout:preview"), {"action": "place_order"})
    assert response.status_code == 302
    assert response["Location"].startswith("https://checkout.stripe.com/")
    return PaymentAttempt.objects.get()


def post_event(client, payload: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    body = json.dumps(payload)
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
    return client.post("/checkout/stripe/webhook/", body, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=header)


def completed_event(**kwargs):
    return responses.checkout_session_completed_event(**kwargs)


def charge_updated_for(attempt):
    """charge.updated as Stripe sends it for this attempt: the charge carries the PaymentIntent's metadata."""
    event = responses.charge_updated_event()
    event["data"]["object"]["metadata"]["order_number"] = attempt.order_number
    return event


@pytest.mark.django_db
def test_pay_remembers_the_order_and_opens_stripe_checkout(attempt, stripe_http):
    (create,) = stripe_http.requests
    form = parse_qs(create.post_data)
    assert form["line_items[0][price_data][unit_amount]"] == ["2900"]
    assert form["line_items[1][price_data][unit_amount]"] == ["600"]
    assert form["line_items[0][price_data][currency]"] == ["eur"]
    assert form["client_reference_id"] == [attempt.order_number]
    assert form["customer_email"] == [responses.CUSTOMER_EMAIL]
    assert form["success_url"][0].endswith("/en/checkout/stripe/return/?session_id={CHECKOUT_SESSION_ID}")
    assert create.headers["Idempotency-Key"] == attempt.idempotency_key
    assert attempt.total_minor == 3500
    assert attempt.email == responses.CUSTOMER_EMAIL
    assert attempt.shipping_address["line1"] == "Unter den Linden 1"
    assert attempt.stripe_session_id == responses.SESSION_ID
    assert attempt.basket.status == Basket.FROZEN


@pytest.mark.django_db
def test_when_stripe_is_down_nothing_is_charged_and_the_basket_stays(client, tshirt, shipping_methods, stripe_http):
    parent, children = tshirt
    client.post(reverse("basket:add", kwargs={"pk": parent.pk}), {"quantity": 1, "child_id": children[0].pk})
    client.post(reverse("checkout:index"), {"username": responses.CUSTOMER_EMAIL, "options": "anonymous"})
    client.post(reverse("checkout:shipping-address"), ADDRESS)
    client.get(reverse("checkout:shipping-method"))
    outage = responses.error_body("Something went wrong on Stripe's end.", type="api_error")
    stripe_http.respond(outage, status=500, times=3)
    response = client.post(reverse("checkout:preview"), {"action": "place_order"})
    assert response["Location"] == reverse("checkout:preview")
    assert PaymentAttempt.objects.get().status == PaymentAttempt.Status.FAILED
    assert client.get(reverse("basket:summary")).context["basket"].num_lines == 1


@pytest.mark.django_db(transaction=True)
def test_webhook_places_one_order_with_payment_records_and_fee(client, attempt, stripe_http):
    stripe_http.respond(responses.session_paid())
    response = post_event(client, completed_event())
    assert response.status_code == 200, response.content
    order = Order.objects.get()
    assert order.number == attempt.order_number
    assert order.guest_email == responses.CUSTOMER_EMAIL
    assert str(order.total_incl_tax) == "35.00"
    source = Source.objects.get(order=order)
    assert source.reference == responses.PAYMENT_INTENT_ID
    assert source.transactions.count() == 1
    assert order.payment_events.get().event_type.code == "paid"
    attempt.refresh_from_db()
    assert (attempt.fee_minor, attempt.net_minor) == (responses.FEE, responses.NET)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [responses.CUSTOMER_EMAIL]
    assert Basket.objects.get(pk=attempt.basket_id).status == Basket.SUBMITTED


@pytest.mark.django_db(transaction=True)
def test_the_same_event_twice_makes_one_order(client, attempt, stripe_http):
    stripe_http.respond(responses.session_paid())
    assert post_event(client, completed_event()).status_code == 200
    second = post_event(client, completed_event())
    assert second.status_code == 200
    assert second.content == b"already processed"
    assert Order.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_return_page_first_then_webhook_makes_one_order(client, attempt, stripe_http):
    stripe_http.respond(responses.session_paid())
    response = client.get(reverse("payments:return") + f"?session_id={responses.SESSION_ID}")
    assert response.status_code == 302
    assert response["Location"] == reverse("checkout:thank-you")
    assert client.get(response["Location"]).status_code == 200
    stripe_http.respond(responses.session_paid())
    assert post_event(client, completed_event()).status_code == 200
    assert Order.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_webhook_first_then_return_page_shows_the_order(client, attempt, stripe_http):
    stripe_http.respond(responses.session_paid())
    post_event(client, completed_event())
    response = client.get(reverse("payments:return") + f"?session_id={responses.SESSION_ID}")
    assert response["Location"] == reverse("checkout:thank-you")
    assert Order.objects.count() == 1
    assert len(mail.outbox) == 1
    # The thank-you page carries the same private impact link as the email.
    token = Order.objects.get().impact_link.token
    thank_you = client.get(response["Location"]).content.decode()
    assert f'href="{reverse("impact", kwargs={"token": token})}"' in thank_you
    assert token in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_the_browser_that_paid_sees_its_order_status_without_typing_the_email(client, attempt, stripe_http):
    from shop.payments.fulfilment import order_status_path

    stripe_http.respond(responses.session_paid())
    client.get(reverse("payments:return") + f"?session_id={responses.SESSION_ID}")
    order = Order.objects.get()
    assert order.user_id is None
    status_page = client.get(order_status_path(order))
    assert status_page.status_code == 200, status_page.get("Location")
    assert order.number in status_page.content.decode()
    # Another browser still has to name the order's email first.
    client.cookies.clear()
    assert client.get(order_status_path(order)).status_code == 302


@pytest.mark.django_db
def test_return_page_tells_the_truth_while_payment_is_processing(client, attempt, stripe_http):
    stripe_http.respond(responses.session_processing())
    response = client.get(reverse("payments:return") + f"?session_id={responses.SESSION_ID}")
    assert response.status_code == 202
    assert 'http-equiv="refresh"' in response.content.decode()
    assert Order.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("tamper", ["secret", "body", "missing", "stale"])
def test_a_bad_signature_is_refused_and_changes_nothing(client, attempt, tamper):
    payload = completed_event()
    body = json.dumps(payload)
    secret = "whsec_wrong" if tamper == "secret" else WEBHOOK_SECRET
    timestamp = int(time.time()) - 600 if tamper == "stale" else None
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
    if tamper == "body":
        body = body.replace(responses.SESSION_ID, "cs_test_someone_else")
    headers = {} if tamper == "missing" else {"HTTP_STRIPE_SIGNATURE": header}
    response = client.post("/checkout/stripe/webhook/", body, content_type="application/json", **headers)
    assert response.status_code == 400
    assert Order.objects.count() == 0
    assert StripeEvent.objects.count() == 0


@pytest.mark.django_db
def test_malformed_json_is_refused(client, attempt):
    body = "{not json"
    header = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
    response = client.post("/checkout/stripe/webhook/", body, content_type="application/json",
                           HTTP_STRIPE_SIGNATURE=header)
    assert response.status_code == 400


@pytest.mark.django_db
def test_an_event_we_do_not_handle_is_acknowledged(client, attempt):
    response = post_event(client, responses.event("customer.created", {"id": "cus_1", "object": "customer"},
                                                  event_id="evt_other"))
    assert response.status_code == 200
    assert response.content == b"ignored"


@pytest.mark.django_db
def test_expired_session_gives_the_basket_back(client, attempt):
    response = post_event(client, responses.event("checkout.session.expired", responses.session_expired(),
                                                  event_id="evt_expired"))
    assert response.status_code == 200
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttempt.Status.EXPIRED
    assert Basket.objects.get(pk=attempt.basket_id).status == Basket.OPEN
    assert client.get(reverse("basket:summary")).context["basket"].num_lines == 1


@pytest.mark.django_db
def test_cancel_returns_a_usable_basket(client, attempt, stripe_http):
    stripe_http.respond(responses.session_open())
    stripe_http.respond(responses.session_expired())  # closed at Stripe before the basket is given back
    response = client.get(reverse("payments:cancelled") + f"?order={attempt.order_number}")
    assert response["Location"] == reverse("basket:summary")
    basket = client.get(response["Location"]).context["basket"]
    assert basket.num_lines == 1
    assert basket.can_be_edited


@pytest.mark.django_db
def test_a_payment_that_does_not_match_the_order_is_not_fulfilled(client, attempt, stripe_http):
    wrong = completed_event()
    wrong["data"]["object"]["amount_total"] = 100
    stripe_http.respond(responses.session_paid() | {"amount_total": 100})
    response = post_event(client, wrong)
    assert response.status_code == 500  # Stripe keeps retrying while staff look
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_a_webhook_for_another_currency_is_not_fulfilled(client, attempt, stripe_http):
    other = completed_event()
    other["data"]["object"]["currency"] = "usd"
    stripe_http.respond(responses.session_paid() | {"currency": "usd"})
    assert post_event(client, other).status_code == 500
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_unknown_session_on_return_is_a_clear_message(client, attempt, stripe_http):
    # The basket page it leads to then settles this browser's own open payment (test_abandoned.py).
    stripe_http.respond(responses.session_open())
    stripe_http.respond(responses.session_expired())
    response = client.get(reverse("payments:return") + "?session_id=cs_test_unknown", follow=True)
    assert "could not find that payment" in response.content.decode()
    assert Order.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_late_fee_is_recorded_whatever_the_order_of_events(client, attempt, stripe_http):
    # charge.updated first: the order does not exist yet, so Stripe is asked to retry.
    stripe_http.respond(responses.charge())
    assert post_event(client, charge_updated_for(attempt)).status_code == 503
    # completed, while Stripe cannot say the fee yet
    stripe_http.respond(responses.session_paid_without_balance_transaction())
    assert post_event(client, completed_event()).status_code == 200
    attempt.refresh_from_db()
    assert attempt.fee_minor is None
    # Stripe's retry of charge.updated now finds the order
    stripe_http.respond(responses.charge())
    assert post_event(client, charge_updated_for(attempt)).status_code == 200
    attempt.refresh_from_db()
    assert (attempt.fee_minor, attempt.net_minor) == (responses.FEE, responses.NET)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_fulfilments_make_one_order(attempt, stripe_http):
    """Webhook deliveries and return pages at once, on PostgreSQL's row locks: one order, one email."""
    stripe_http.respond(responses.session_paid(), times=20)  # the fee look-ups, however many happen
    import threading

    from django.db import connection

    from shop.payments import stripe_gateway
    from shop.payments.fulfilment import fulfil_checkout_session
    from shop.payments.webhooks import apply_stripe_event

    session = stripe_gateway.checkout_session_from_event(
        stripe_gateway.WebhookEvent(id="evt", type="checkout.session.completed", created=0, livemode=False,
                                    data_object=responses.session_completed_unexpanded(), previous_attributes=None)
    )
    barrier = threading.Barrier(20)
    orders, errors = [], []

    def as_return_page():
        orders.append(fulfil_checkout_session(session).number)

    def as_webhook(index):
        event = stripe_gateway.WebhookEvent(
            id=f"evt_{index % 3}", type="checkout.session.completed", created=0, livemode=False,
            data_object=responses.session_completed_unexpanded(), previous_attributes=None,
        )
        apply_stripe_event(event)

    def worker(index):
        try:
            barrier.wait()
            as_return_page() if index % 2 else as_webhook(index)
        except Exception as exc:  # noqa: BLE001 -- collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(orders) == {attempt.order_number}
    assert Order.objects.count() == 1
    assert Source.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_queued_webhooks_answer_at_once_and_a_worker_places_the_order(client, attempt, stripe_http, settings):
    from django.core.management import call_command

    settings.STRIPE_WEBHOOK_QUEUE = True
    first = post_event(client, completed_event())
    repeat = post_event(client, completed_event())
    assert (first.content, repeat.content) == (b"queued", b"already received")
    assert Order.objects.count() == 0
    stripe_http.respond(responses.session_paid())
    call_command("process_stripe_events", verbosity=0)
    assert Order.objects.count() == 1
    assert StripeEvent.objects.get().processed_at is not None
    assert len(mail.outbox) == 1
    call_command("process_stripe_events", verbosity=0)  # nothing left: nothing happens twice
    assert Order.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_queued_event_that_must_wait_is_tried_again(client, attempt, stripe_http, settings):
    from shop.payments.webhooks import process_pending_events

    settings.STRIPE_WEBHOOK_QUEUE = True
    post_event(client, charge_updated_for(attempt))  # before its order exists
    stripe_http.respond(responses.charge())
    assert process_pending_events() == 1
    waiting = StripeEvent.objects.get()
    assert waiting.processed_at is None and waiting.tries == 1
    post_event(client, completed_event())
    stripe_http.respond(responses.charge())  # the waiting charge.updated, still before the order
    stripe_http.respond(responses.session_paid_without_balance_transaction())
    assert process_pending_events() == 2
    stripe_http.respond(responses.charge())
    assert process_pending_events() == 1
    attempt.refresh_from_db()
    assert Order.objects.count() == 1
    assert attempt.fee_minor == responses.FEE


@pytest.mark.django_db
def test_a_webhook_for_a_session_the_shop_never_opened_is_acknowledged(client, attempt, stripe_http, caplog):
    """Another integration's session on the same account: 200 and a line, not days of retries (test_webhooks)."""
    unknown = completed_event()
    unknown["data"]["object"].update(id="cs_test_unknown", client_reference_id="999999", metadata={})
    with caplog.at_level("INFO"):
        response = post_event(client, unknown)
    assert (response.status_code, response.content) == (200, b"not the shop's")
    assert "Checkout Session cs_test_unknown was not opened by this shop" in caplog.text
    assert Order.objects.count() == 0
    assert StripeEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_session_naming_our_order_but_not_the_one_we_opened_keeps_stripe_retrying(client, attempt, stripe_http,
                                                                                    caplog):
    """Ours by its mark, yet not the session recorded for the order: money may be involved, staff must look."""
    other = completed_event()
    other["data"]["object"].update(id="cs_test_other", client_reference_id=attempt.order_number,
                                   metadata={"order_number": attempt.order_number})
    stripe_http.respond(responses.session_paid() | {"id": "cs_test_other", "client_reference_id": attempt.order_number,
                                                     "metadata": {"order_number": attempt.order_number}})
    with caplog.at_level("ERROR", logger="shop.payments.views"):
        response = post_event(client, other)
    assert response.status_code == 500
    assert f"Checkout Session cs_test_other is not the one opened for order {attempt.order_number}" in caplog.text
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_an_event_missing_fields_is_logged_and_changes_nothing(client, attempt, caplog):
    broken = completed_event()
    del broken["data"]["object"]["amount_total"]
    with caplog.at_level("ERROR", logger="shop.payments.views"):
        response = post_event(client, broken)
    assert response.status_code == 500
    assert "could not be applied" in caplog.text
    assert Order.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_attempt_is_committed_before_stripe_is_called(client, tshirt, shipping_methods, stripe_http):
    """A webhook may arrive before the customer's browser does: the attempt must already be visible."""
    from django.db import connection

    seen = {}

    def answer(method, url, headers, post_data=None):
        with connection.cursor():  # the same connection would see its own uncommitted rows; ask a new one
            pass
        from django.db import connections

        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM payments_paymentattempt")
                seen["attempts"] = cursor.fetchone()[0]
        finally:
            other.close()
        return json.dumps(responses.session_open()), 200, {}

    stripe_http.request = answer
    parent, children = tshirt
    client.post(reverse("basket:add", kwargs={"pk": parent.pk}), {"quantity": 1, "child_id": children[0].pk})
    client.post(reverse("checkout:index"), {"username": responses.CUSTOMER_EMAIL, "options": "anonymous"})
    client.post(reverse("checkout:shipping-address"), ADDRESS)
    client.get(reverse("checkout:shipping-method"))
    assert client.post(reverse("checkout:preview"), {"action": "place_order"}).status_code == 302
    assert seen["attempts"] == 1


@pytest.mark.django_db
def test_an_old_session_expiring_does_not_thaw_a_basket_paid_for_again(client, attempt, stripe_http):
    from shop.payments.attempts import release_attempt

    newer = PaymentAttempt.objects.create(
        order_number=attempt.order_number + "-2", basket=attempt.basket, email=attempt.email,
        currency="EUR", total_minor=3500, idempotency_key="checkout-newer", stripe_session_id="cs_test_newer",
    )
    assert newer.basket.status == Basket.FROZEN
    release_attempt(attempt)
    assert Basket.objects.get(pk=attempt.basket_id).status == Basket.FROZEN
