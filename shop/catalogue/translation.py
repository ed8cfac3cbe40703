"""Product and category texts in the visitor's language.

The catalogue is written in English (Oscar's own fields); Ukrainian texts live
in ``ProductTranslation`` and ``CategoryTranslation`` and are prefetched with
the products and categories that pages show, so reading them costs no query.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

CATALOGUE_LANGUAGE = "en"


def _translation(obj: Any, language: str | None) -> Any | None:
    language = (language or get_language() or CATALOGUE_LANGUAGE)[:2]
    if language == CATALOGUE_LANGUAGE:
        return None
    for translation in obj.translations.all():
        if translation.language == language:
            return translation
    return None


def product_title(product: Any, language: str | None = None) -> str:
    """The title in the visitor's language; a variant reads as its product's title and its own."""
    if product.is_child:
        parent_title = product_title(product.parent, language)
        return f"{parent_title} — {product.title}" if product.title else parent_title
    translation = _translation(product, language)
    return translation.title if translation and translation.title else product.get_title()


def product_description(product: Any, language: str | None = None) -> str:
    translation = _translation(product, language)
    return translation.description if translation and translation.description else (product.description or "")


def category_name(category: Any, language: str | None = None) -> str:
    translation = _translation(category, language)
    return translation.name if translation and translation.name else category.name
