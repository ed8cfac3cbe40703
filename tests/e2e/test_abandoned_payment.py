"""A supporter leaves the payment page every way a real one does, and never loses the hoodie in size M.

At 390 px and 1280 px, in English and Ukrainian, with the offline Stripe
stand-in in front of localstripe: Back from the payment page gives the basket
back; a closed payment tab and a return an hour later (the payment still open,
or timed out at Stripe meanwhile) give it back too; paying at last places one
order, for the hoodie in size M. Screenshots of each step go to test-output/e2e/.
"""

import re

import pytest
from oscar.core.loading import get_model

from shop.payments.models import PaymentAttempt
from tests import factories
from tests.shop.payments.test_standin import SECRET_KEY, WEBHOOK_SECRET, call, start_standin, stop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")

CONTINUE = re.compile("^(Continue|Продовжити)$")
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def hoodie(db):
    ukraine = factories.CountryFactory(iso_3166_1_a2="UA")
    factories.WeightBasedFactory(code="ua", name="Ukraine — Nova Poshta", countries=[ukraine])
    factories.campaign_page()
    parent = factories.ParentProductFactory(title="Hoodie Territories are people", upc="TAP-HD-01")
    factories.ProductImageFactory(product=parent)
    sizes = {size: factories.ChildProductFactory(parent=parent, title=f"Size {size}", upc=f"TAP-HD-01-BLACK-{size}")
             for size in ("S", "M", "L")}
    return parent, sizes


@pytest.fixture
def stripe_offline(live_server, settings):
    running = start_standin(live_server.url + "/checkout/stripe/webhook/")
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = running.url
    yield running
    stop(running.process)
    running.log.unlink(missing_ok=True)


def go_to_payment(page, base: str, language: str, standin_url: str, *, first_time: bool) -> None:
    page.goto(f"{base}/{language}/checkout/")
    if first_time:
        page.fill("input[name=username]", "olena@example.org")
        page.check("input[name=options][value=anonymous]")
        page.get_by_role("button", name=CONTINUE).click()
        for name, value in (("first_name", "Olena"), ("last_name", "Test"), ("line1", "Khreshchatyk 1"),
                            ("line4", "Kyiv"), ("postcode", "01001")):
            page.fill(f"input[name={name}]", value)
        page.get_by_role("button", name=CONTINUE).click()
    page.goto(f"{base}/{language}/checkout/preview/")
    page.locator("#place_order_form [type=submit]").click()
    page.wait_for_url(standin_url + "/checkout/pay/**")


def assert_basket_holds_the_hoodie_in_m(page, base: str, language: str, size_m) -> None:
    page.goto(f"{base}/{language}/basket/")
    basket = Basket.objects.get(status=Basket.OPEN, lines__isnull=False)
    assert [line.product_id for line in basket.all_lines()] == [size_m.id]
    assert PaymentAttempt.objects.filter(status=PaymentAttempt.Status.OPEN).count() == 0
    assert "Hoodie Territories are people" in page.inner_text("#content_inner")
    assert page.locator("input[name$='-quantity']").first.is_editable()  # editable, not frozen


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_back_a_closed_tab_and_an_hour_away_never_lose_the_basket(
    live_server, browser, screenshots, hoodie, stripe_offline, width, language
):
    parent, sizes = hoodie
    base = live_server.url
    shot = f"abandoned-{width}-{language}"
    context = browser.new_context(viewport=WIDTHS[width], locale="uk-UA" if language == "uk" else "en-GB",
                                  is_mobile=width == "phone")
    page = context.new_page()
    page.goto(f"{base}/{language}{parent.get_absolute_url()[3:]}")
    page.select_option("select[name=child_id]", value=str(sizes["M"].id))
    page.locator("#add_to_basket_form [type=submit], form[action*='/basket/add/'] [type=submit]").first.click()
    page.wait_for_load_state()

    # 1. To the payment page, then the browser's Back button.
    go_to_payment(page, base, language, stripe_offline.url, first_time=True)
    page.screenshot(path=str(screenshots / f"{shot}-1-payment-page.png"), full_page=True)
    page.go_back()
    page.wait_for_load_state()
    page.screenshot(path=str(screenshots / f"{shot}-2-after-back.png"), full_page=True)
    assert_basket_holds_the_hoodie_in_m(page, base, language, sizes["M"])
    first = PaymentAttempt.objects.get()
    assert first.status == PaymentAttempt.Status.EXPIRED
    assert call(stripe_offline.url, "GET", f"/v1/checkout/sessions/{first.stripe_session_id}",
                headers={"Authorization": f"Bearer {SECRET_KEY}"})[2].count('"status": "expired"') == 1
    page.screenshot(path=str(screenshots / f"{shot}-3-basket-given-back.png"), full_page=True)

    # 2. To payment again; the tab is closed; an hour later the supporter opens the shop in a new tab.
    go_to_payment(page, base, language, stripe_offline.url, first_time=False)
    second = PaymentAttempt.objects.latest("id")
    page.close()
    if width == "desktop":
        # Away long enough for the session to time out at Stripe (the stand-in's clock, run forward).
        call(stripe_offline.url, "POST", f"/_standin/expire/{second.stripe_session_id}")
    page = context.new_page()
    page.goto(f"{base}/{language}/")
    page.screenshot(path=str(screenshots / f"{shot}-4-back-an-hour-later.png"), full_page=False)
    assert_basket_holds_the_hoodie_in_m(page, base, language, sizes["M"])
    second.refresh_from_db()
    assert second.status == PaymentAttempt.Status.EXPIRED

    # 3. Paid at last: one order, for the hoodie in size M.
    go_to_payment(page, base, language, stripe_offline.url, first_time=False)
    page.get_by_role("button", name=re.compile("^Pay")).click()
    page.wait_for_url("**/checkout/thank-you/")
    order = Order.objects.get()
    assert order.number in page.inner_text("body")
    assert [line.product_id for line in order.lines.all()] == [sizes["M"].id]
    page.screenshot(path=str(screenshots / f"{shot}-5-thank-you.png"), full_page=True)

    # Back from the thank-you page: no second payment, no second order.
    page.go_back()
    page.wait_for_load_state()
    page.goto(f"{base}/{language}/basket/")
    assert Order.objects.count() == 1
    assert PaymentAttempt.objects.filter(status=PaymentAttempt.Status.PAID).count() == 1
    context.close()
