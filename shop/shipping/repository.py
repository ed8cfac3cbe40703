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


class DependsOnAddress(methods.Free):
    """The basket's shipping before an address is known: nothing guessed into the total.

    Oscar would show the first method's charge (EU tracked post for a buyer in
    Ukraine, who then sees another figure at the preview). Instead the basket
    says "from" the cheapest charge any method asks for this basket, and its
    total is the total before shipping.
    """

    code = "depends-on-address"
    name = _("Shipping depends on the address")
    is_estimate = True

    def __init__(self, cheapest: Any | None = None) -> None:
        self.cheapest = cheapest  # an Oscar Price, or None when no method is configured yet


class Repository(repository.Repository):
    def get_available_shipping_methods(
        self, basket: Any, shipping_addr: Any = None, **kwargs: Any
    ) -> list[Any]:
        available = WeightBased.objects.prefetch_related("bands").order_by("code")
        if shipping_addr is not None:
            return localised(available.filter(countries=shipping_addr.country_id))
        return localised(available)

    def get_default_shipping_method(self, basket: Any, shipping_addr: Any = None, **kwargs: Any) -> Any:
        """The method the basket page shows: the address's cheapest, or without one what shipping costs at least."""
        if not basket.is_shipping_required():
            return super().get_default_shipping_method(basket, shipping_addr=shipping_addr, **kwargs)
        if shipping_addr is not None:
            for_address = self.get_shipping_methods(basket, shipping_addr=shipping_addr, **kwargs)
            if for_address:
                return min(for_address, key=lambda method: method.calculate(basket).incl_tax)
        return DependsOnAddress(cheapest_charge(self.get_shipping_methods(basket, **kwargs), basket))


def cheapest_charge(shipping_methods: list[Any], basket: Any) -> Any | None:
    """The lowest charge among the methods for this basket, or None when there are none."""
    charges = [method.calculate(basket) for method in shipping_methods]
    return min(charges, key=lambda price: price.incl_tax, default=None)


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
