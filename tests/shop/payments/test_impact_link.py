"""The supporter's impact link: made once when the order is placed, and sent in the confirmation email."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from shop.payments.fulfilment import send_confirmation
from shop.payments.impact import impact_link_for, impact_url
from shop.payments.models import OrderImpactLink
from tests.shop.payments import stripe_responses as responses
from tests.shop.payments.test_checkout_payment import attempt, completed_event, post_event  # noqa: F401 -- fixture

Order = get_model("order", "Order")

SITE = "https://shop.territoriesarepeople.example"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE + "/"  # a trailing slash must not double up


def html_body(message) -> str:
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return html


@pytest.mark.django_db(transaction=True)
def test_the_confirmation_email_carries_the_private_link(client, attempt, stripe_http):  # noqa: F811
    """Text and HTML bodies both give the absolute link to the order's impact page, in the customer's language."""
    stripe_http.respond(responses.session_paid())
    assert post_event(client, completed_event()).status_code == 200

    link = OrderImpactLink.objects.get()
    url = f"{SITE}/en/impact/{link.token}/"
    (message,) = mail.outbox
    assert url in message.body
    assert "See what your order pays for" in message.body
    assert f'<a href="{url}">' in html_body(message)
    assert link.order == Order.objects.get()


@pytest.mark.django_db(transaction=True)
def test_a_ukrainian_customer_gets_the_ukrainian_link_and_words(client, attempt, stripe_http):  # noqa: F811
    """The email is in the language the customer paid in, whatever language the webhook request had."""
    attempt.language = "uk"
    attempt.save(update_fields=["language"])
    stripe_http.respond(responses.session_paid())
    post_event(client, completed_event())

    link = OrderImpactLink.objects.get()
    (message,) = mail.outbox
    assert f"{SITE}/uk/impact/{link.token}/" in message.body
    assert "/en/impact/" not in message.body
    assert "Подивіться, на що йдуть кошти" in message.body
    assert f"{SITE}/uk/impact/{link.token}/" in html_body(message)


@pytest.mark.django_db(transaction=True)
def test_webhook_retries_and_the_return_page_make_one_link(client, attempt, stripe_http):  # noqa: F811
    """However often and from wherever fulfilment runs, the order has one link and the email is sent once."""
    stripe_http.respond(responses.session_paid())
    post_event(client, completed_event())
    token = OrderImpactLink.objects.get().token
    stripe_http.respond(responses.session_paid())
    assert post_event(client, completed_event(event_id="evt_retry_with_new_id")).status_code == 200
    stripe_http.respond(responses.session_paid())
    client.get(reverse("payments:return") + f"?session_id={responses.SESSION_ID}")

    assert Order.objects.count() == 1
    assert list(OrderImpactLink.objects.values_list("token", flat=True)) == [token]
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_the_token_is_long_random_and_says_nothing_about_the_order(client, attempt, stripe_http):  # noqa: F811
    stripe_http.respond(responses.session_paid())
    post_event(client, completed_event())
    order = Order.objects.get()
    token = order.impact_link.token

    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 32 random bytes
    assert order.number not in token
    assert impact_link_for(order).token == token  # asking again returns the same link
    assert OrderImpactLink.objects.count() == 1
    assert token not in str(order.impact_link)  # the string form may reach logs


@pytest.mark.django_db(transaction=True)
def test_an_order_without_a_link_still_gets_its_email_without_the_paragraph(client, attempt, stripe_http):  # noqa: F811
    """Orders placed before links existed: impact_url says None and the email leaves the paragraph out."""
    stripe_http.respond(responses.session_paid())
    post_event(client, completed_event())
    order = Order.objects.get()
    OrderImpactLink.objects.all().delete()
    mail.outbox.clear()

    assert impact_url(order, "en") is None
    send_confirmation(order, language="en")

    (message,) = mail.outbox
    assert "/impact/" not in message.body
    assert "See what your order pays for" not in message.body


@pytest.mark.django_db(transaction=True)
def test_the_email_links_to_the_order_status_page_which_shows_the_impact_link(client, attempt, stripe_http):  # noqa: F811
    """A guest finds the order again from the email, and the impact link again from the order's status page."""
    attempt.language = "uk"
    attempt.save(update_fields=["language"])
    stripe_http.respond(responses.session_paid())
    post_event(client, completed_event())

    order = Order.objects.get()
    status_path = f"/uk/accounts/order-status/{order.number}/{order.verification_hash()}/"
    (message,) = mail.outbox
    assert f"{SITE}{status_path}" in message.body
    assert f'href="{SITE}{status_path}"' in html_body(message)

    token = OrderImpactLink.objects.get(order=order).token
    # The browser that paid sees the order and its impact link at once...
    assert f'href="/uk/impact/{token}/"' in client.get(status_path).content.decode()
    # ...anyone else who opens the email's link is asked for the order's email address first.
    client = Client()
    form = client.get(status_path, follow=True)
    assert form.redirect_chain
    assert token not in form.content.decode()
    wrong = client.post(form.redirect_chain[-1][0], {"email": "someone-else@example.org"}, follow=True)
    assert token not in wrong.content.decode()
    page = client.post(form.redirect_chain[-1][0], {"email": order.guest_email or order.email}, follow=True)
    assert page.status_code == 200
    assert f'href="/uk/impact/{token}/"' in page.content.decode()
