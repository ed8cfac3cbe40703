"""Checkout as a guest up to the order preview, with shipping by destination."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from oscar.core.loading import get_model

Order = get_model("order", "Order")

ADDRESS = {
    "first_name": "Olena",
    "last_name": "Test",
    "line1": "Khreshchatyk 1",
    "line4": "Kyiv",
    "postcode": "01001",
    "phone_number": "",
}


def add_to_basket(client, product, **data):
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1, **data})


def choose_nova_poshta(client, pickup_point="25"):
    """The shipping step for Ukraine: Nova Poshta, to this branch or parcel locker."""
    return client.post(reverse("checkout:shipping-method"), {"method_code": "ua", "pickup_point": pickup_point})


def guest_checkout_to_preview(client, country_code="UA"):
    response = client.post(reverse("checkout:index"), {"username": "supporter@example.org", "options": "anonymous"})
    assert response.status_code == 302, response.content[:500]
    response = client.post(reverse("checkout:shipping-address"), {**ADDRESS, "country": country_code})
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    return response


@pytest.mark.django_db
def test_guest_reaches_the_preview_with_ukrainian_shipping(client, tshirt, shipping_methods):
    parent, children = tshirt
    add_to_basket(client, parent, child_id=children[0].pk)
    guest_checkout_to_preview(client, "UA")
    # Nova Poshta is the only method for Ukraine, but it still needs the branch or parcel locker.
    step = client.get(reverse("checkout:shipping-method"))
    assert step.status_code == 200
    assert 'name="pickup_point"' in step.content.decode()
    preview = client.get(choose_nova_poshta(client, "№ 25")["Location"], follow=True)
    assert preview.redirect_chain[-1][0] == reverse("checkout:preview")
    html = preview.content.decode()
    assert "supporter@example.org" in html
    assert "Khreshchatyk 1" in html
    assert "Nova Poshta branch or parcel locker: <strong>№ 25</strong>" in html
    assert preview.context["order_total"].incl_tax == Decimal("32.00")  # 29.00 + 3.00 for 0.3 kg to Ukraine


@pytest.mark.django_db
def test_shipping_to_the_eu_uses_the_eu_rates(client, tshirt, shipping_methods):
    parent, children = tshirt
    add_to_basket(client, parent, child_id=children[0].pk)
    guest_checkout_to_preview(client, "DE")
    preview = client.get(reverse("checkout:shipping-method"), follow=True)
    assert preview.redirect_chain[-1][0] == reverse("checkout:preview")
    assert preview.context["shipping_method"].code == "eu"
    assert preview.context["order_total"].incl_tax == Decimal("35.00")  # 29.00 + 6.00 for 0.3 kg to Germany


@pytest.mark.django_db
def test_a_country_without_shipping_is_not_offered(client, tshirt, shipping_methods):
    from tests.factories import CountryFactory

    CountryFactory(iso_3166_1_a2="RU", is_shipping_country=False)
    parent, children = tshirt
    add_to_basket(client, parent, child_id=children[0].pk)
    client.post(reverse("checkout:index"), {"username": "supporter@example.org", "options": "anonymous"})
    response = client.post(reverse("checkout:shipping-address"), {**ADDRESS, "country": "RU"})
    assert response.status_code == 200
    assert "country" in response.context["form"].errors


@pytest.mark.django_db
def test_a_gift_alone_needs_no_shipping(client, donation, shipping_methods):
    add_to_basket(client, donation, **{"donation-amount": "50"})
    client.post(reverse("checkout:index"), {"username": "supporter@example.org", "options": "anonymous"})
    # No address is asked for: Oscar skips the shipping steps when nothing ships.
    preview = client.get(reverse("checkout:shipping-address"), follow=True)
    assert preview.redirect_chain[-1][0] == reverse("checkout:preview")
    assert "shipping_address" not in preview.context or preview.context["shipping_address"] is None
    assert preview.context["order_total"].incl_tax == Decimal("50.00")


@pytest.mark.django_db
def test_the_preview_is_the_end_until_card_payment_opens(client, tshirt, shipping_methods):
    parent, children = tshirt
    add_to_basket(client, parent, child_id=children[0].pk)
    guest_checkout_to_preview(client)
    choose_nova_poshta(client)
    response = client.post(reverse("checkout:preview"), {"action": "place_order"})
    assert response.status_code == 302
    assert response["Location"] == reverse("checkout:preview")
    assert Order.objects.count() == 0
    assert client.get(reverse("basket:summary")).context["basket"].num_lines == 1


@pytest.mark.django_db
def test_signed_in_customer_reaches_the_preview(client, tshirt, shipping_methods, django_user_model):
    user = django_user_model.objects.create_user(username="olena", email="olena@example.org", password="pw-123456")
    client.force_login(user)
    parent, children = tshirt
    add_to_basket(client, parent, child_id=children[1].pk)
    response = client.get(reverse("checkout:index"))
    assert response.status_code == 302  # signed in: straight to the address
    client.post(reverse("checkout:shipping-address"), {**ADDRESS, "country": "UA"})
    preview = client.get(choose_nova_poshta(client)["Location"], follow=True)
    assert preview.redirect_chain[-1][0] == reverse("checkout:preview")
    assert preview.context["order_total"].incl_tax == Decimal("32.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "error"),
    [("", "Please enter the number"), ("abc", "digits only"), ("123456", "digits only"), ("0", "digits only"),
     ("٢٥", "digits only")],
)
def test_a_wrong_branch_number_is_refused_plainly_and_nothing_is_lost(client, tshirt, shipping_methods, typed, error):
    parent, children = tshirt
    add_to_basket(client, parent, child_id=children[0].pk)
    guest_checkout_to_preview(client, "UA")
    response = choose_nova_poshta(client, typed)
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    assert f'value="{typed}"' in html  # what was typed is still there to correct
    assert "not permitted" not in html
    # Nothing was chosen: the preview sends the supporter back for the number.
    preview = client.get(reverse("checkout:preview"))
    assert preview.status_code == 302
    assert preview["Location"] == reverse("checkout:shipping-method")


@pytest.mark.django_db
def test_the_preview_asks_for_the_branch_if_the_method_was_chosen_without_it(client, tshirt, shipping_methods):
    """A session holding Nova Poshta but no number (e.g. a stale one) cannot reach the preview."""
    parent, children = tshirt
    add_to_basket(client, parent, child_id=children[0].pk)
    guest_checkout_to_preview(client, "UA")
    session = client.session
    session["checkout_data"]["shipping"]["method_code"] = "ua"
    session.save()
    response = client.get(reverse("checkout:preview"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("checkout:shipping-method")
    assert "Please enter the number of the Nova Poshta branch" in response.content.decode()


@pytest.mark.django_db
def test_a_method_without_branches_asks_for_no_number(client, tshirt, shipping_methods):
    parent, children = tshirt
    add_to_basket(client, parent, child_id=children[0].pk)
    guest_checkout_to_preview(client, "DE")
    preview = client.get(reverse("checkout:shipping-method"), follow=True)
    assert preview.redirect_chain[-1][0] == reverse("checkout:preview")
    assert "Nova Poshta branch" not in preview.content.decode()


def assert_site_layout(html: str) -> None:
    """The site's header with its menu and language switch, and its footer; not Oscar's bare checkout header."""
    assert 'class="site-header"' in html
    assert 'class="site-nav"' in html
    assert 'class="language-switcher"' in html
    assert 'class="site-footer"' in html
    assert "footer_checkout" not in html and 'class="header container"' not in html


def step_classes(html: str) -> list[str]:
    import re

    return re.findall(r'class="checkout-steps__step is-(\w+)"', html)


@pytest.mark.django_db
def test_every_checkout_page_is_in_the_sites_layout_with_its_steps(client, tshirt, shipping_methods, settings):
    """Who are you, address, shipping, preview: the site's layout, and steps ticked in their real order."""
    from tests.factories import WeightBasedFactory

    # A second way to ship to Ukraine, so the shipping method is a page of its own.
    WeightBasedFactory(code="ua-post", name="Ukraine — Ukrposhta", countries=[shipping_methods["UA"]])
    settings.STRIPE_SECRET_KEY = "sk_test_not_called_here"
    parent, children = tshirt
    add_to_basket(client, parent, child_id=children[0].pk)

    gateway = client.get(reverse("checkout:index")).content.decode()
    assert_site_layout(gateway)
    assert step_classes(gateway) == ["todo", "todo", "todo", "todo"]

    guest_checkout_to_preview(client, "UA")
    address = client.get(reverse("checkout:shipping-address")).content.decode()
    assert_site_layout(address)
    assert step_classes(address) == ["current", "todo", "todo", "todo"]

    methods = client.get(reverse("checkout:shipping-method")).content.decode()
    assert_site_layout(methods)
    assert step_classes(methods) == ["done", "current", "todo", "todo"]
    assert "Ukraine — Ukrposhta" in methods

    client.post(reverse("checkout:shipping-method"), {"method_code": "ua", "pickup_point": "25"})
    preview = client.get(reverse("checkout:preview")).content.decode()
    assert_site_layout(preview)
    # Payment comes after the preview, and is not ticked before it.
    assert step_classes(preview) == ["done", "done", "current", "todo"]
    assert preview.index("Check your order") < preview.index(">Payment<")
    # The total and the Pay button come before the order's details (first on a phone).
    assert preview.index('id="place-order"') < preview.index('class="order-lines"')
    assert "To pay: €32.00" in preview
    assert "tax" not in preview.lower()


@pytest.mark.django_db
def test_the_preview_names_a_gift_as_a_gift(client, donation, shipping_methods):
    add_to_basket(client, donation, **{"donation-amount": "17.50"})
    client.post(reverse("checkout:index"), {"username": "supporter@example.org", "options": "anonymous"})
    preview = client.get(reverse("checkout:shipping-address"), follow=True).content.decode()
    assert "Gift to the aid fund — €17.50" in preview
    assert "Quantity" not in preview
    assert "Amount =" not in preview


@pytest.mark.django_db
def test_the_checkout_speaks_ukrainian(client, tshirt, shipping_methods):
    from django.utils import translation

    parent, children = tshirt
    add_to_basket(client, parent, child_id=children[0].pk)
    guest_checkout_to_preview(client, "UA")
    choose_nova_poshta(client)
    with translation.override("uk"):
        url = reverse("checkout:preview")
    preview = client.get(url, follow=True).content.decode()
    for words in ("Адреса", "Доставка", "Перевірте замовлення", "Оплата", "До сплати", "Ваше замовлення",
                  "Змінити адресу", "1 товар"):
        assert words in preview, words


@pytest.mark.django_db
def test_the_gateway_password_box_has_a_name(client, tshirt):
    """Oscar shows the returning customer's password box after a radio button's text, with no label of its own."""
    parent, children = tshirt
    add_to_basket(client, parent, child_id=children[0].pk)
    with translation.override("uk"):
        page = client.get(reverse("checkout:index"))
    assert page.status_code == 200
    assert 'aria-label="Пароль"' in page.content.decode()
