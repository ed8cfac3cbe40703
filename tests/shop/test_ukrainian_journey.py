"""A supporter's whole journey on /uk/, from the home page to the order email, reads Ukrainian.

The demo shop (seed_demo: the real catalogue, its translations, every
country, the shipping zones and a published ledger) is walked with Django's
test client as a supporter walks it: home, catalogue, a hoodie's page, the
basket, the checkout's address, shipping and preview steps, Stripe's payment
(replayed at the wire), the thank-you page, the order's status page, its
impact page, transparency, reports and verification. Every page and the
confirmation email are read as a reader gets them (text, alt text, titles,
meta tags) and fail on any English phrase from the catalogue, our message
catalogue or Oscar's templates (tests/shop/english_leftovers.py).
"""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from oscar.core.loading import get_model

from shop.campaign.models import ProductTranslation
from shop.payments.fulfilment import order_status_url
from shop.payments.impact import impact_url
from shop.payments.models import PaymentAttempt
from tests.shop.english_leftovers import english_leftovers, forbidden_phrases, readable_text
from tests.shop.payments import stripe_responses as responses

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")

ADDRESS = {"first_name": "Olena", "last_name": "Kovalenko", "line1": "Unter den Linden 1", "line4": "Berlin",
           "postcode": "10117", "country": "DE", "phone_number": ""}


@pytest.fixture
def demo_shop(settings):
    settings.DEBUG = True  # seed_demo runs only in development
    call_command("seed_demo", stdout=StringIO())
    settings.DEBUG = False


def uk(name, **kwargs):
    with translation.override("uk"):
        return reverse(name, kwargs=kwargs or None)


def path_of(absolute_url: str) -> str:
    return "/" + absolute_url.split("://", 1)[-1].split("/", 1)[1]


class Journey:
    """Each page visited, its readable text checked against the forbidden phrases."""

    def __init__(self, client, phrases):
        self.client = client
        self.phrases = phrases
        self.leftovers: dict[str, list[str]] = {}

    def read(self, label: str, response) -> str:
        assert response.status_code == 200, (label, response.status_code)
        text = readable_text(response.content.decode())
        found = english_leftovers(text, self.phrases)
        if found:
            self.leftovers[label] = found
        return text

    def get(self, label: str, url: str, **kwargs) -> str:
        return self.read(label, self.client.get(url, **kwargs))


@pytest.mark.django_db
def test_the_whole_supporter_journey_reads_ukrainian(
    client, demo_shop, stripe_http, django_capture_on_commit_callbacks
):
    phrases = forbidden_phrases()
    # The list is built from real texts: a broken loader would make this test pass on anything.
    assert {"Add to basket", "Olive", "Ukraine — Nova Poshta"} <= phrases
    hoodie = Product.objects.get(upc="TAP-HD-01")
    hoodie_uk = ProductTranslation.objects.get(product=hoodie, language="uk").title
    variant = hoodie.children.get(upc="TAP-HD-01-NAVY-M")
    journey = Journey(client, phrases)

    journey.get("home", "/uk/")
    catalogue = journey.get("catalogue", uk("catalogue:index"))
    assert hoodie_uk in catalogue
    product_page = journey.get("product", hoodie.get_absolute_url().replace("/en/", "/uk/", 1))
    assert "Темно-синій, M" in product_page

    client.post(uk("basket:add", pk=hoodie.pk), {"quantity": 1, "child_id": variant.pk})
    basket = journey.get("basket", uk("basket:summary"))
    assert hoodie_uk in basket

    journey.get("checkout: email", uk("checkout:index"))
    client.post(uk("checkout:index"), {"username": responses.CUSTOMER_EMAIL, "options": "anonymous"})
    address_page = journey.get("checkout: address", uk("checkout:shipping-address"))
    assert "Німеччина" in address_page and "Україна" in address_page
    response = client.post(uk("checkout:shipping-address"), ADDRESS)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    preview_response = client.get(uk("checkout:shipping-method"), follow=True)
    assert preview_response.redirect_chain[-1][0] == uk("checkout:preview")
    preview = journey.read("checkout: preview", preview_response)
    assert "Європейський Союз — пошта з відстеженням" in preview
    assert "Німеччина" in preview

    stripe_http.respond(responses.session_open())
    assert client.post(uk("checkout:preview"), {"action": "place_order"}).status_code == 302
    attempt = PaymentAttempt.objects.get(stripe_session_id=responses.SESSION_ID)
    assert attempt.language == "uk"
    paid = responses.session_paid()
    paid["amount_total"] = paid["amount_subtotal"] = attempt.total_minor
    stripe_http.respond(paid)
    with django_capture_on_commit_callbacks(execute=True):
        returned = client.get(uk("payments:return") + f"?session_id={responses.SESSION_ID}")
    assert returned.status_code == 302
    thank_you = journey.get("thank-you", returned["Location"])
    assert hoodie_uk in thank_you
    attempt.refresh_from_db()
    order = attempt.order
    assert order.lines.get().title == hoodie.title  # the order keeps the catalogue's own title

    with translation.override("uk"):
        status_path, impact_path = path_of(order_status_url(order)), path_of(impact_url(order, "uk"))
    # The browser that paid sees its order; from the email on another device, Oscar first asks for the email.
    status = journey.get("order status", status_path)
    elsewhere = Journey(Client(), phrases)
    form_path = elsewhere.client.get(status_path)["Location"]
    elsewhere.get("order status: email", form_path)
    assert elsewhere.client.post(form_path, {"email": responses.CUSTOMER_EMAIL})["Location"] == status_path
    journey.leftovers.update(elsewhere.leftovers)
    assert hoodie_uk in status and "Німеччина" in status
    journey.get("impact", impact_path)
    journey.get("transparency", uk("transparency"))
    journey.get("reports", uk("transparency-reports"))
    journey.get("verify", uk("transparency-verify"))

    (email,) = [message for message in mail.outbox if responses.CUSTOMER_EMAIL in message.to]
    html = next(body for body, kind in email.alternatives if kind == "text/html")
    email_text = "\n".join([email.subject, email.body, readable_text(html)])
    assert hoodie_uk in email.body and "Німеччина" in email.body
    found = english_leftovers(email_text, phrases)
    if found:
        journey.leftovers["confirmation email"] = found

    assert journey.leftovers == {}, "\n".join(f"{page}: {found}" for page, found in journey.leftovers.items())
