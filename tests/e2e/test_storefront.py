"""A supporter on a phone: home → product → basket → checkout, in a real browser."""

import re

import pytest

from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(db):
    ukraine = factories.CountryFactory(iso_3166_1_a2="UA")
    factories.WeightBasedFactory(code="ua", name="Ukraine — Nova Poshta", countries=[ukraine])
    factories.campaign_page()
    factories.donation_product()
    parent = factories.ParentProductFactory(title="T-shirt Territories are people")
    factories.ProductImageFactory(product=parent)
    for size in ("S", "M", "L"):
        factories.ChildProductFactory(parent=parent, title=f"Size {size}")
    return parent


def test_supporter_walks_from_the_campaign_to_the_order_preview(live_server, browser, screenshots, shop):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True)
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert page.url.endswith("/en/")
    assert page.locator("h1").first.inner_text() == "Territories are people"
    page.screenshot(path=str(screenshots / "home-phone.png"), full_page=False)

    page.get_by_role("link", name="T-shirt Territories are people").first.click()
    page.wait_for_url("**/catalogue/t-shirt-territories-are-people_*/")
    assert "from €29.00" in page.inner_text(".product-page__price")
    options = page.locator("select[name=child_id] option").all_inner_texts()
    assert [text.strip() for text in options] == ["Size S", "Size M", "Size L"], options
    page.select_option("select[name=child_id]", index=1)
    page.screenshot(path=str(screenshots / "product-phone.png"), full_page=True)
    page.get_by_role("button", name=re.compile("Add to (basket|cart)")).click()

    page.goto(live_server.url + "/en/basket/")
    assert "T-shirt Territories are people" in page.inner_text("#content_inner") or "Size M" in page.content()
    page.get_by_role("link", name="Proceed to checkout").click()  # Oscar's English says "cart"

    page.fill("input[name=username]", "supporter@example.org")
    page.check("input[name=options][value=anonymous]")
    page.get_by_role("button", name="Continue").click()

    page.fill("input[name=first_name]", "Olena")
    page.fill("input[name=last_name]", "Test")
    page.fill("input[name=line1]", "Khreshchatyk 1")
    page.fill("input[name=line4]", "Kyiv")
    page.fill("input[name=postcode]", "01001")
    # Ukraine is the only shipping country here, so Oscar asks no country.
    page.get_by_role("button", name="Continue").click()

    # Nova Poshta, the method for Ukraine, asks for the branch or parcel locker.
    page.fill("input[name=pickup_point]", "25")
    page.press("input[name=pickup_point]", "Enter")
    page.wait_for_url("**/checkout/preview/")
    body = page.inner_text("body")
    assert "supporter@example.org" in body
    assert "€32.00" in body  # 29.00 + 3.00 shipping to Ukraine
    assert page.get_by_role("button", name="Pay by card").is_disabled()
    page.screenshot(path=str(screenshots / "checkout-preview-phone.png"), full_page=True)
    assert (screenshots / "checkout-preview-phone.png").stat().st_size > 10_000
    context.close()
