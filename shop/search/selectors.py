"""The queries behind the catalogue, category and home pages.

Everything a product card shows (price, availability, image, variants) is
fetched here in a fixed number of queries, whatever the page size: the card
template and the pricing strategy read only prefetched data.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
ProductImage = get_model("catalogue", "ProductImage")

SORT_ORDERS = {
    "newest": ("-date_created", "-id"),
    "title": ("title", "id"),
}
DEFAULT_SORT = "newest"


def browsable_products(*, category: Any = None, sort: str = DEFAULT_SORT) -> QuerySet:
    """Public parent and stand-alone products, with what their cards need prefetched."""
    products = Product.objects.browsable()
    if category is not None:
        products = products.filter(
            categories__in=Category.objects.get_tree(category).filter(is_public=True)
        ).distinct()
    return with_card_data(products).order_by(*SORT_ORDERS.get(sort, SORT_ORDERS[DEFAULT_SORT]))


def with_card_data(products: QuerySet) -> QuerySet:
    public_children = Product.objects.public().prefetch_related("stockrecords")
    return products.select_related("product_class").prefetch_related(
        "stockrecords",
        "translations",
        Prefetch("images", queryset=ProductImage.objects.order_by("display_order", "id")),
        Prefetch("children", queryset=public_children, to_attr="_prefetched_public_children"),
    )


def menu_categories() -> list[Any]:
    """The public categories, in tree order, for the browse menu (one query)."""
    return list(Category.objects.browsable().prefetch_related("translations").order_by("path"))
