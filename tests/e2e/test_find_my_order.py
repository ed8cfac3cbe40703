"""Find my order in a real browser: from the footer, a wrong pair, then the right one, in both languages and widths."""

from decimal import Decimal

import pytest
from oscar.apps.shipping.methods import FixedPrice
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from shop.partner.strategy import CampaignStrategy
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

Basket = get_model("basket", "Basket")
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
NOT_FOUND = {
    "en": "We found no order with that number and email address.",
    "uk": "Ми не знайшли замовлення з таким номером і адресою електронної пошти.",
}


@pytest.fixture
def guest_order(db):
    factories.campaign_page()
    basket = Basket.objects.create()
    basket.strategy = CampaignStrategy()
    basket.add_product(factories.ProductFactory(title="Hoodie Territories are people"), 1)
    return create_order(number="100042", guest_email="olena@example.org", basket=basket,
                        shipping_method=FixedPrice(Decimal("3.00"), Decimal("3.00")))


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_a_guest_finds_their_order_from_the_footer(live_server, browser, screenshots, guest_order, width, language):
    context = browser.new_context(viewport=WIDTHS[width], is_mobile=width == "phone")
    page = context.new_page()
    page.goto(f"{live_server.url}/{language}/")
    page.locator(".site-footer a[href$='/find-my-order/']").click()
    page.wait_for_url(f"**/{language}/find-my-order/")
    page.fill("input[name=number]", "100042")
    page.fill("input[name=email]", "someone@example.org")
    page.locator("#content_inner form [type=submit]").click()
    page.wait_for_load_state()
    assert NOT_FOUND[language] in page.inner_text("#content_inner")
    page.screenshot(path=str(screenshots / f"find-my-order-{width}-{language}-not-found.png"), full_page=True)
    page.fill("input[name=email]", "Olena@example.org")
    page.locator("#content_inner form [type=submit]").click()
    page.wait_for_url(f"**/{language}/accounts/order-status/100042/**")
    assert "100042" in page.inner_text("main")
    page.screenshot(path=str(screenshots / f"find-my-order-{width}-{language}-found.png"), full_page=True)
    context.close()
