"""Shipping methods come from the database, by destination country.

Staff keep the zones (Ukraine, European Union, rest of world) and their
weight bands in Oscar's dashboard under Fulfilment → Shipping; a method applies
to an address when the address's country is one of the method's countries.
"""

from __future__ import annotations

from typing import Any

from oscar.apps.shipping import repository
from oscar.core.loading import get_model

WeightBased = get_model("shipping", "WeightBased")


class Repository(repository.Repository):
    def get_available_shipping_methods(
        self, basket: Any, shipping_addr: Any = None, **kwargs: Any
    ) -> list[Any]:
        methods = WeightBased.objects.prefetch_related("bands").order_by("code")
        if shipping_addr is not None:
            methods = methods.filter(countries=shipping_addr.country_id)
        return list(methods)
