"""shop.catalogue.variants: a line's size and colour, in the page's language, kept as bought."""

import pytest
from oscar.core.loading import get_model

from shop.catalogue.variants import line_options, recorded_options, variant_options
from shop.payments.models import OrderLineVariant
from tests import factories

AttributeOption = get_model("catalogue", "AttributeOption")
Line = get_model("order", "Line")
Order = get_model("order", "Order")


@pytest.fixture
def navy_m(db):
    parent = factories.hoodie(colours=("Navy",), sizes=("M",))
    return parent.children.get()


@pytest.mark.django_db
def test_a_variant_reads_as_its_colour_and_size_in_each_language(navy_m):
    assert variant_options(navy_m, "en") == [("Colour", "Navy"), ("Size", "M")]
    assert variant_options(navy_m, "uk") == [("Колір", "Темно-синій"), ("Розмір", "M")]
    assert variant_options(navy_m.parent, "en") == []  # weight is no choice, a parent no variant


@pytest.mark.django_db
def test_an_order_line_keeps_its_options_as_bought(navy_m):
    order = Order.objects.create(number="100001", total_incl_tax=59, total_excl_tax=59)
    line = Line.objects.create(order=order, product=navy_m, title="Hoodie", quantity=1,
                               line_price_incl_tax=59, line_price_excl_tax=59,
                               line_price_before_discounts_incl_tax=59, line_price_before_discounts_excl_tax=59,
                               num_allocated=1)
    OrderLineVariant.objects.create(line=line, options=recorded_options(navy_m))
    navy_m.attr.colour = AttributeOption.objects.get(group__code="colour", option="Black")
    navy_m.attr.save()  # the catalogue is edited after the purchase
    line = Line.objects.get(pk=line.pk)
    assert line_options(line, "en") == [("Colour", "Navy"), ("Size", "M")]
    assert line_options(line, "uk") == [("Колір", "Темно-синій"), ("Розмір", "M")]
    navy_m.delete()
    assert line_options(Line.objects.get(pk=line.pk), "en") == [("Colour", "Navy"), ("Size", "M")]
