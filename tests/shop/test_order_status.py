"""An order's status, payment and lines in plain words (shop/order_status.py) on the pages a supporter sees."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from oscar.core.loading import get_model

from shop import order_status
from tests.shop.payments import stripe_responses as responses
from tests.shop.payments.conftest import stripe_http  # noqa: F401 -- fixture
from tests.shop.payments.test_checkout_payment import attempt, completed_event, post_event  # noqa: F401 -- fixture

Order = get_model("order", "Order")


@pytest.fixture
def order(client, attempt, stripe_http):  # noqa: F811
    """A guest's paid order: a 29.00 t-shirt and 6.00 shipping to Germany, paid by card through Stripe."""
    stripe_http.respond(responses.session_paid())
    assert post_event(client, completed_event()).status_code == 200
    # The webhook's request left its own language active (Django keeps it in the
    # thread); labels read here and addresses reversed here are English.
    translation.activate("en")
    yield Order.objects.get()
    translation.deactivate()


def status_page(client, order, language="en") -> str:
    """The guest's order-status page: the browser that paid sees it; another answers Oscar's question for the
    order's email address first."""
    path = f"/{language}/accounts/order-status/{order.number}/{order.verification_hash()}/"
    page = client.get(path, follow=True)
    if page.redirect_chain:
        page = client.post(page.redirect_chain[-1][0], {"email": order.guest_email}, follow=True)
    assert page.status_code == 200
    return page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_placed_order_starts_as_paid(order):
    """Orders are placed only once Stripe confirms payment, so Oscar's initial status is "Paid"."""
    assert order.status == order_status.PAID
    assert list(order.available_statuses()) == ["Sent", "Cancelled"]
    assert order_status.order_status_label(order) == "Paid — we are packing your order"


@pytest.mark.django_db(transaction=True)
def test_the_status_page_says_the_status_and_the_payment_in_plain_words(client, order):
    html = status_page(client, order)
    assert 'id="order-status">Paid — we are packing your order<' in html
    assert "Paid by card, €35.00" in html
    assert "Allocation of" not in html
    assert "pi_" not in html  # the Stripe reference stays in the dashboard
    assert "tax" not in html.lower()
    # No line has a status of its own: no status column, and no "-" in every row.
    assert html.count("<th scope=\"col\"") == 3
    assert "<td>-</td>" not in html


@pytest.mark.django_db(transaction=True)
def test_staff_moving_the_order_on_changes_what_the_supporter_reads(client, order):
    order.set_status(order_status.SENT)
    line = order.lines.get()
    line.status = order_status.SENT
    line.save()
    html = status_page(client, order)
    assert "Sent — on its way to you" in html
    assert html.count("<th scope=\"col\"") == 4  # the lines now have statuses: the column appears
    assert "<td>Sent</td>" in html

    order.set_status(order_status.DELIVERED)
    assert order_status.order_status_label(order) == "Delivered"


@pytest.mark.django_db(transaction=True)
def test_a_refund_is_said_in_plain_words(client, order):
    source = order.sources.get()
    source.amount_refunded = Decimal("6.00")
    source.save()
    assert order_status.order_status_label(order) == "Paid, partly refunded"
    assert order_status.payment_summary(order) == ["Paid by card, €35.00", "Refunded, €6.00"]

    source.amount_refunded = order.total_incl_tax
    source.save()
    assert order_status.order_status_label(order) == "Refunded"


@pytest.mark.django_db(transaction=True)
def test_the_status_page_in_ukrainian(client, order):
    html = status_page(client, order, "uk")
    translation.activate("en")
    assert "Оплачено — ми пакуємо ваше замовлення" in html
    assert "Оплачено карткою, 35,00" in html
    with translation.override("uk"):
        assert order_status.order_status_label(order) == "Оплачено — ми пакуємо ваше замовлення"


@pytest.mark.django_db(transaction=True)
def test_the_account_order_page_is_the_same_plain_page(client, order, django_user_model):
    user = django_user_model.objects.create_user(username="olena", email=order.guest_email, password="pw-123456")
    Order.objects.filter(pk=order.pk).update(user=user)
    client.force_login(user)
    html = client.get(reverse("customer:order", kwargs={"order_number": order.number})).content.decode()
    assert 'id="order-status">Paid — we are packing your order<' in html
    assert "Paid by card, €35.00" in html
    assert "tax" not in html.lower()
    assert "Re-order all items" in html


@pytest.mark.django_db(transaction=True)
def test_the_thank_you_page_says_paid_by_card(client, order):
    response = client.get(reverse("payments:return") + f"?session_id={responses.SESSION_ID}", follow=True,
                          HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("/checkout/thank-you/")
    assert "Paid by card, €35.00" in html
    assert "Allocation of" not in html
    assert "tax" not in html.lower()
    assert 'class="site-header"' in html and 'class="site-footer"' in html
