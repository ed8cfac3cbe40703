"""A supporter comes back to the shop while their payment is open: their basket back, or their order, never neither.

Stripe is replayed at the wire (``stripe_http``); the PostgreSQL race with the
real stand-in is in ``test_abandoned_race.py``, the browser's Back button in
``tests/e2e/test_abandoned_payment.py``.
"""

from urllib.parse import parse_qs

import pytest
import stripe
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_model

from shop.payments.abandoned import ATTEMPT_SESSION_KEY
from shop.payments.models import PaymentAttempt
from tests.shop.payments import stripe_responses as responses
from tests.shop.payments import test_checkout_payment as checkout
from tests.shop.payments.test_checkout_payment import ADDRESS, completed_event, post_event

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")

attempt = checkout.attempt  # the fixture: a guest has pressed "Pay" for a t-shirt
EXPIRE_PATH = f"/v1/checkout/sessions/{responses.SESSION_ID}/expire"


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def stripe_calls(stripe_http) -> list[str]:
    return [f"{request.method.upper()} {request.url.split('?')[0].split('127.0.0.1:12111')[-1]}"
            for request in stripe_http.requests]


@pytest.mark.django_db
def test_back_from_payment_expires_the_session_and_gives_the_basket_back(client, attempt, stripe_http):
    stripe_http.respond(responses.session_open())
    stripe_http.respond(responses.session_expired())
    response = client.get(reverse("basket:summary"))
    assert response.status_code == 200
    basket = response.context["basket"]
    assert basket.id == attempt.basket_id
    assert basket.num_lines == 1 and basket.can_be_edited
    assert "Your payment was not completed; your basket is as you left it." in messages_of(response)
    session_path = f"/v1/checkout/sessions/{responses.SESSION_ID}"
    assert stripe_calls(stripe_http)[-2:] == [f"GET {session_path}", f"POST {EXPIRE_PATH}"]
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttempt.Status.EXPIRED
    assert ATTEMPT_SESSION_KEY not in client.session
    # Settled once: the next page asks Stripe nothing.
    calls = len(stripe_http.requests)
    assert client.get(reverse("basket:summary")).context["basket"].num_lines == 1
    assert len(stripe_http.requests) == calls


@pytest.mark.django_db
def test_adding_a_product_on_return_adds_it_to_the_basket_given_back(client, attempt, tshirt, stripe_http):
    parent, children = tshirt
    stripe_http.respond(responses.session_open())
    stripe_http.respond(responses.session_expired())
    client.post(reverse("basket:add", kwargs={"pk": parent.pk}), {"quantity": 1, "child_id": children[1].pk})
    basket = client.get(reverse("basket:summary")).context["basket"]
    assert basket.id == attempt.basket_id
    assert sorted(line.product_id for line in basket.all_lines()) == sorted([children[0].pk, children[1].pk])
    assert Basket.objects.filter(status=Basket.OPEN).count() == 1


@pytest.mark.django_db
def test_a_guest_whose_basket_cookie_was_dropped_still_gets_the_basket_back(client, attempt, tshirt, stripe_http):
    """Oscar drops the cookie of a frozen basket and starts another; the two become one again."""
    parent, children = tshirt
    stripe_http.respond(responses.session_open())
    stripe_http.respond(responses.error_body("Something went wrong on Stripe's end.", type="api_error"),
                        status=500, times=3)
    client.post(reverse("basket:add", kwargs={"pk": parent.pk}), {"quantity": 1, "child_id": children[1].pk})
    assert Basket.objects.get(pk=attempt.basket_id).status == Basket.FROZEN
    session = client.session
    assert session[ATTEMPT_SESSION_KEY] == attempt.order_number  # still remembered
    session.pop("checkout_payment_check_after")
    session.save()
    stripe_http.respond(responses.session_open())
    stripe_http.respond(responses.session_expired())
    basket = client.get(reverse("basket:summary")).context["basket"]
    assert basket.id == attempt.basket_id
    assert sorted(line.product_id for line in basket.all_lines()) == sorted([children[0].pk, children[1].pk])


@pytest.mark.django_db(transaction=True)
def test_paid_meanwhile_places_the_order_once_and_shows_it(client, attempt, stripe_http):
    stripe_http.respond(responses.session_paid())
    response = client.get(reverse("catalogue:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("checkout:thank-you")
    order = Order.objects.get()
    assert order.number == attempt.order_number
    assert order.number in client.get(response["Location"]).content.decode()
    assert not any("expire" in call for call in stripe_calls(stripe_http))
    # Stripe's webhook for the same session, later: nothing new.
    stripe_http.respond(responses.session_paid())
    assert post_event(client, completed_event()).status_code == 200
    assert Order.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_paid_and_placed_by_the_webhook_while_away_shows_the_order_once(client, attempt, stripe_http):
    stripe_http.respond(responses.session_paid())
    post_event(client, completed_event())
    calls = len(stripe_http.requests)
    response = client.get(reverse("basket:summary"))
    assert response["Location"] == reverse("checkout:thank-you")
    assert len(stripe_http.requests) == calls  # the order exists: Stripe is not asked
    assert client.get(reverse("basket:summary")).status_code == 200  # once only
    assert Order.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_paid_between_looking_and_expiring_places_the_order_and_never_thaws(client, attempt, stripe_http):
    """Stripe refuses to expire a session paid a moment ago; the refusal means "look again", not "unpaid"."""
    stripe_http.respond(responses.session_open())
    stripe_http.respond(
        responses.error_body("Only Checkout Sessions with a status of open can be expired.", param="session"),
        status=400,
    )
    stripe_http.respond(responses.session_paid())
    response = client.get(reverse("basket:summary"))
    assert response["Location"] == reverse("checkout:thank-you")
    assert Order.objects.count() == 1
    assert Basket.objects.get(pk=attempt.basket_id).status == Basket.SUBMITTED
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttempt.Status.PAID


@pytest.mark.django_db
def test_when_stripe_cannot_be_reached_the_basket_stays_frozen_with_a_clear_message(client, attempt, stripe_http):
    stripe_http.fail(stripe.APIConnectionError("Connection refused", should_retry=True), times=3)
    response = client.get(reverse("basket:summary"))
    assert response.status_code == 200
    assert any("could not reach the card payment service" in message for message in messages_of(response))
    assert Basket.objects.get(pk=attempt.basket_id).status == Basket.FROZEN
    assert PaymentAttempt.objects.get().status == PaymentAttempt.Status.OPEN
    # Not asked again on every page for a while; the attempt is still remembered for later.
    calls = len(stripe_http.requests)
    assert client.get(reverse("basket:summary")).status_code == 200
    assert len(stripe_http.requests) == calls
    assert client.session[ATTEMPT_SESSION_KEY] == attempt.order_number


@pytest.mark.django_db
def test_the_expired_webhook_after_the_return_changes_nothing(client, attempt, tshirt, stripe_http):
    stripe_http.respond(responses.session_open())
    stripe_http.respond(responses.session_expired())
    client.get(reverse("basket:summary"))
    parent, children = tshirt
    client.post(reverse("basket:add", kwargs={"pk": parent.pk}), {"quantity": 1, "child_id": children[1].pk})
    response = post_event(client, responses.event("checkout.session.expired", responses.session_expired(),
                                                  event_id="evt_expired"))
    assert response.status_code == 200
    basket = Basket.objects.get(pk=attempt.basket_id)
    assert basket.status == Basket.OPEN and basket.num_lines == 2


@pytest.mark.django_db
def test_a_page_view_without_an_open_attempt_asks_stripe_nothing_and_costs_no_query(client, tshirt, stripe_http):
    parent, children = tshirt
    client.post(reverse("basket:add", kwargs={"pk": parent.pk}), {"quantity": 1, "child_id": children[0].pk})
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("basket:summary")).status_code == 200
    assert not [query for query in queries.captured_queries if "payments_paymentattempt" in query["sql"]]
    assert stripe_http.requests == []


@pytest.mark.django_db
def test_someone_elses_visit_never_touches_the_payment(attempt, stripe_http):
    stranger = Client()  # a browser with nothing of the supporter's
    assert stranger.get(reverse("basket:summary")).context["basket"].num_lines == 0
    assert len(stripe_http.requests) == 1  # only the session created by "Pay"
    assert Basket.objects.get(pk=attempt.basket_id).status == Basket.FROZEN


@pytest.mark.django_db
def test_a_signed_in_customer_gets_the_basket_back_on_another_device(tshirt, shipping_methods, stripe_http,
                                                                     django_user_model):
    user = django_user_model.objects.create_user(username="olena", email="olena@example.org", password="x")
    laptop = Client()
    laptop.force_login(user)
    parent, children = tshirt
    laptop.post(reverse("basket:add", kwargs={"pk": parent.pk}), {"quantity": 1, "child_id": children[0].pk})
    laptop.post(reverse("checkout:shipping-address"), ADDRESS)
    laptop.get(reverse("checkout:shipping-method"))
    stripe_http.respond(responses.session_open())
    assert laptop.post(reverse("checkout:preview"), {"action": "place_order"}).status_code == 302
    phone = Client()
    phone.force_login(user)
    stripe_http.respond(responses.session_open())
    stripe_http.respond(responses.session_expired())
    basket = phone.get(reverse("basket:summary")).context["basket"]
    assert basket.num_lines == 1 and basket.can_be_edited
    # Looked for once per browser session: the next page asks the database nothing about payments.
    with CaptureQueriesContext(connection) as queries:
        phone.get(reverse("basket:summary"))
    assert not [query for query in queries.captured_queries if "payments_paymentattempt" in query["sql"]]


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_back_after_paying_shows_the_order_again_and_charges_nothing(client, attempt, stripe_http):
    stripe_http.respond(responses.session_paid())
    assert client.get(reverse("payments:return") + f"?session_id={responses.SESSION_ID}")["Location"] == reverse(
        "checkout:thank-you")
    calls = len(stripe_http.requests)
    again = client.get(reverse("payments:return") + f"?session_id={responses.SESSION_ID}")
    assert again["Location"] == reverse("checkout:thank-you")
    cancel = client.get(reverse("payments:cancelled") + f"?order={attempt.order_number}")
    assert cancel["Location"] == reverse("checkout:thank-you")
    assert len(stripe_http.requests) == calls  # the order exists: Stripe is not asked, nothing is opened
    assert client.get(reverse("basket:summary")).status_code == 200
    assert Order.objects.count() == 1
    assert PaymentAttempt.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_session_id_of_another_basket_shows_no_order_and_changes_nothing(client, attempt, stripe_http):
    stripe_http.respond(responses.session_paid())
    client.get(reverse("payments:return") + f"?session_id={responses.SESSION_ID}")
    other = Client()
    response = other.get(reverse("payments:return") + f"?session_id={responses.SESSION_ID}", follow=True)
    text = response.content.decode()
    assert "started from another browser or basket" in text
    assert attempt.order_number not in text
    assert "checkout_order_id" not in other.session
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_a_session_id_of_another_basket_before_payment_changes_nothing(attempt, stripe_http):
    other = Client()
    response = other.get(reverse("payments:return") + f"?session_id={responses.SESSION_ID}", follow=True)
    assert "started from another browser or basket" in response.content.decode()
    assert len(stripe_http.requests) == 1
    assert Order.objects.count() == 0
    assert Basket.objects.get(pk=attempt.basket_id).status == Basket.FROZEN


@pytest.mark.django_db
@pytest.mark.parametrize("order", ["999999", "", "100001' OR 1=1", "{number}-2"])
def test_a_tampered_order_number_on_the_cancel_address_changes_nothing(client, attempt, stripe_http, order):
    response = client.get(reverse("payments:cancelled") + "?" + "order=" + order.format(number=attempt.order_number))
    assert response["Location"] == reverse("basket:summary")
    told = [str(message) for message in get_messages(response.wsgi_request)]
    assert told[-1] == "We could not find that payment for your basket. Nothing was changed."
    assert len(stripe_http.requests) == 1  # only "Pay": the cancel address asked Stripe nothing


@pytest.mark.django_db
def test_someone_elses_order_number_on_the_cancel_address_changes_nothing(attempt, stripe_http):
    other = Client()
    response = other.get(reverse("payments:cancelled") + f"?order={attempt.order_number}", follow=True)
    assert "We could not find that payment for your basket. Nothing was changed." in messages_of(response)
    assert len(stripe_http.requests) == 1
    assert Basket.objects.get(pk=attempt.basket_id).status == Basket.FROZEN
    assert PaymentAttempt.objects.get().status == PaymentAttempt.Status.OPEN


def test_expire_is_one_post_to_stripe(stripe_http):
    from shop.payments import stripe_gateway

    stripe_http.respond(responses.session_expired())
    session = stripe_gateway.expire_checkout_session(responses.SESSION_ID)
    assert session.status == "expired"
    (request,) = stripe_http.requests
    assert request.method == "post" and request.url.endswith(EXPIRE_PATH)
    assert parse_qs(request.post_data or "") == {}
