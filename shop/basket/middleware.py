"""Oscar's basket middleware, which first settles a payment the supporter walked away from.

Oscar gives a browser whose basket is frozen (sent to Stripe) a new, empty
basket. Before any page is built, a payment attempt this browser left open is
settled (``shop.payments.abandoned``): the supporter either sees their order,
or gets their basket back, editable, in the very request that brought them
back — the basket page, a product page's "Add to basket", the checkout.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from oscar.apps.basket.middleware import BasketMiddleware as OscarBasketMiddleware

from shop.payments.abandoned import Outcome, settle_on_return
from shop.payments.order_lookup import show_order_to_this_browser


def hand_basket_back(request: HttpRequest, basket_id: int) -> None:
    """Make a thawed basket this request's basket, so that a guest's basket cookie names it again."""
    request.returned_basket_id = basket_id
    request.basket.id  # noqa: B018 -- loads the lazy basket now; the response then carries the cookie


class BasketMiddleware(OscarBasketMiddleware):
    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        # After URL resolution, so that machine endpoints and static files are told apart;
        # before the view, so that the basket it loads is already the supporter's own.
        if request.method not in ("GET", "HEAD", "POST") or not hasattr(request, "session"):
            return None
        if getattr(view_func, "leaves_payment_attempts_alone", False) or view_func.__module__ == "django.views.static":
            return None
        if any(namespace.endswith("dashboard") for namespace in request.resolver_match.namespaces):
            return None  # Staff screens are not the supporter's way back to the shop: no detour, no Stripe call.
        settlement = settle_on_return(request.session, request.user)
        if settlement is None:
            return None
        if settlement.outcome is Outcome.ORDER_PLACED and request.resolver_match.namespace == "customer":
            # On their way to an order page already (the email's status link): no detour.
            show_order_to_this_browser(request.session, settlement.order)
            messages.success(request, _("Your payment went through: thank you! Your confirmation email is on its way."))
            return None
        if settlement.outcome is Outcome.ORDER_PLACED:
            request.session["checkout_order_id"] = settlement.order.id
            show_order_to_this_browser(request.session, settlement.order)
            messages.success(request, _("Your payment went through: thank you! Here is your order."))
            return redirect("checkout:thank-you")
        if settlement.outcome is Outcome.BASKET_RETURNED:
            hand_basket_back(request, settlement.basket_id)
            messages.info(request, _("Your payment was not completed; your basket is as you left it."))
        elif settlement.outcome is Outcome.PROCESSING:
            messages.info(
                request,
                _("Your payment is still being processed. We will email you as soon as it arrives; nothing is "
                  "charged twice."),
            )
        elif settlement.outcome is Outcome.UNREACHABLE:
            messages.warning(
                request,
                _("We could not reach the card payment service to check your payment. Your basket is kept safe; "
                  "please try again in a minute."),
            )
        return None

    def get_cookie_basket(self, cookie_key: str, request: HttpRequest, manager: Any) -> Any:
        """A guest's basket given back after payment: theirs again, and the basket cookie points at it.

        While the basket was frozen Oscar may have dropped the cookie (a frozen
        basket is not "open") and started another; what was added there joins
        the returned basket.
        """
        current = super().get_cookie_basket(cookie_key, request, manager)
        returned_id = getattr(request, "returned_basket_id", None)
        if returned_id is None or request.user.is_authenticated:
            return current
        returned = manager.filter(pk=returned_id, owner=None).first()
        if returned is None:
            return current
        if current is not None and current.id != returned.id:
            self.merge_baskets(returned, current)
        if current is None or current.id != returned.id:
            # Listed for deletion, the cookie is set again on the way out, now naming this basket.
            request.cookies_to_delete.append(cookie_key)
        return returned
