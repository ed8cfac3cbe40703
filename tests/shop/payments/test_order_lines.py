"""A paid order keeps each line's size and colour as bought, and the Nova Poshta branch it goes to.

Both travel from the checkout through the payment attempt (Stripe's redirect
and webhook have no browser session) into the order, its email, its status
page and the dashboard.
"""

from urllib.parse import parse_qs

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from oscar.core.loading import get_model

from shop.payments import stripe_gateway
from shop.payments.fulfilment import fulfil_checkout_session
from shop.payments.models import OrderLineVariant, PaymentAttempt
from tests import factories
from tests.shop.payments import stripe_responses as responses

Order = get_model("order", "Order")

UKRAINE = {"first_name": "Olena", "last_name": "Test", "line1": "Khreshchatyk 1", "line4": "Kyiv",
           "postcode": "01001", "country": "UA", "phone_number": ""}


@pytest.fixture
def paid_order(client, shipping_methods, stripe_http, django_capture_on_commit_callbacks):
    """A guest pays for a navy hoodie in size M, delivered to Nova Poshta branch 25."""
    hoodie = factories.hoodie(colours=("Navy",), sizes=("M",))
    navy_m = hoodie.children.get()
    client.post(reverse("basket:add", kwargs={"pk": hoodie.pk}), {"quantity": 1, "child_id": navy_m.pk})
    client.post(reverse("checkout:index"), {"username": responses.CUSTOMER_EMAIL, "options": "anonymous"})
    client.post(reverse("checkout:shipping-address"), UKRAINE)
    client.post(reverse("checkout:shipping-method"), {"method_code": "ua", "pickup_point": "№ 25"})
    stripe_http.respond(responses.session_open())
    client.post(reverse("checkout:preview"), {"action": "place_order"})
    attempt = PaymentAttempt.objects.get()
    stripe_http.respond(responses.session_paid() | {"amount_total": attempt.total_minor})
    with django_capture_on_commit_callbacks(execute=True):
        order = fulfil_checkout_session(stripe_gateway.retrieve_checkout_session(responses.SESSION_ID))
    return order, navy_m


@pytest.mark.django_db
def test_the_attempt_carries_the_branch_and_stripe_names_the_variant(paid_order, stripe_http):
    order, _ = paid_order
    attempt = PaymentAttempt.objects.get()
    assert attempt.pickup_point == "25"
    assert attempt.shipping_method_code == "ua"
    create = parse_qs(stripe_http.requests[0].post_data)
    assert create["line_items[0][price_data][product_data][name]"] == ["Hoodie Territories are people — Navy, M"]


@pytest.mark.django_db
def test_the_order_keeps_size_and_colour_as_bought(paid_order):
    order, navy_m = paid_order
    (line,) = order.lines.all()
    assert OrderLineVariant.objects.get(line=line).options == [
        {"code": "colour", "name": {"uk": "Колір", "en": "Colour"}, "value": {"uk": "Темно-синій", "en": "Navy"}},
        {"code": "size", "name": {"uk": "Розмір", "en": "Size"}, "value": {"uk": "M", "en": "M"}},
    ]


@pytest.mark.django_db
def test_the_email_names_size_colour_and_branch(paid_order):
    (email,) = mail.outbox
    assert "Colour: Navy" in email.body and "Size: M" in email.body
    assert "Nova Poshta branch or parcel locker: № 25" in email.body
    html = email.alternatives[0][0]
    assert "Navy" in html and "<strong>M</strong>" in html and "№ 25" in html


@pytest.mark.django_db
def test_the_status_page_and_the_dashboard_show_them(client, paid_order, django_user_model):
    order, _ = paid_order
    session = client.session
    session["anon_order_email"] = order.guest_email  # Oscar asks a guest for it before showing the order
    session.save()
    with translation.override("uk"):
        status = client.get(
            reverse("customer:anon-order", kwargs={"order_number": order.number, "hash": order.verification_hash()})
        ).content.decode()
    assert "Колір:" in status and "Темно-синій" in status and "№ 25" in status

    staff = django_user_model.objects.create_superuser(username="staff", email="staff@example.org", password="x")
    client.force_login(staff)
    dashboard = client.get(reverse("dashboard:order-detail", kwargs={"number": order.number})).content.decode()
    assert "Colour:" in dashboard and "Navy" in dashboard and "Size:" in dashboard
    assert "Nova Poshta branch or parcel locker: <strong>№ 25</strong>" in dashboard
