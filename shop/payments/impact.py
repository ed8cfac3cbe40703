"""The supporter's impact link: a private address showing what one order's proceeds funded.

The link is made once, when the order is placed, in the transaction that
places it (``fulfilment.fulfil_checkout_session``), so an order that exists
has its link and a webhook retry finds the one already made. The page itself
(``donations.views.impact``) shows public-grade facts only; the token is what
keeps one supporter's order from another's eyes, so it is random, long, and
never derived from the order.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from shop.payments.models import OrderImpactLink


def new_token() -> str:
    """32 random bytes, URL-safe (43 characters): unguessable, and free of anything about the order."""
    return secrets.token_urlsafe(32)


def impact_link_for(order: Any) -> OrderImpactLink:
    """The order's impact link, made now if it has none; safe to call again.

    Fulfilment calls it under the payment attempt's row lock, so it runs once
    per order; the OneToOne constraint is the second lock, should anything
    else ever call it concurrently.
    """
    link, _created = OrderImpactLink.objects.get_or_create(order=order, defaults={"token": new_token()})
    return link


def impact_path(link: OrderImpactLink, language: str) -> str:
    with translation.override(language):
        return reverse("impact", kwargs={"token": link.token})


def impact_url(order: Any, language: str) -> str | None:
    """The absolute address of the order's impact page in ``language``, or None if the order has no link.

    Absolute from SITE_URL: the email is rendered outside any request (after
    the webhook's commit), so there is no request host to build it from.
    """
    link = OrderImpactLink.objects.filter(order=order).first()
    if link is None:
        return None
    return settings.SITE_URL.rstrip("/") + impact_path(link, language)
