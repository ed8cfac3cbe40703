"""The basket: variants, stock, and a gift of the supporter's chosen amount."""

from decimal import Decimal
from html import escape

import pytest
from django.urls import reverse
from django.utils import translation

from tests import factories


def add(client, product, **data):
    return client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1, **data})


@pytest.mark.django_db
def test_a_chosen_variant_lands_in_the_basket(client, tshirt):
    parent, children = tshirt
    response = add(client, parent, child_id=children[0].pk)
    assert response.status_code == 302
    basket = client.get(reverse("basket:summary")).context["basket"]
    assert [line.product for line in basket.all_lines()] == [children[0]]
    assert basket.total_incl_tax == Decimal("29.00")


@pytest.mark.django_db
def test_a_sold_out_variant_is_refused(client, tshirt):
    parent, children = tshirt
    add(client, parent, child_id=children[-1].pk)
    basket = client.get(reverse("basket:summary")).context["basket"]
    assert basket.num_lines == 0


@pytest.mark.django_db
def test_a_gift_is_priced_at_the_chosen_amount(client, donation):
    response = add(client, donation, **{"donation-amount": "37,50"})
    assert response.status_code == 302
    page = client.get(reverse("basket:summary"))
    basket = page.context["basket"]
    (line,) = basket.all_lines()
    assert line.unit_price_incl_tax == Decimal("37.50")
    assert line.price_incl_tax == Decimal("37.50")  # stored at add time: no "price changed" warning
    assert line.get_warning() is None
    assert basket.total_incl_tax == Decimal("37.50")
    assert not basket.is_shipping_required()
    assert "37.50" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["1.99", "5000.01", "-5", "abc", "10.001", "", "NaN"])
def test_a_gift_outside_the_limits_is_refused_with_a_reason(client, donation, amount):
    response = client.post(
        reverse("basket:add", kwargs={"pk": donation.pk}), {"quantity": 1, "donation-amount": amount}, follow=True
    )
    errors = " ".join(str(message) for message in response.context["messages"])
    assert "amount" in errors.lower() or "between" in errors.lower() or "required" in errors.lower(), errors
    basket = client.get(reverse("basket:summary")).context["basket"]
    assert basket.num_lines == 0


@pytest.mark.django_db
def test_two_gifts_of_different_amounts_are_two_lines(client, donation):
    add(client, donation, **{"donation-amount": "10"})
    add(client, donation, **{"donation-amount": "25"})
    basket = client.get(reverse("basket:summary")).context["basket"]
    assert sorted(line.unit_price_incl_tax for line in basket.all_lines()) == [Decimal("10.00"), Decimal("25.00")]
    assert basket.total_incl_tax == Decimal("35.00")


@pytest.mark.django_db
def test_a_gift_on_top_of_merch(client, donation, tshirt):
    parent, children = tshirt
    add(client, parent, child_id=children[0].pk)
    add(client, donation, **{"donation-amount": "20"})
    basket = client.get(reverse("basket:summary")).context["basket"]
    assert basket.total_incl_tax == Decimal("49.00")
    assert basket.is_shipping_required()


@pytest.mark.django_db
def test_the_gift_amount_option_is_validated_in_the_strategy_too(donation):
    """A line whose stored amount was tampered with is not priced below the minimum."""
    from oscar.core.loading import get_model

    from shop.partner.strategy import CampaignStrategy

    Basket = get_model("basket", "Basket")
    Option = get_model("catalogue", "Option")
    basket = Basket.objects.create()
    basket.strategy = CampaignStrategy()
    option = Option.objects.get(code="donation-amount")
    line, _ = basket.add_product(donation, 1, [{"option": option, "value": Decimal("30")}])
    line.attributes.update(value="0.01")
    line = basket.lines.get()
    basket._lines = None
    line.basket.strategy = basket.strategy
    assert line.unit_price_incl_tax == Decimal(factories.settings.DONATION_MIN_AMOUNT)


def basket_formset_data(basket, changes: dict) -> dict:
    """The basket page's formset as the browser posts it, with some lines' fields changed."""
    lines = list(basket.all_lines())
    data = {"form-TOTAL_FORMS": len(lines), "form-INITIAL_FORMS": len(lines), "form-MIN_NUM_FORMS": 0,
            "form-MAX_NUM_FORMS": 1000}
    for index, line in enumerate(lines):
        data[f"form-{index}-id"] = line.id
        data[f"form-{index}-quantity"] = changes.get(line.id, line.quantity)
    return data


@pytest.mark.django_db
def test_a_gift_reads_as_a_gift_with_no_quantity_box(client, donation, tshirt):
    """"Gift to the aid fund — €17.50", not "A gift (Amount = '17.50')"; merch keeps its quantity box."""
    parent, children = tshirt
    add(client, parent, child_id=children[0].pk)
    add(client, donation, **{"donation-amount": "17.50"})
    html = client.get(reverse("basket:summary")).content.decode()
    assert "Gift to the aid fund — €17.50" in html
    assert "Amount =" not in html
    assert html.count('type="hidden" name="form-0-quantity"') + html.count('type="hidden" name="form-1-quantity"') == 1
    assert html.count('type="number" name="form-') == 1


@pytest.mark.django_db
def test_a_gift_cannot_be_multiplied_by_a_crafted_quantity(client, donation):
    add(client, donation, **{"donation-amount": "20"})
    basket = client.get(reverse("basket:summary")).context["basket"]
    (line,) = basket.all_lines()
    client.post(reverse("basket:summary"), basket_formset_data(basket, {line.id: 3}))
    basket = client.get(reverse("basket:summary")).context["basket"]
    assert [line.quantity for line in basket.all_lines()] == [1]
    assert basket.total_incl_tax == Decimal("20.00")


@pytest.mark.django_db
def test_a_gift_can_still_be_removed(client, donation):
    add(client, donation, **{"donation-amount": "20"})
    basket = client.get(reverse("basket:summary")).context["basket"]
    (line,) = basket.all_lines()
    client.post(reverse("basket:summary"), basket_formset_data(basket, {line.id: 0}))
    assert client.get(reverse("basket:summary")).context["basket"].num_lines == 0


@pytest.mark.django_db
def test_each_quantity_box_is_named_for_its_line_in_the_page_language(client, tshirt):
    """Oscar's basket shows the quantity box without a label; a screen reader hears which line it counts."""
    parent, children = tshirt
    add(client, parent, child_id=children[0].pk)
    with translation.override("uk"):
        page = client.get(reverse("basket:summary"))
    (form,) = page.context["formset"].forms
    name = form.fields["quantity"].widget.attrs["aria-label"]
    assert name == f"Кількість: {form.instance.description}"
    assert f'aria-label="{escape(name)}"' in page.content.decode()
