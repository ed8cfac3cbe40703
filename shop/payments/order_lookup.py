"""Find my order: a guest who lost the confirmation email finds their order by its number and their email.

Both must match, and the answer to a wrong pair is the same whether or not the
number exists, so the form tells a stranger nothing. Tries are counted per
client address and per order number in the cache (shared Redis in
production), so neither one visitor nor many visitors together can work
through numbers or addresses: ``ORDER_LOOKUP_MAX_TRIES`` tries per
``ORDER_LOOKUP_WINDOW_MINUTES``, read at call time.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from oscar.core.loading import get_model

from shop.payments.fulfilment import order_status_path

Order = get_model("order", "Order")

CACHE_PREFIX = "order-lookup"


@dataclass(frozen=True)
class LookupResult:
    """A match (``order`` and where its status page is), no match, or too many tries (``wait_minutes``)."""

    order: Any | None = None
    status_path: str | None = None
    wait_minutes: int | None = None

    @property
    def too_many_tries(self) -> bool:
        return self.wait_minutes is not None


def look_up_order(*, email: str, number: str, client_address: str) -> LookupResult:
    """The order numbered ``number`` whose customer's email is ``email``, if this client may still ask."""
    number = normalise_order_number(number)
    counters = (f"{CACHE_PREFIX}:client:{client_address}", f"{CACHE_PREFIX}:number:{number}")
    wait = max((_seconds_blocked(key) for key in counters), default=0)
    if wait > 0:
        return LookupResult(wait_minutes=max(1, math.ceil(wait / 60)))
    for key in counters:
        _count_try(key)
    order = Order.objects.filter(number=number).select_related("user").first()
    if order is None or not order.email or order.email.casefold() != email.strip().casefold():
        return LookupResult()
    return LookupResult(order=order, status_path=order_status_path(order))


def normalise_order_number(number: str) -> str:
    """What people type: spaces, and the "#" the email shows before the number."""
    return number.strip().lstrip("#").strip()[:128]


def _window_seconds() -> int:
    return int(settings.ORDER_LOOKUP_WINDOW_MINUTES) * 60


def _seconds_blocked(key: str) -> float:
    """How long this counter still refuses tries; 0 while tries are left."""
    if (cache.get(key) or 0) < int(settings.ORDER_LOOKUP_MAX_TRIES):
        return 0
    since = cache.get(f"{key}:since")
    if since is None:  # the window ended between the two reads
        return 0
    return max(0.0, since + _window_seconds() - time.time())


def _count_try(key: str) -> None:
    window = _window_seconds()
    # A fixed window from the first try; add() only sets what is missing, incr() is atomic in Redis.
    cache.add(f"{key}:since", time.time(), window)
    cache.add(key, 0, window)
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, window)


# Oscar's guest order page shows the order once the session holds its email (AnonymousOrderMixin).
ANON_ORDER_EMAIL_SESSION_KEY = "anon_order_email"


def show_order_to_this_browser(session: Any, order: Any) -> None:
    """The browser that paid for a guest order, or named its number and email, sees its status page without
    typing the email again (after the thank-you page's "view order status", and after a successful lookup)."""
    if order.user_id is None:
        session[ANON_ORDER_EMAIL_SESSION_KEY] = order.email
