"""A supporter buys a hoodie in size M and a colour, delivered by Nova Poshta, and sees both everywhere.

Basket, preview, thank-you page, order status and the confirmation email
(Django's locmem outbox: the live server runs in this process) all show the
size, the colour and the branch number, in English and Ukrainian, on a phone
and on a desktop. Screenshots go to test-output/e2e/.
"""

import pytest
from django.core import mail
from oscar.core.loading import get_model

from shop.payments.fulfilment import order_status_url
from tests import factories
from tests.e2e.test_purchase import stripe_offline  # noqa: F401 -- the stand-in fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# What the page must show, per language: (size, colour) with their names.
WORDS = {
    "en": {"size": "Size: M", "colour": "Colour: Navy", "branch": "Nova Poshta branch or parcel locker: № 25",
           "estimate": "— depends on the address", "before_shipping": "Total before shipping"},
    "uk": {"size": "Розмір: M", "colour": "Колір: Темно-синій",
           "branch": "Відділення або поштомат Нової пошти: № 25", "estimate": "— залежно від адреси",
           "before_shipping": "Разом без доставки"},
}


@pytest.fixture
def shop(db, django_user_model):
    ukraine = factories.CountryFactory(iso_3166_1_a2="UA")
    factories.WeightBasedFactory(code="ua", name="Ukraine — Nova Poshta", countries=[ukraine])
    factories.campaign_page()
    django_user_model.objects.create_superuser(
        username="staff@example.org", email="staff@example.org", password="staff-pass-123"
    )
    return factories.hoodie(sold_out=[("Black", "S")])


def _assert_shows(text: str, words: dict, *keys: str) -> None:
    for key in keys:
        assert words[key] in text, (key, words[key], text[:3000])


@pytest.mark.parametrize(("language", "width"), [("en", 390), ("uk", 390), ("en", 1280), ("uk", 1280)])
def test_size_colour_and_branch_follow_the_order(live_server, browser, screenshots, shop, stripe_offline,  # noqa: F811
                                                  language, width):
    Order = get_model("order", "Order")
    words = WORDS[language]
    shot = f"lines-{language}-{width}"
    locale = "uk-UA" if language == "uk" else "en-GB"
    context = browser.new_context(viewport={"width": width, "height": 844}, locale=locale)
    page = context.new_page()
    base = f"{live_server.url}/{language}"

    page.goto(live_server.url + shop.get_absolute_url().replace("/en/", f"/{language}/"))
    options = [text.strip() for text in page.locator("select[name=child_id] option").all_inner_texts()]
    sold_out = "розпродано" if language == "uk" else "sold out"
    assert any(sold_out in option for option in options), options
    navy_m = next(option for option in options if option.endswith(", M") and words["colour"].split(": ")[1] in option)
    page.select_option("select[name=child_id]", label=navy_m)
    page.screenshot(path=str(screenshots / f"{shot}-product.png"), full_page=True)
    page.locator("#add_to_basket_form button[type=submit]").click()

    page.goto(f"{base}/basket/")
    body = page.inner_text("body")
    _assert_shows(body, words, "size", "colour", "estimate", "before_shipping")
    page.screenshot(path=str(screenshots / f"{shot}-basket.png"), full_page=True)

    page.goto(f"{base}/checkout/")
    page.fill("input[name=username]", "guest@example.org")
    page.check("input[name=options][value=anonymous]")
    page.press("input[name=username]", "Enter")
    for name, value in (("first_name", "Olena"), ("last_name", "Test"), ("line1", "Khreshchatyk 1"),
                        ("line4", "Kyiv"), ("postcode", "01001")):
        page.fill(f"input[name={name}]", value)
    page.press("input[name=postcode]", "Enter")

    page.wait_for_url("**/checkout/shipping-method/")
    page.fill("input[name=pickup_point]", "25x")
    page.press("input[name=pickup_point]", "Enter")
    page.wait_for_load_state()
    assert page.locator(".invalid-feedback").count() == 1  # a plain error, the typed value kept
    assert page.input_value("input[name=pickup_point]") == "25x"
    page.screenshot(path=str(screenshots / f"{shot}-shipping-error.png"), full_page=True)
    page.fill("input[name=pickup_point]", "№ 25")
    page.screenshot(path=str(screenshots / f"{shot}-shipping.png"), full_page=True)
    page.press("input[name=pickup_point]", "Enter")

    page.wait_for_url("**/checkout/preview/")
    _assert_shows(page.inner_text("body"), words, "size", "colour", "branch")
    page.screenshot(path=str(screenshots / f"{shot}-preview.png"), full_page=True)
    page.click("#place-order")

    page.wait_for_url(stripe_offline.url + "/checkout/pay/**")
    page.locator("button", has_text="Pay").first.click()
    page.wait_for_url("**/checkout/thank-you/")
    order = Order.objects.get()
    _assert_shows(page.inner_text("body"), words, "size", "colour", "branch")
    page.screenshot(path=str(screenshots / f"{shot}-thank-you.png"), full_page=True)

    from django.utils import translation

    with translation.override(language):
        status_url = order_status_url(order)
    page.goto(live_server.url + status_url.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    if page.locator("input[name=email]").count():  # Oscar asks a guest for the order's email first
        page.fill("input[name=email]", "guest@example.org")
        page.press("input[name=email]", "Enter")
        page.wait_for_url("**/order-status/**")
    _assert_shows(page.inner_text("body"), words, "size", "colour", "branch")
    page.screenshot(path=str(screenshots / f"{shot}-order-status.png"), full_page=True)

    (email,) = [message for message in mail.outbox if order.number in message.subject + message.body]
    _assert_shows(email.body, words, "size", "colour", "branch")
    html = email.alternatives[0][0] if email.alternatives else ""
    for key in ("size", "colour"):
        name, value = words[key].split(": ")
        assert name in html and value in html, (key, html[:2000])
    assert "№ 25" in html
    context.close()

    if width == 1280:  # whoever packs the parcel reads the dashboard's order page
        staff = browser.new_context(viewport={"width": width, "height": 844}).new_page()
        staff.goto(f"{base}/accounts/login/")
        staff.fill("input[name=login-username]", "staff@example.org")
        staff.fill("input[name=login-password]", "staff-pass-123")
        staff.press("input[name=login-password]", "Enter")
        staff.wait_for_load_state()
        staff.goto(f"{base}/dashboard/orders/{order.number}/")
        _assert_shows(staff.inner_text("body"), words, "size", "colour", "branch")
        staff.screenshot(path=str(screenshots / f"{shot}-dashboard-order.png"), full_page=True)
        staff.context.close()
