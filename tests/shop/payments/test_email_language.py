"""Every email the shop sends reads wholly in its language: no English in Ukrainian, no Ukrainian in English.

The order confirmation goes out from a real payment (the webhook, whose own
request has no language), so it must follow the language the customer paid
in. The account emails (Oscar's registration, password and email-change
messages) are rendered as Oscar's dispatcher renders them.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import translation
from oscar.core.loading import get_class, get_model

from shop.campaign.models import ProductTranslation
from tests.shop.english_leftovers import english_leftovers, readable_text
from tests.shop.payments import stripe_responses as responses
from tests.shop.payments.test_checkout_payment import attempt, completed_event, post_event  # noqa: F401

Dispatcher = get_class("communication.utils", "Dispatcher")
Product = get_model("catalogue", "Product")

CYRILLIC = re.compile(r"[А-Яа-яЄєІіЇїҐґ]")
TITLE_UK = "Футболка «Території — це люди»"


def email_text(subject: str, body: str, html: str) -> str:
    return "\n".join([subject, body, readable_text(html)])


def html_of(message) -> str:
    return next(body for body, kind in message.alternatives if kind == "text/html")


@pytest.fixture
def translated_tshirt(tshirt):
    parent, children = tshirt
    ProductTranslation.objects.create(product=parent, language="uk", title=TITLE_UK)
    # Sizes are the variants' only difference here and read the same in both languages.
    Product.objects.filter(parent=parent).update(title="")
    return parent


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["uk", "en"])
def test_the_order_confirmation_is_wholly_in_the_language_paid_in(
    client, attempt, stripe_http, translated_tshirt, language  # noqa: F811
):
    attempt.language = language
    attempt.save(update_fields=["language"])
    stripe_http.respond(responses.session_paid())
    assert post_event(client, completed_event()).status_code == 200

    (message,) = mail.outbox
    text = email_text(message.subject, message.body, html_of(message))
    if language == "uk":
        assert english_leftovers(text) == []
        assert TITLE_UK in message.body and TITLE_UK in html_of(message)
        assert "Німеччина" in message.body  # the country, from pycountry's Ukrainian names
        assert "35,00" in message.body  # money as Ukrainian writes it
    else:
        assert CYRILLIC.findall(text) == []
        assert "T-shirt Territories are people" in message.body and "Germany" in message.body


ACCOUNT_EMAILS = {
    "REGISTRATION": {},
    "PASSWORD_RESET": {"reset_url": "https://shop.example.org/reset/abc/"},
    "PASSWORD_CHANGED": {"reset_url": "https://shop.example.org/reset/abc/"},
    "EMAIL_CHANGED": {"reset_url": "https://shop.example.org/reset/abc/", "new_email": "new@example.org"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("code", sorted(ACCOUNT_EMAILS))
@pytest.mark.parametrize("language", ["uk", "en"])
def test_account_emails_are_wholly_in_the_visitors_language(code, language):
    user = get_user_model().objects.create_user(username="olena", email="olena@example.org", password="x")
    with translation.override(language):
        messages = Dispatcher().get_messages(code, {"user": user, **ACCOUNT_EMAILS[code]})
    text = email_text(messages["subject"], messages["body"], messages["html"] or "")
    assert messages["subject"].strip() and messages["body"].strip()
    if language == "uk":
        assert english_leftovers(text) == []
        assert CYRILLIC.search(messages["subject"])
    else:
        assert CYRILLIC.findall(text) == []
