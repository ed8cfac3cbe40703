"""Oscar's checkout forms; only the classes changed here, the rest come from Oscar (``get_class``).

The address's country list reads in the page's language; the shipping method asks
for Nova Poshta's branch number; the gateway's password box is named."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout import forms as oscar_forms

from shop.catalogue.translation import country_name
from shop.shipping.pickup import PICKUP_POINT_DIGITS, clean_pickup_point, needs_pickup_point

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


class ShippingMethodForm(oscar_forms.ShippingMethodForm):
    """Oscar's choice of method, with the Nova Poshta branch or parcel locker number when that method is chosen."""

    pickup_point = forms.CharField(
        label=_("Nova Poshta branch or parcel locker number"),
        help_text=_("Digits only, as in Nova Poshta's app: for example 25 or 5876."),
        required=False,
        max_length=PICKUP_POINT_DIGITS + 8,  # room for "№ " and spaces, which are dropped
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "class": "form-control"}),
    )

    def __init__(self, *args, **kwargs):
        self.methods = {method.code: method for method in kwargs.get("methods", [])}
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        method = self.methods.get(cleaned.get("method_code"))
        if needs_pickup_point(method):
            try:
                cleaned["pickup_point"] = clean_pickup_point(cleaned.get("pickup_point"))
            except ValidationError as error:
                self.add_error("pickup_point", error)
        else:
            cleaned["pickup_point"] = ""
        return cleaned


class GatewayForm(oscar_forms.GatewayForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Oscar's "Who are you?" page shows the password box after a radio button's
        # text, with no label of its own: a screen reader announces an unnamed field (WCAG 1.3.1, 4.1.2).
        self.fields["password"].widget.attrs["aria-label"] = _("Password")
