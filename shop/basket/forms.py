from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.apps.basket import forms as oscar_forms

from shop.donation import DONATION_AMOUNT_OPTION_CODE, donation_limits, is_donation, parse_donation_amount


class DonationAmountField(forms.CharField):
    """Accepts "25", "25.5" or "25,50" and cleans to a Decimal within the limits."""

    def clean(self, value):
        value = super().clean(value)
        return parse_donation_amount(value)


class AddToBasketForm(oscar_forms.AddToBasketForm):
    def __init__(self, basket, product, *args, **kwargs):
        super().__init__(basket, product, *args, **kwargs)
        if is_donation(product):
            # A gift is one line of the chosen amount: quantity means nothing here.
            self.fields["quantity"].initial = 1
            self.fields["quantity"].widget = forms.HiddenInput()
            self.fields["quantity"].max_value = 1

    def _add_option_field(self, product, option):
        if option.code != DONATION_AMOUNT_OPTION_CODE:
            return super()._add_option_field(product, option)
        minimum, maximum = donation_limits()
        self.fields[option.code] = DonationAmountField(
            label=_("Your gift"),
            initial="25",
            required=True,
            widget=forms.TextInput(
                attrs={"inputmode": "decimal", "min": str(minimum), "max": str(maximum), "autocomplete": "off"}
            ),
        )


class SimpleAddToBasketForm(oscar_forms.SimpleAddToBasketMixin, AddToBasketForm):
    pass
