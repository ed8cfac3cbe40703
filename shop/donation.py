"""The donation item: a gift of the supporter's chosen amount, sold like merch.

A donation is a product of the ``donation`` product class (no shipping, no
stock) with one required option, the amount. The amount travels as a basket
line option and the pricing strategy turns it into the line's price, so the
basket, the order and later the ledger see an ordinary priced line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

DONATION_PRODUCT_CLASS_SLUG = "donation"
DONATION_AMOUNT_OPTION_CODE = "donation-amount"
# Amounts offered as one-click choices on the donation page.
SUGGESTED_AMOUNTS = ("10", "25", "50", "100")


def donation_limits() -> tuple[Decimal, Decimal]:
    return Decimal(settings.DONATION_MIN_AMOUNT), Decimal(settings.DONATION_MAX_AMOUNT)


def parse_donation_amount(value: Any) -> Decimal:
    """Return the amount as a Decimal with two places, or raise ValidationError."""
    if isinstance(value, float):
        value = str(value)
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, AttributeError) as exc:
        raise ValidationError(_("Enter an amount such as 25 or 25.50.")) from exc
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("Enter an amount with at most two decimals."))
    minimum, maximum = donation_limits()
    if amount < minimum or amount > maximum:
        raise ValidationError(
            _("A gift must be between %(min)s and %(max)s %(currency)s.")
            % {"min": amount_text(minimum), "max": amount_text(maximum), "currency": settings.OSCAR_DEFAULT_CURRENCY}
        )
    return amount.quantize(Decimal("0.01"))


def amount_text(amount: Decimal) -> str:
    """An amount as the page's language writes it: "2.00" in English, "2,00" in Ukrainian (grouped thousands)."""
    return number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)


def is_donation(product: Any) -> bool:
    product_class = product.get_product_class()
    return product_class is not None and product_class.slug == DONATION_PRODUCT_CLASS_SLUG


def gift_line_title(amount: str) -> str:
    """How a gift reads wherever a basket or order line appears, its amount already formatted."""
    return _("Gift to the aid fund — %(amount)s") % {"amount": amount}


def donation_amount_from_options(options: Iterable[Mapping[str, Any]]) -> Decimal | None:
    """The amount among the options passed to ``Basket.add_product``, if any."""
    for option in options:
        if option["option"].code == DONATION_AMOUNT_OPTION_CODE:
            return parse_donation_amount(option["value"])
    return None


def donation_amount_from_line(line: Any) -> Decimal | None:
    """The amount stored on a basket line's attributes, if any."""
    for attribute in line.attributes.all():
        if attribute.option.code == DONATION_AMOUNT_OPTION_CODE:
            try:
                return parse_donation_amount(attribute.value)
            except ValidationError:
                return None
    return None
