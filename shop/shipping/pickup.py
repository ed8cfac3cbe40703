"""Nova Poshta delivers to a branch or a parcel locker, and the parcel needs its number.

Supporters in Ukraine collect their parcel at a Nova Poshta branch
("відділення") or parcel locker ("поштомат"); a street address alone does not
tell the print studio where to send it. The shipping step asks for the number
when the chosen method is Nova Poshta, the payment attempt carries it through
Stripe's redirect beside the address (``PaymentAttempt.pickup_point``), and
the order's pages, email and dashboard show it.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils.translation import gettext_lazy as _

# The method setup_shop makes for Ukraine (shop.campaign.reference_data.SHIPPING_ZONES).
NOVA_POSHTA_METHOD_CODE = "ua"
# Branches are numbered from 1 and parcel lockers in the thousands; five digits leave room.
PICKUP_POINT_DIGITS = 5
_PREFIX = re.compile(r"^(№|#|no\.?|n\.?)\s*", re.IGNORECASE)


def needs_pickup_point(method: Any) -> bool:
    """Whether this shipping method delivers to a numbered branch or parcel locker."""
    return getattr(method, "code", None) == NOVA_POSHTA_METHOD_CODE


def clean_pickup_point(raw: str | None) -> str:
    """The number as digits ("25" from "№ 25"), or a ValidationError that says what to type.

    Supporters copy the number from Nova Poshta's app, which writes "№25";
    the sign and spaces are dropped, anything else is refused.
    """
    number = _PREFIX.sub("", (raw or "").strip()).replace(" ", "")
    if not number:
        raise ValidationError(
            _("Please enter the number of the Nova Poshta branch or parcel locker."), code="required"
        )
    if not number.isascii() or not number.isdigit() or len(number) > PICKUP_POINT_DIGITS or int(number) == 0:
        raise ValidationError(
            _("A Nova Poshta branch or parcel locker number is digits only, for example 25 or 5876."),
            code="invalid",
        )
    return str(int(number))


def pickup_point_for(order: Any) -> str:
    """The branch or parcel locker number the order goes to, or "" when it goes to an address."""
    try:
        return order.payment_attempt.pickup_point
    except (ObjectDoesNotExist, AttributeError):
        return ""
