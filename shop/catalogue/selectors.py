"""The query behind the product page: the product, its variants and their stock at once."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from oscar.core.loading import get_model
from oscar.core.thumbnails import get_thumbnailer

from shop.catalogue.freshness import GRID_CACHE_SECONDS, catalogue_version
from shop.catalogue.variants import attribute_values_prefetch

Option = get_model("catalogue", "Option")
Product = get_model("catalogue", "Product")
ProductImage = get_model("catalogue", "ProductImage")


def product_page_products() -> QuerySet:
    """Products with what the product page reads prefetched (a fixed number of queries).

    Variants come with their stock records and choice attributes, so the
    variant menu and the "from" price cost no query per variant.
    """
    public_children = (
        Product.objects.public().prefetch_related("stockrecords", attribute_values_prefetch()).order_by("id")
    )
    # Oscar's has_options reads these annotations instead of asking per product.
    options = Option.objects.filter(productclass=OuterRef("product_class"))
    own_options = Option.objects.filter(product=OuterRef("pk"))
    products = Product.objects.annotate(
        has_product_class_options=Exists(options), has_product_options=Exists(own_options)
    )
    return products.select_related("product_class", "parent__product_class").prefetch_related(
        "stockrecords",
        "translations",
        Prefetch("images", queryset=ProductImage.objects.order_by("display_order", "id")),
        Prefetch("children", queryset=public_children, to_attr="_prefetched_public_children"),
    )


def share_image_url(product) -> str | None:
    """The product's picture sized for Open Graph cards (1200 px), or None without one."""
    image = product.primary_image()
    if not getattr(image, "original", None):
        return None
    return get_thumbnailer().generate_thumbnail(image.original, size="1200x1200", upscale=False).url


def product_for_page(pk: int):
    """The product page's product, from the cache while the catalogue is unchanged.

    Loading a product with its variants, stock, images and texts is most of a
    product page's cost; the loaded objects are cached under the catalogue
    version, which any product, stock or image change bumps. Adding to the
    basket loads the product afresh, so stock is always checked against the
    database.
    """
    key = f"product-page:{pk}:{catalogue_version()}"
    product = cache.get(key)
    if product is None:
        product = product_page_products().get(pk=pk)
        cache.set(key, product, GRID_CACHE_SECONDS)
    return product
