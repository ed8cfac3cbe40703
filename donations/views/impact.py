"""The supporter's impact page: what one order's proceeds funded, behind the order's private link.

Whoever holds the link sees public-grade facts only, the same as the public
ledger would show: the order's net proceeds (merch and gifts apart), how much
of them is allocated, and the aid they funded by month, category, public
description and coarse region (``allocation.order_impact``: no notes, no case
reference, no person, no place or day of a case). Nothing about the customer
is shown either: the token opens the order's number and amounts, no more.

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
from dataclasses import dataclass

from django.apps import apps
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from donations import allocation
from donations.money import Money
from donations.proceeds import ProceedsNotPosted, proceeds_balance

# What ``secrets.token_urlsafe`` makes; anything else is not looked up at all.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
IMPACT_LINK_MODEL = ("payments", "OrderImpactLink")


@dataclass(frozen=True)
class FundedLine:
    """One line of what the order funded, in the reader's language."""

    month: datetime.date
    category: str
    description: str
    region: str | None
    payee: str | None
    amount: Money


@dataclass(frozen=True)
class OrderImpact:
    """One order's proceeds and what they funded, for its supporter: all public-grade."""

    order_number: str
    recorded: bool  # its proceeds are in the books (and not reversed)
    paid: Money | None = None
    refunded: Money | None = None
    merch_net: Money | None = None
    donation_net: Money | None = None
    allocated: Money | None = None
    lines: tuple[FundedLine, ...] = ()

    @property
    def net(self) -> Money:
        return self.merch_net + self.donation_net

    @property
    def fully_refunded(self) -> bool:
        return self.refunded is not None and self.refunded.minor > 0 and self.refunded == self.paid

    @property
    def published(self) -> Money:
        total = Money.zero(self.net.currency)
        for line in self.lines:
            if line.amount.currency == total.currency:
                total += line.amount
        return total

    @property
    def awaiting_publication(self) -> Money:
        """Allocated to aid paid too recently to be published yet (the publication delay)."""
        return self.allocated - self.published

    @property
    def unspent(self) -> Money:
        """Net proceeds not yet allocated to any aid: still waiting to be spent."""
        return Money(max((self.net - self.allocated).minor, 0), self.net.currency)


def order_impact_for_token(token: str, *, today: datetime.date | None = None) -> OrderImpact | None:
    """The impact of the order whose link has this token; None for any token that is not one.

    A fixed number of queries whatever the order funded: one for the link,
    five for the order's entries (``proceeds_balance``), one for what is
    allocated, three for what it funded (``order_impact``).
    """
    if not _TOKEN.fullmatch(token):
        return None
    # An indexed lookup of a 256-bit random value: its timing tells nothing worth guessing for.
    link_model = apps.get_model(*IMPACT_LINK_MODEL)
    order_number = link_model.objects.filter(token=token).values_list("order__number", flat=True).first()
    if order_number is None:
        return None
    return order_impact_summary(order_number, today=today)


def order_impact_summary(order_number: str, *, today: datetime.date | None = None) -> OrderImpact:
    try:
        balance = proceeds_balance(order_number)
    except ProceedsNotPosted:
        # Not in the books (yet, or reversed): say so, rather than show zeros as if they were facts.
        return OrderImpact(order_number=order_number, recorded=False)
    currency = balance.currency
    entry_id = balance.proceeds_entry.pk
    allocated = allocation.allocated_by_entry(currency, entry_ids=[entry_id]).get(entry_id, 0)
    uk = (get_language() or "").startswith("uk")
    lines = tuple(
        FundedLine(
            month=datetime.date(int(line.month[:4]), int(line.month[5:7]), 1),
            category=(line.category_uk if uk and line.category_uk else line.category),
            description=(line.description_uk if uk and line.description_uk else line.description),
            region=line.region,
            payee=line.payee,
            amount=line.amount,
        )
        for line in allocation.order_impact(order_number, today=today)
    )
    return OrderImpact(
        order_number=order_number,
        recorded=True,
        paid=balance.paid,
        refunded=balance.paid - balance.unrefunded,
        merch_net=balance.merch_net,
        donation_net=balance.donation_net,
        allocated=Money(allocated, currency),
        lines=lines,
    )


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
