"""The query behind the product page: the product, its variants and their stock at once."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
ProductImage = get_model("catalogue", "ProductImage")


def product_page_products() -> QuerySet:
    """Products with what the product page reads prefetched (a fixed number of queries).

    Variants come with their stock records, so the variant menu and the
    "from" price cost no query per variant.
    """
    public_children = Product.objects.public().prefetch_related("stockrecords").order_by("id")
    return Product.objects.select_related("product_class", "parent__product_class").prefetch_related(
        "stockrecords",
        "translations",
        Prefetch("images", queryset=ProductImage.objects.order_by("display_order", "id")),
        Prefetch("children", queryset=public_children, to_attr="_prefetched_public_children"),
    )
