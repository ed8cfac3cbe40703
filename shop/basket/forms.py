from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from oscar.apps.basket import forms as oscar_forms
from oscar.forms import widgets

from shop.catalogue.variants import variant_label, variant_sort_key
from shop.donation import DONATION_AMOUNT_OPTION_CODE, donation_limits, is_donation, parse_donation_amount


class DonationAmountField(forms.CharField):
    """Accepts "25", "25.5" or "25,50" and cleans to a Decimal within the limits."""

    def clean(self, value):
        value = super().clean(value)
        return parse_donation_amount(value)


def variant_choices(children, unavailable=(), language: str | None = None) -> list[tuple[int, str]]:
    """("Black, M") for each child, in the attribute options' own order (S before M before L).

    Labels come from ``shop.catalogue.variants`` (the same words every line
    shows) and from the children's prefetched attribute values; a sold-out
    variant says so, as well as being disabled, because a greyed-out option
    alone is easy to miss and is not announced by every screen reader.
    """
    sold_out = set(unavailable)
    ordered = sorted(children, key=lambda child: (variant_sort_key(child), child.id))
    choices = []
    for child in ordered:
        label = variant_label(child, language) or child.get_title()
        if child.id in sold_out:
            label = gettext("%(variant)s — sold out") % {"variant": label}
        choices.append((child.id, label))
    return choices


class AddToBasketForm(oscar_forms.AddToBasketForm):
    def __init__(self, basket, product, *args, **kwargs):
        super().__init__(basket, product, *args, **kwargs)
        for field in self.fields.values():
            if not field.widget.is_hidden:
                field.widget.attrs.setdefault("class", "form-control")
        if is_donation(product):
            # A gift is one line of the chosen amount: quantity means nothing here.
            self.fields["quantity"].initial = 1
            self.fields["quantity"].widget = forms.HiddenInput()
            self.fields["quantity"].max_value = 1

    def _create_parent_product_fields(self, product):
        """The variant menu, from prefetched variants and one query for their labels.

        Oscar's version asks the database for each variant's description and
        stock in turn; on a t-shirt with a dozen sizes and colours that is most
        of the product page's time.
        """
        children = list(product.get_public_children())
        unavailable = [
            child.id
            for child in children
            if not self.basket.strategy.fetch_for_product(child).availability.is_available_to_buy
        ]
        self.fields["child_id"] = forms.ChoiceField(
            choices=variant_choices(children, unavailable),
            label=_("Variant"),
            widget=widgets.AdvancedSelect(disabled_values=unavailable),
        )

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


class BasketLineForm(oscar_forms.BasketLineForm):
    def __init__(self, strategy, *args, **kwargs):
        super().__init__(strategy, *args, **kwargs)
        if self.instance.id and is_donation(self.instance.product):
            # A gift is one line of the chosen amount: the basket shows no
            # quantity box for it, and a crafted quantity other than 1 (or 0,
            # Oscar's "remove") is refused rather than multiplying the gift.
            self.fields["quantity"] = forms.IntegerField(
                label=_("Quantity"), min_value=0, max_value=1, required=False, initial=1, widget=forms.HiddenInput()
            )
        elif self.instance.id:
            # Oscar's basket shows the quantity box without its label; a screen reader
            # would announce a bare "spin button" (WCAG 1.3.1, 4.1.2). The name says which line it counts.
            self.fields["quantity"].widget.attrs["aria-label"] = _("Quantity of %(item)s") % {
                "item": self.instance.description
            }
