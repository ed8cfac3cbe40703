"""Saving the catalogue's Ukrainian texts that staff write in the dashboard."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from shop.campaign.models import CategoryTranslation, ProductTranslation
from shop.catalogue.freshness import bump_catalogue_version


@transaction.atomic
def save_product_translation(*, product: Any, title: str, description: str, language: str = "uk") -> None:
    """One product's texts from its dashboard form; an emptied title removes the translation."""
    if title.strip():
        ProductTranslation.objects.update_or_create(
            product=product, language=language,
            defaults={"title": title.strip(), "description": description.strip()},
        )
    else:
        ProductTranslation.objects.filter(product=product, language=language).delete()
    bump_catalogue_version()  # cached product grids show titles


@transaction.atomic
def save_catalogue_translations(
    *, products: dict[Any, dict[str, str]], categories: dict[Any, dict[str, str]], language: str = "uk"
) -> int:
    """Write each text; an emptied title or name removes the translation (English shows again)."""
    changed = 0
    for product, texts in products.items():
        if texts["title"].strip():
            ProductTranslation.objects.update_or_create(
                product=product, language=language,
                defaults={"title": texts["title"].strip(), "description": texts["description"].strip()},
            )
        else:
            ProductTranslation.objects.filter(product=product, language=language).delete()
        changed += 1
    for category, texts in categories.items():
        if texts["name"].strip():
            CategoryTranslation.objects.update_or_create(
                category=category, language=language, defaults={"name": texts["name"].strip()}
            )
        else:
            CategoryTranslation.objects.filter(category=category, language=language).delete()
        changed += 1
    bump_catalogue_version()  # cached product grids show titles and category names
    return changed
