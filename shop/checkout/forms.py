"""Oscar's checkout forms; only the classes changed here, the rest come from Oscar (``get_class``)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout import forms as oscar_forms

from shop.shipping.pickup import PICKUP_POINT_DIGITS, clean_pickup_point, needs_pickup_point


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
