"""A guest buys a t-shirt offline, start to finish, and staff see the order.

Stripe's hosted page cannot run here; the project's labelled stand-in serves
it (shop/payments/standin) in front of a real localstripe, on loopback.
"""

import re

import pytest

from tests import factories
from tests.shop.payments.test_standin import SECRET_KEY, WEBHOOK_SECRET, start_standin, stop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(db, django_user_model):
    ukraine = factories.CountryFactory(iso_3166_1_a2="UA")
    factories.WeightBasedFactory(code="ua", name="Ukraine — Nova Poshta", countries=[ukraine])
    factories.campaign_page()
    parent = factories.ParentProductFactory(title="T-shirt Territories are people")
    factories.ProductImageFactory(product=parent)
    for size in ("S", "M"):
        factories.ChildProductFactory(parent=parent, title=f"Size {size}")
    # Oscar 4.2's order pages ask for the order permissions; the campaign's coordinator has them all.
    django_user_model.objects.create_superuser(
        username="staff@example.org", email="staff@example.org", password="staff-pass-123"
    )
    return parent


@pytest.fixture
def stripe_offline(live_server, settings):
    running = start_standin(live_server.url + "/checkout/stripe/webhook/")
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = running.url
    yield running
    stop(running.process)


def test_a_guest_buys_a_tshirt_and_staff_see_the_order(live_server, browser, screenshots, shop, stripe_offline):
    from oscar.core.loading import get_model

    Order = get_model("order", "Order")
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB").new_page()
    page.goto(live_server.url + shop.get_absolute_url())
    page.select_option("select[name=child_id]", index=1)
    page.get_by_role("button", name=re.compile("Add to (basket|cart)")).click()
    page.goto(live_server.url + "/en/checkout/")
    page.fill("input[name=username]", "guest@example.org")
    page.check("input[name=options][value=anonymous]")
    page.get_by_role("button", name="Continue").click()
    for name, value in (("first_name", "Olena"), ("last_name", "Test"), ("line1", "Khreshchatyk 1"),
                        ("line4", "Kyiv"), ("postcode", "01001")):
        page.fill(f"input[name={name}]", value)
    page.get_by_role("button", name="Continue").click()
    # Nova Poshta, the method for Ukraine, asks for the branch or parcel locker.
    page.fill("input[name=pickup_point]", "25")
    page.press("input[name=pickup_point]", "Enter")
    page.wait_for_url("**/checkout/preview/")
    page.get_by_role("button", name="Pay by card").click()

    page.wait_for_url(stripe_offline.url + "/checkout/pay/**")
    assert "TEST STAND-IN" in page.inner_text("body")
    page.screenshot(path=str(screenshots / "stand-in-payment-page.png"), full_page=True)
    page.get_by_role("button", name=re.compile("Pay")).click()

    page.wait_for_url("**/checkout/thank-you/")
    order = Order.objects.get()
    assert order.number in page.inner_text("body")
    assert order.guest_email == "guest@example.org"
    assert str(order.total_incl_tax) == "32.00"
    page.screenshot(path=str(screenshots / "thank-you.png"), full_page=True)

    staff = browser.new_context().new_page()
    staff.goto(live_server.url + "/en/accounts/login/")
    staff.fill("input[name=login-username]", "staff@example.org")
    staff.fill("input[name=login-password]", "staff-pass-123")
    staff.get_by_role("button", name="Log In").click()
    staff.goto(live_server.url + "/en/dashboard/orders/")
    assert order.number in staff.inner_text("body")
    staff.goto(live_server.url + f"/en/dashboard/orders/{order.number}/")
    assert "guest@example.org" in staff.inner_text("body")
    staff.screenshot(path=str(screenshots / "dashboard-order.png"), full_page=True)
