"""Catalogue texts in the page's language (shop/catalogue/translation.py)."""

from types import SimpleNamespace

import pytest
from django.utils import translation
from oscar.core.loading import get_class, get_model

from shop.campaign.models import ProductTranslation
from shop.catalogue.translation import (
    address_lines,
    country_name,
    image_alt,
    line_title,
    option_value,
    shipping_method_name,
)
from shop.checkout.forms import alphabetical_key
from tests import factories

ShippingAddress = get_model("order", "ShippingAddress")


def test_countries_are_named_from_pycountrys_ukrainian_catalogue():
    germany = SimpleNamespace(iso_3166_1_a2="DE", printable_name="Germany")
    moldova = SimpleNamespace(iso_3166_1_a2="MD", printable_name="Moldova")
    assert country_name(germany, "uk") == "Німеччина"
    assert country_name(moldova, "uk") == "Молдова"  # the common name, not "Republic of Moldova"
    assert country_name(germany, "en") == "Germany"


def test_ukrainian_alphabetical_order_puts_ie_and_i_where_readers_expect_them():
    expected = ["Гана", "Ґренада", "Естонія", "Єгипет", "Ірландія", "Йорданія", "Ямайка"]
    assert sorted(reversed(expected), key=alphabetical_key) == expected


@pytest.mark.django_db
def test_the_address_forms_countries_read_and_sort_in_ukrainian_ukraine_first():
    for code in ("DE", "EE", "IE", "GB"):
        factories.CountryFactory(iso_3166_1_a2=code, printable_name=code, is_shipping_country=True)
    factories.CountryFactory(iso_3166_1_a2="UA", is_shipping_country=True, display_order=1)
    form_class = get_class("checkout.forms", "ShippingAddressForm")
    with translation.override("uk"):
        choices = [label for _, label in form_class().fields["country"].choices]
    assert choices == ["Україна", "Велика Британія", "Естонія", "Ірландія", "Німеччина"]


def test_colours_and_shipping_methods_the_shop_set_up_read_in_ukrainian_and_others_as_typed():
    assert option_value("Olive", "uk") == "Оливковий"
    assert option_value("M", "uk") == "M"
    assert option_value("Olive", "en") == "Olive"
    assert shipping_method_name("Ukraine — Nova Poshta", "uk") == "Україна — Нова пошта"
    assert shipping_method_name("Courier by bicycle", "uk") == "Courier by bicycle"


@pytest.mark.django_db
def test_an_order_line_reads_its_products_translation_and_keeps_its_own_title_when_the_product_is_gone():
    product = factories.ProductFactory(title="Poster “Speak up!”")
    ProductTranslation.objects.create(product=product, language="uk", title="Плакат «Говори!»")
    line = SimpleNamespace(product=product, title="Poster “Speak up!”")
    assert line_title(line, "uk") == "Плакат «Говори!»"
    assert line_title(line, "en") == "Poster “Speak up!”"
    gone = SimpleNamespace(product=None, title="Poster “Speak up!”")
    assert line_title(gone, "uk") == "Poster “Speak up!”"


@pytest.mark.django_db
def test_a_gift_line_is_named_as_a_gift_in_each_language(donation):
    line = SimpleNamespace(product=donation, title="A gift to the aid fund")
    with translation.override("en"):
        english = line_title(line)
    assert english == "Donation to the aid fund"
    assert line_title(line, "uk") != english


@pytest.mark.django_db
def test_image_alt_text_is_the_caption_in_english_and_the_title_elsewhere():
    product = factories.ProductFactory(title="Sticker pack")
    ProductTranslation.objects.create(product=product, language="uk", title="Набір наліпок")
    image = SimpleNamespace(caption="Five stickers on a laptop lid")
    assert image_alt(image, product, "en") == "Five stickers on a laptop lid"
    assert image_alt(image, product, "uk") == "Набір наліпок"
    assert image_alt(SimpleNamespace(caption=""), product, "en") == "Sticker pack"


@pytest.mark.django_db
def test_an_addresss_country_is_named_in_the_pages_language():
    germany = factories.CountryFactory(iso_3166_1_a2="DE", printable_name="Germany")
    address = ShippingAddress(first_name="Olena", last_name="K", line1="Unter den Linden 1", line4="Berlin",
                              postcode="10117", country=germany)
    assert address_lines(address, "uk")[-1] == "Німеччина"
    assert address_lines(address, "en")[-1] == "Germany"
