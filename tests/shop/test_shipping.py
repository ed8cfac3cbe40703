"""shop.shipping: the basket's honest estimate and the Nova Poshta branch number."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shop.shipping.pickup import clean_pickup_point


@pytest.mark.parametrize(("typed", "number"), [("25", "25"), ("№ 25", "25"), ("№25", "25"), (" 5876 ", "5876"),
                                                ("#12", "12"), ("025", "25"), ("12 345", "12345")])
def test_a_branch_number_is_cleaned_to_its_digits(typed, number):
    assert clean_pickup_point(typed) == number


@pytest.mark.parametrize("typed", ["", "  ", "abc", "25a", "123456", "0", "-5", "٢٥", "25.5"])
def test_anything_but_a_branch_number_is_refused(typed):
    with pytest.raises(ValidationError):
        clean_pickup_point(typed)


@pytest.mark.django_db
def test_the_basket_shows_shipping_from_the_cheapest_charge_and_a_total_before_shipping(
    client, tshirt, shipping_methods
):
    parent, children = tshirt
    client.post(reverse("basket:add", kwargs={"pk": parent.pk}), {"quantity": 1, "child_id": children[0].pk})
    page = client.get(reverse("basket:summary"))
    html = page.content.decode()
    assert "from €3.00 — depends on the address" in html  # Nova Poshta, not EU post, is the cheapest
    assert "Total before shipping" in html
    assert page.context["order_total"].incl_tax == page.context["basket"].total_incl_tax  # nothing guessed in


@pytest.mark.django_db
def test_once_the_address_is_known_the_basket_shows_its_shipping(client, tshirt, shipping_methods):
    from tests.shop.test_checkout import guest_checkout_to_preview

    parent, children = tshirt
    client.post(reverse("basket:add", kwargs={"pk": parent.pk}), {"quantity": 1, "child_id": children[0].pk})
    guest_checkout_to_preview(client, "DE")
    page = client.get(reverse("basket:summary"))
    html = page.content.decode()
    assert "depends on the address" not in html
    assert page.context["shipping_method"].code == "eu"
    assert page.context["order_total"].incl_tax == 35  # 29.00 and 6.00 to Germany, as the preview will say


@pytest.mark.django_db
def test_the_basket_reads_every_lines_size_and_colour_without_a_query_per_line(
    client, shipping_methods, django_assert_num_queries
):
    from shop.catalogue.variants import line_options
    from tests import factories

    hoodie = factories.hoodie(colours=("Black", "Navy"), sizes=("S", "M"))
    for child in hoodie.children.all():
        client.post(reverse("basket:add", kwargs={"pk": hoodie.pk}), {"quantity": 1, "child_id": child.pk})
    page = client.get(reverse("basket:summary"))
    basket = page.context["basket"]
    assert page.content.decode().count('class="line-options"') == 4
    with django_assert_num_queries(0):  # loaded with the lines (Basket.all_lines)
        options = [line_options(line, "uk") for line in basket.all_lines()]
    assert sorted(options) == [
        [("Колір", "Темно-синій"), ("Розмір", "M")], [("Колір", "Темно-синій"), ("Розмір", "S")],
        [("Колір", "Чорний"), ("Розмір", "M")], [("Колір", "Чорний"), ("Розмір", "S")],
    ]
