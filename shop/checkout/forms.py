"""The checkout's address form, its country list in the page's language."""

from __future__ import annotations

from typing import Any

from oscar.apps.checkout import forms as oscar_forms

from shop.catalogue.translation import country_name

UKRAINIAN_ALPHABET = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"


def alphabetical_key(name: str) -> tuple[int | str, ...]:
    """Sort as a Ukrainian reader expects: Є after Е, І and Ї after И, Ґ after Г.

    Plain code-point order puts Є, І, Ї and Ґ after Я; Latin names keep their own order.
    """
    order = {letter: index for index, letter in enumerate(UKRAINIAN_ALPHABET)}
    return tuple(order.get(char, 100 + ord(char)) for char in name.lower())


class ShippingAddressForm(oscar_forms.ShippingAddressForm):
    def adjust_country_field(self) -> None:
        super().adjust_country_field()
        field = self.fields.get("country")
        if field is None:
            return
        # Oscar's rows hold English names; the list reads and sorts in the
        # page's language, countries the shop puts first (Ukraine) staying first.
        countries: list[Any] = list(field.queryset)
        countries.sort(key=lambda country: (-country.display_order, alphabetical_key(country_name(country))))
        field.choices = [(country.pk, country_name(country)) for country in countries]
