"""A line's variant in words ("Colour: Black", "Size: M"), wherever a line is shown.

A variant is a child product; what tells it from its siblings are its choice
attributes, those whose value is picked from an option group (size, colour,
or whatever staff add). Numbers such as the weight are shipping details, not
choices a supporter makes, so they are left out.

A basket line reads them from its product. An order line reads what was
recorded when the order was placed (``recorded_options``, stored by
fulfilment as ``OrderLineVariant``), so a product edited or deleted later
does not change what the supporter bought. Every page, email and dashboard
view gets them from :func:`line_options`, through one template partial
(``catalogue/partials/line_options.html``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext
from oscar.core.loading import get_model

ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")

CHOICE_TYPES = (ProductAttribute.OPTION, ProductAttribute.MULTI_OPTION)
CATALOGUE_LANGUAGE = "en"



def attribute_values_prefetch(lookup: str = "attribute_values") -> Prefetch:
    """Prefetch for products (or ``product__attribute_values`` for lines) so reading options costs no query.

    One query for all the values with their attributes and options; a
    multi-option value (none in the shop today) asks for its options itself.
    """
    return Prefetch(lookup, queryset=ProductAttributeValue.objects.select_related("attribute", "value_option"))


def catalogue_text(text: str, language: str | None) -> str:
    """A catalogue word (an attribute's name, an option's value) in ``language``.

    The catalogue is written in English; names and values the shop creates
    itself (``shop.campaign.reference_data``: Size, Colour, Black…) are marked
    for translation there and translated in ``locale/``. A word staff added
    later that has no translation shows as they wrote it.
    """
    if not text:
        return ""
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        return gettext(text)


def _choice_values(product: Any) -> list[Any]:
    if product is None or not product.is_child:
        return []
    values = [value for value in product.attribute_values.all() if value.attribute.type in CHOICE_TYPES]
    return sorted(values, key=lambda value: value.attribute.code)


def _option_texts(value: Any) -> list[str]:
    if value.attribute.type == ProductAttribute.MULTI_OPTION:
        return [option.option for option in value.value_multi_option.all()]
    return [value.value_option.option] if value.value_option_id else []


def variant_options(product: Any, language: str | None = None) -> list[tuple[str, str]]:
    """``[("Colour", "Black"), ("Size", "M")]`` for a variant, in ``language``; ``[]`` for anything else."""
    options = []
    for value in _choice_values(product):
        texts = [catalogue_text(text, language) for text in _option_texts(value)]
        if texts:
            options.append((catalogue_text(value.attribute.name, language), ", ".join(texts)))
    return options


def recorded_options(product: Any) -> list[dict[str, Any]]:
    """The variant's options in every language the shop speaks, to be kept with an order line.

    ``[{"code": "size", "name": {"en": "Size", "uk": "Розмір"}, "value": {"en": "M", "uk": "M"}}]``
    """
    languages = [code for code, _name in settings.LANGUAGES]
    recorded = []
    for value in _choice_values(product):
        texts = _option_texts(value)
        if not texts:
            continue
        recorded.append(
            {
                "code": value.attribute.code,
                "name": {language: catalogue_text(value.attribute.name, language) for language in languages},
                "value": {
                    language: ", ".join(catalogue_text(text, language) for text in texts) for language in languages
                },
            }
        )
    return recorded


def _in_language(texts: dict[str, str], language: str | None) -> str:
    language = (language or translation.get_language() or settings.LANGUAGE_CODE)[:2]
    return texts.get(language) or texts.get(CATALOGUE_LANGUAGE) or next(iter(texts.values()), "")


def line_options(line: Any, language: str | None = None) -> list[tuple[str, str]]:
    """The options of a basket line or an order line, as ``(name, value)`` pairs in ``language``.

    An order line shows what was recorded when it was bought; one placed
    before options were recorded falls back to its product as it is now.
    """
    if getattr(line, "order_id", None) is not None:
        try:
            recorded = line.variant.options
        except ObjectDoesNotExist:
            recorded = None
        if recorded is not None:
            return [(_in_language(item["name"], language), _in_language(item["value"], language)) for item in recorded]
    return variant_options(getattr(line, "product", None), language)


def variant_sort_key(product: Any) -> list[int]:
    """Variants in the order of their options (S before M before L), the order staff gave the option group."""
    return [value.value_option_id or 0 for value in _choice_values(product)]


def variant_label(product: Any, language: str | None = None) -> str:
    """"Black, M": the values alone, for the variant menu where the names go without saying."""
    return ", ".join(value for _name, value in variant_options(product, language))
