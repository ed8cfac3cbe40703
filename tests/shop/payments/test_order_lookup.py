"""Find my order: number and email together open the order's status page; anything else says the same nothing."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from oscar.apps.shipping.methods import FixedPrice
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from shop.partner.strategy import CampaignStrategy
from shop.payments.order_lookup import look_up_order
from tests import factories

Basket = get_model("basket", "Basket")

NEUTRAL = "We found no order with that number and email address."


def an_order(**kwargs):
    """An order of one t-shirt, priced by the shop's strategy (EUR), as Oscar places it."""
    basket = Basket.objects.create()
    basket.strategy = CampaignStrategy()
    basket.add_product(factories.ProductFactory(), 1)
    return create_order(basket=basket, shipping_method=FixedPrice(Decimal("6.00"), Decimal("6.00")), **kwargs)


@pytest.fixture
def guest_order(db):
    return an_order(number="100042", guest_email="olena@example.org")


def find(client, number, email, **extra):
    return client.post(reverse("payments:find-order"), {"number": number, "email": email}, **extra)


@pytest.mark.django_db
def test_the_form_is_there_and_linked_from_every_page(client):
    page = client.get(reverse("payments:find-order"))
    assert page.status_code == 200
    assert 'name="number"' in page.content.decode() and 'name="email"' in page.content.decode()
    assert f'href="{reverse("payments:find-order")}"' in client.get(reverse("catalogue:index")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("number, email", [("100042", "olena@example.org"), (" #100042 ", "  Olena@Example.ORG ")])
def test_the_right_number_and_email_open_the_guest_order_page(client, guest_order, number, email):
    response = find(client, number, email)
    assert response.status_code == 302
    status_path = reverse("customer:anon-order",
                          kwargs={"order_number": "100042", "hash": guest_order.verification_hash()})
    assert response["Location"] == status_path
    page = client.get(status_path)
    assert page.status_code == 200
    assert "100042" in page.content.decode()


@pytest.mark.django_db
def test_a_customers_order_goes_to_their_account_page(client, django_user_model):
    user = django_user_model.objects.create_user(username="olena", email="olena@example.org", password="x")
    an_order(number="100043", user=user)
    response = find(client, "100043", "olena@example.org")
    assert response["Location"] == reverse("customer:order", kwargs={"order_number": "100043"})


@pytest.mark.django_db
@pytest.mark.parametrize("number, email", [
    ("100042", "someone@example.org"),  # a real number, the wrong email
    ("100099", "olena@example.org"),  # the right email, a number that does not exist
    ("100099", "someone@example.org"),
])
def test_a_wrong_pair_gets_the_same_neutral_answer(client, guest_order, number, email):
    response = find(client, number, email)
    assert response.status_code == 200
    text = response.content.decode()
    assert NEUTRAL in text
    assert "olena@example.org" not in text or email == "olena@example.org"
    assert "anon_order_email" not in client.session


@pytest.mark.django_db
def test_invalid_input_is_a_form_error_not_a_lookup(client, guest_order):
    response = find(client, "", "not an email")
    assert response.status_code == 200
    assert NEUTRAL not in response.content.decode()
    assert cache.get("order-lookup:number:") is None


@pytest.mark.django_db
def test_too_many_tries_from_one_address_are_refused_with_the_wait(client, guest_order, settings):
    settings.ORDER_LOOKUP_MAX_TRIES = 5
    settings.ORDER_LOOKUP_WINDOW_MINUTES = 15
    for number in range(100090, 100095):
        assert find(client, str(number), "olena@example.org").status_code == 200
    refused = find(client, "100042", "olena@example.org")  # even the right pair, until the window ends
    assert refused.status_code == 429
    assert "Too many tries. Please wait 15 minutes and try again." in refused.content.decode()
    # Another address may still look up its own order.
    assert find(Client(REMOTE_ADDR="10.0.0.7"), "100042", "olena@example.org").status_code == 302


@pytest.mark.django_db
def test_too_many_tries_at_one_number_are_refused_from_any_address(guest_order, settings):
    settings.ORDER_LOOKUP_MAX_TRIES = 3
    for index in range(3):
        assert find(Client(REMOTE_ADDR=f"10.0.1.{index}"), "100042", f"guess{index}@example.org").status_code == 200
    assert find(Client(REMOTE_ADDR="10.0.2.1"), "100042", "olena@example.org").status_code == 429


@pytest.mark.django_db
def test_the_window_ends_and_tries_are_allowed_again(guest_order, settings, monkeypatch):
    settings.ORDER_LOOKUP_MAX_TRIES = 1
    settings.ORDER_LOOKUP_WINDOW_MINUTES = 1
    assert look_up_order(email="x@example.org", number="100042", client_address="10.0.3.1").order is None
    blocked = look_up_order(email="olena@example.org", number="100042", client_address="10.0.3.1")
    assert blocked.wait_minutes == 1
    import time

    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    cache.delete_many(["order-lookup:client:10.0.3.1", "order-lookup:number:100042"])  # as the cache expires them
    assert look_up_order(email="olena@example.org", number="100042", client_address="10.0.3.1").order == guest_order


@pytest.mark.django_db
def test_the_confirmation_email_says_where_to_find_the_order(guest_order, mailoutbox):
    from shop.payments.fulfilment import send_confirmation

    send_confirmation(guest_order, language="en")
    (message,) = mailoutbox
    assert "/en/find-my-order/" in message.body
    assert "/en/find-my-order/" in message.alternatives[0][0]
