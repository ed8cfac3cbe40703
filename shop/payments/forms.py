"""The supporter-facing form of the payments app: finding an order again."""

from django import forms
from django.utils.translation import gettext_lazy as _


class FindOrderForm(forms.Form):
    number = forms.CharField(
        label=_("Order number"),
        max_length=64,
        help_text=_("It is in your confirmation email, for example 100042."),
        widget=forms.TextInput(attrs={
                "autocomplete": "off",
                "inputmode": "numeric",
                "class": "form-control",
                "aria-describedby": "id_number_help",
            }),
    )
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("The address you gave at checkout."),
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "class": "form-control", "aria-describedby": "id_email_help"}
        ),
    )
