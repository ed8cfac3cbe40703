"""Product and category texts in the visitor's language.

The catalogue is written in English (Oscar's own fields); Ukrainian texts live
in ``ProductTranslation`` and ``CategoryTranslation`` and are prefetched with
the products and categories that pages show, so reading them costs no query.
"""

from __future__ import annotations

import gettext as gettext_module
from contextlib import nullcontext
from functools import lru_cache
from typing import Any

import pycountry
from django.utils.translation import get_language, gettext
from django.utils.translation import override as language_override

from shop.donation import is_donation

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


# Texts the shop sets up itself (reference_data.py: option values, attribute
# names, shipping methods) are English msgids in the message catalogue, so they
# read in the page's language; a text staff typed differently reads as typed.
def _in_language(language: str | None):
    return language_override(language) if language else nullcontext()


def option_value(value: str, language: str | None = None) -> str:
    """A variant's option value ("Olive") in the page's language; sizes stay S, M, L."""
    if not value:
        return ""
    with _in_language(language):
        return gettext(value)


def attribute_name(name: str, language: str | None = None) -> str:
    """An attribute's name ("Colour", "Size") in the page's language."""
    if not name:
        return ""
    with _in_language(language):
        return gettext(name)


def shipping_method_name(name: str, language: str | None = None) -> str:
    """A shipping method's name or description as the shop set it up, in the page's language."""
    if not name:
        return ""
    with _in_language(language):
        return gettext(str(name))


@lru_cache(maxsize=8)
def _country_catalogue(language: str) -> gettext_module.NullTranslations:
    return gettext_module.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)


def country_name(country: Any, language: str | None = None) -> str:
    """A country's short name in the page's language, from pycountry's own ISO 3166 translations.

    Oscar's Country rows hold one English name; pycountry ships the names in
    Ukrainian (and many other languages), so nothing is kept twice.
    """
    language = (language or get_language() or CATALOGUE_LANGUAGE)[:2]
    if country is None:
        return ""
    printable = getattr(country, "printable_name", "") or str(country)
    if language == CATALOGUE_LANGUAGE:
        return printable
    record = pycountry.countries.get(alpha_2=getattr(country, "iso_3166_1_a2", "") or "")
    if record is None:
        return printable
    english = getattr(record, "common_name", None) or record.name
    return _country_catalogue(language).gettext(english)


def address_lines(address: Any, language: str | None = None) -> list[str]:
    """Oscar's ``active_address_fields`` with the country named in the page's language."""
    if address is None:
        return []
    fields = list(address.active_address_fields())
    country = getattr(address, "country", None) if getattr(address, "country_id", None) else None
    if country is not None and fields and fields[-1] == country.printable_name:
        fields[-1] = country_name(country, language)
    return fields


def line_title(line: Any, language: str | None = None) -> str:
    """A basket or order line's product title in the page's language.

    An order line keeps the title it was bought under (Oscar's ``Line.title``,
    in the catalogue's language); while its product still exists the title is
    read from the product's translation, so the same order reads in Ukrainian
    on /uk/ and in English on /en/. A gift is named as a gift.
    """
    product = getattr(line, "product", None)
    if product is not None and is_donation(product):
        with _in_language(language):
            return gettext("Donation to the aid fund")
    if product is not None:
        return product_title(product, language)
    return getattr(line, "title", "") or ""


def image_alt(image: Any, product: Any, language: str | None = None) -> str:
    """A product image's alternative text in the page's language.

    Captions are written once, in the catalogue's language: they describe the
    picture on /en/; elsewhere the product's own title in that language does.
    """
    language = (language or get_language() or CATALOGUE_LANGUAGE)[:2]
    caption = getattr(image, "caption", "") if image is not None else ""
    if caption and language == CATALOGUE_LANGUAGE:
        return caption
    return product_title(product, language)
