"""Oscar's checkout forms; only the classes changed here, the rest come from Oscar (``get_class``)."""

from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout import forms as oscar_forms


class GatewayForm(oscar_forms.GatewayForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Oscar's "Who are you?" page shows the password box after a radio button's
        # text, with no label of its own: a screen reader announces an unnamed field (WCAG 1.3.1, 4.1.2).
        self.fields["password"].widget.attrs["aria-label"] = _("Password")
