"""The supporter's impact page: what one order's proceeds funded, behind the order's private link.

Whoever holds the link sees public-grade facts only (``donations.impact``):
the order's net proceeds (merch and gifts apart), the purchases they helped
pay for, and aid to people only through the cells the monthly summaries
published, never an amount that could single a case out. Nothing about the
customer is shown either: the token opens the order's number and amounts.

The link is private but not a password, so the response is not stored by any
cache (``private, no-store``), not sent on as a referrer when the supporter
follows a link out (``no-referrer``) and not indexed. An unknown token is a
plain 404: the page cannot be used to learn whether an order exists.

donations never imports shop: the link's model is looked up by its label, as
``"order.Order"`` is elsewhere, and only the order number is read from it.
"""

from __future__ import annotations

import datetime
import re

from django.apps import apps
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from donations.impact import OrderImpact, order_impact

# What ``secrets.token_urlsafe`` makes; anything else is not looked up at all.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
IMPACT_LINK_MODEL = ("payments", "OrderImpactLink")


def order_impact_for_token(token: str, *, today: datetime.date | None = None) -> OrderImpact | None:
    """The impact of the order whose link has this token; None for any token that is not one.

    One query for the link, then ``order_impact``'s fixed number.
    """
    if not _TOKEN.fullmatch(token):
        return None
    # An indexed lookup of a 256-bit random value: its timing tells nothing worth guessing for.
    link_model = apps.get_model(*IMPACT_LINK_MODEL)
    order_number = link_model.objects.filter(token=token).values_list("order__number", flat=True).first()
    if order_number is None:
        return None
    return order_impact(order_number, today=today)


@require_safe
def impact_page(request: HttpRequest, token: str) -> HttpResponse:
    impact = order_impact_for_token(token)
    if impact is None:
        raise Http404
    response = render(request, "donations/impact.html", {"impact": impact})
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
