"""Shipping methods come from the database, by destination country.

Staff keep the zones (Ukraine, European Union, rest of world) and their
weight bands in Oscar's dashboard under Fulfilment → Shipping; a method applies
to an address when the address's country is one of the method's countries.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from oscar.apps.shipping import methods, repository
from oscar.core.loading import get_model

from shop.catalogue.translation import shipping_method_name

WeightBased = get_model("shipping", "WeightBased")


class ChargedAtCheckout(methods.Free):
    """The basket's estimate when no method is configured yet: no invented price."""

    code = "charged-at-checkout"
    name = _("Shipping is worked out at checkout")


class Repository(repository.Repository):
    def get_available_shipping_methods(
        self, basket: Any, shipping_addr: Any = None, **kwargs: Any
    ) -> list[Any]:
        available = WeightBased.objects.prefetch_related("bands").order_by("code")
        if shipping_addr is not None:
            return localised(available.filter(countries=shipping_addr.country_id))
        # No address yet (the basket page's estimate): any method will do.
        return localised(available) or [ChargedAtCheckout()]


def localised(rows: Any) -> list[Any]:
    """The methods named and described in the active language, for the pages that list them.

    The rows are fresh instances that are never saved, so the database keeps
    the names staff wrote; an order stores the name in the catalogue's
    language (fulfilment places orders under it) and pages translate it back.
    """
    rows = list(rows)
    for method in rows:
        method.name = shipping_method_name(method.name)
        method.description = shipping_method_name(method.description)
    return rows
