"""Fill the shop's database up to N browsable products, like the measured stock shop.

Run inside the shop's settings (``python -m bench.catalogue_data --browsable 200``)
after ``seed_demo``. Added products alternate between stand-alone products and
parents with two variants; each gets one small generated PNG and EUR stock
records from the test factories. Prints, as JSON, what the benchmark requests.
"""

from __future__ import annotations

import argparse
import json
import logging
from decimal import Decimal

import django


def fill_catalogue(*, browsable: int) -> int:
    """Add products until ``browsable`` are listed; return how many were added."""
    from django.db import transaction
    from oscar.core.loading import get_model

    from tests.factories import (
        ChildProductFactory,
        ParentProductFactory,
        ProductFactory,
        ProductImageFactory,
    )

    category = get_model("catalogue", "Category")
    product = get_model("catalogue", "Product")
    product_category = get_model("catalogue", "ProductCategory")
    posters = category.objects.filter(slug="posters").first()
    tshirts = category.objects.filter(slug="t-shirts").first()

    missing = browsable - product.objects.browsable().count()
    with transaction.atomic():
        for number in range(max(missing, 0)):
            price = {"price": Decimal(10 + number % 30) + Decimal("0.50")}
            if number % 2:
                item = ParentProductFactory(title=f"Bench T-shirt {number}")
                for size in ("M", "L"):
                    ChildProductFactory(parent=item, title=f"Bench T-shirt {number}, {size}", stock=price)
                home = tshirts
            else:
                item = ProductFactory(title=f"Bench poster {number}", stock=price)
                home = posters
            ProductImageFactory(product=item)
            if home is not None:
                product_category.objects.create(product=item, category=home)
    return max(missing, 0)


def product_with_variants() -> tuple[str, int]:
    """The URL (English) of the first public parent with at least two public variants."""
    from django.db.models import Count, Q
    from django.utils import translation
    from oscar.core.loading import get_model

    product = get_model("catalogue", "Product")
    parent = (
        product.objects.browsable()
        .filter(structure=product.PARENT)
        .annotate(variants=Count("children", filter=Q(children__is_public=True)))
        .filter(variants__gte=2)
        .order_by("pk")
        .first()
    )
    if parent is None:
        raise SystemExit("No parent product with variants: did seed_demo run?")
    with translation.override("en"):
        return parent.get_absolute_url(), parent.variants


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--browsable", type=int, default=200)
    args = parser.parse_args()
    django.setup()
    # Oscar logs two lines per saved stock record while checking stock alerts.
    logging.getLogger("oscar.alerts").setLevel(logging.WARNING)

    from oscar.core.loading import get_model

    added = fill_catalogue(browsable=args.browsable)
    product = get_model("catalogue", "Product")
    path, variants = product_with_variants()
    print(
        json.dumps(
            {
                "added": added,
                "browsable": product.objects.browsable().count(),
                "products": product.objects.count(),
                "product_path": path,
                "variants": variants,
            }
        )
    )


if __name__ == "__main__":
    main()
