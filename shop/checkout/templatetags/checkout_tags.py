"""Template tags for the checkout and the order pages: steps, gift lines, plain-words status and payment."""

from __future__ import annotations

from typing import Any

from django import template
from oscar.templatetags.currency_filters import currency

from shop import order_status
from shop.catalogue.translation import line_title as title_in_language
from shop.checkout.steps import CheckoutStep
from shop.checkout.steps import checkout_steps as build_checkout_steps
from shop.donation import gift_line_title, is_donation

register = template.Library()


@register.simple_tag
def checkout_steps(oscar_step: int | None = None, step: int | None = None) -> list[CheckoutStep]:
    return build_checkout_steps(oscar_step=oscar_step, step=step)


@register.filter
def is_gift(line: Any) -> bool:
    """A basket or order line for a gift; False where the product has since been deleted."""
    return line.product is not None and is_donation(line.product)


@register.filter
def line_title(line: Any) -> str:
    """A basket or order line's name: "Gift to the aid fund — €17.50" for a gift, else its product.

    A basket line's description is already in the page's language; an order
    line's stored title is in the catalogue's, so it is read from the product's
    translation while the product exists (shop.catalogue.translation.line_title).
    """
    if not is_gift(line):
        return title_in_language(line) if hasattr(line, "order_id") else line.description
    price = line.line_price_incl_tax
    if price is None:  # a basket line whose tax is not known
        price = line.line_price_excl_tax
    line_currency = getattr(line, "price_currency", None) or line.order.currency
    return gift_line_title(currency(price, line_currency))


@register.filter
def status_in_words(order: Any) -> str:
    return order_status.order_status_label(order)


@register.filter
def line_status_in_words(status: str) -> str:
    return order_status.line_status_label(status)


@register.filter
def payment_in_words(order: Any) -> list[str]:
    return order_status.payment_summary(order)


@register.filter
def lines_have_status(order: Any) -> bool:
    """Whether any line has a status of its own; if none has, the status column is left out."""
    return any(line.status for line in order.lines.all())
