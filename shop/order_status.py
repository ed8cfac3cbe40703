"""Where an order stands, in the words a supporter uses.

Every order here is placed only once Stripe confirms the payment
(shop/payments/fulfilment.py), so an order starts as paid. Staff move it on
along ``OSCAR_ORDER_STATUS_PIPELINE`` in Oscar's dashboard; refunds are read
from the payment sources, where shop/payments/refunds.py records them. Status
codes stay Oscar's plain English strings (the dashboard shows and filters by
them); supporters see the translated words below.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from oscar.templatetags.currency_filters import currency

# The codes in OSCAR_INITIAL_ORDER_STATUS and OSCAR_ORDER_STATUS_PIPELINE (shop/settings.py).
PAID = "Paid"
SENT = "Sent"
DELIVERED = "Delivered"
CANCELLED = "Cancelled"
STATUSES = (PAID, SENT, DELIVERED, CANCELLED)

CARD_SOURCE_TYPE = "stripe"


def order_status_label(order: Any) -> str:
    """The order's status as a supporter reads it on the order-status page."""
    total_refunded = sum((source.amount_refunded or Decimal(0) for source in order.sources.all()), Decimal(0))
    if total_refunded and total_refunded >= order.total_incl_tax:
        return _("Refunded")
    if order.status == CANCELLED:
        return _("Cancelled")
    if order.status == DELIVERED:
        return _("Delivered")
    if order.status == SENT:
        return _("Sent — on its way to you")
    if total_refunded:
        return _("Paid, partly refunded")
    # PAID, or an order placed before statuses were set: placed means paid here.
    if not order.shipping_address_id:
        return _("Paid — thank you for your gift")
    return _("Paid — we are packing your order")


def line_status_label(status: str) -> str:
    """A line's own status (lines have one only if staff set one), in plain words where we know it."""
    labels = {PAID: _("Paid"), SENT: _("Sent"), DELIVERED: _("Delivered"), CANCELLED: _("Cancelled")}
    return labels.get(status, status)


def payment_summary(order: Any) -> list[str]:
    """How the order was paid (and refunded), e.g. "Paid by card, €85.50".

    The Stripe reference stays in the dashboard: it means nothing to a supporter.
    """
    sentences = []
    for source in order.sources.all():
        paid = currency(source.amount_debited or source.amount_allocated, source.currency)
        if source.source_type.code == CARD_SOURCE_TYPE:
            sentences.append(_("Paid by card, %(amount)s") % {"amount": paid})
        else:
            sentences.append(_("Paid, %(amount)s") % {"amount": paid})
        if source.amount_refunded:
            refunded = currency(source.amount_refunded, source.currency)
            sentences.append(_("Refunded, %(amount)s") % {"amount": refunded})
    return sentences
