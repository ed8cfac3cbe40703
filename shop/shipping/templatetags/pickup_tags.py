from typing import Any

from django import template

from shop.shipping import pickup

register = template.Library()


@register.simple_tag
def pickup_point(order: Any) -> str:
    """``{% pickup_point order as number %}``: the Nova Poshta branch or parcel locker, or ""."""
    return pickup.pickup_point_for(order)
