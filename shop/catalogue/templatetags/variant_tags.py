from typing import Any

from django import template
from django.utils.translation import get_language

from shop.catalogue import variants

register = template.Library()


@register.simple_tag
def line_options(line: Any, language: str | None = None) -> list[tuple[str, str]]:
    """``{% line_options line as options %}``: the line's (name, value) pairs in the page's language."""
    return variants.line_options(line, language or get_language())
