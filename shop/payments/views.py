"""Stripe's webhook, and the pages a customer returns to from Stripe's payment page."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shop.basket.middleware import hand_basket_back
from shop.payments import stripe_gateway
from shop.payments.abandoned import (
    Outcome,
    belongs_to,
    forget_attempt,
    leaves_payment_attempts_alone,
    settle_abandoned_attempt,
)
from shop.payments.forms import FindOrderForm
from shop.payments.fulfilment import PaymentMismatch, fulfil_checkout_session
from shop.payments.models import PaymentAttempt
from shop.payments.order_lookup import look_up_order, show_order_to_this_browser
from shop.payments.webhooks import (
    NOT_THE_SHOPS,
    NotTheShops,
    RetryLater,
    apply_stripe_event,
    log_foreign,
    queue_stripe_event,
)

logger = logging.getLogger(__name__)

# Stripe's events are a few kilobytes: a session or charge, never expanded, with at most
# 50 metadata values of 500 characters (25 KB). Anything past this is not Stripe's, and
# is refused before it is read, whatever DATA_UPLOAD_MAX_MEMORY_SIZE allows elsewhere.
WEBHOOK_MAX_BYTES = 256 * 1024


# Stripe signs the raw body; CSRF protection would only refuse Stripe itself.
@leaves_payment_attempts_alone
@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    if _declared_length(request) > WEBHOOK_MAX_BYTES or len(request.body) > WEBHOOK_MAX_BYTES:
        logger.warning("Stripe webhook refused: body larger than %s bytes", WEBHOOK_MAX_BYTES)
        return HttpResponse("too large", status=413)
    try:
        event = stripe_gateway.parse_webhook_event(request.body, request.headers.get("Stripe-Signature"))
    except stripe_gateway.StripeNotConfigured:
        logger.error("Stripe webhook received but STRIPE_WEBHOOK_SECRET is not set")
        return HttpResponse("not configured", status=503)
    except stripe_gateway.InvalidWebhook as exc:
        logger.warning("Stripe webhook refused: %s", exc)
        return HttpResponseBadRequest("invalid webhook")
    try:
        if settings.STRIPE_WEBHOOK_QUEUE:
            # Answer at once; process_stripe_events places the orders (Stripe asks for a quick 2xx).
            return HttpResponse("queued" if queue_stripe_event(event) else "already received")
        outcome = apply_stripe_event(event)
    except NotTheShops as exc:
        # Another integration's payment on the same Stripe account: a 5xx would be retried for days.
        log_foreign(event.id, event.type, exc)
        return HttpResponse(NOT_THE_SHOPS)
    except (RetryLater, stripe_gateway.StripeUnavailable) as exc:
        logger.info("Stripe event %s (%s) deferred: %s", event.id, event.type, exc)
        return HttpResponse("retry later", status=503)
    except (PaymentMismatch, stripe_gateway.StripeResponseUnreadable) as exc:
        # Money may have been taken: keep Stripe retrying while staff look (the log says why).
        logger.error("Stripe event %s (%s) could not be applied: %s", event.id, event.type, exc)
        return HttpResponse("cannot apply", status=500)
    logger.info("Stripe event %s (%s): %s", event.id, event.type, outcome)
    return HttpResponse(outcome)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return 0


@leaves_payment_attempts_alone
def payment_return(request: HttpRequest) -> HttpResponse:
    """Stripe sends the customer here after paying; place the order now if the webhook has not.

    Only the browser (or account) that started the payment sees its order here:
    a session id is in the address bar, and addresses get shared.
    """
    session_id = request.GET.get("session_id", "")
    attempt = PaymentAttempt.objects.filter(stripe_session_id=session_id).select_related("order").first()
    if not session_id.startswith("cs_") or attempt is None:
        messages.error(request, _("We could not find that payment. If you were charged, your receipt is on its way."))
        return redirect("basket:summary")
    if not belongs_to(attempt, session=request.session, user=request.user):
        messages.error(
            request,
            _("This payment was started from another browser or basket, so we cannot show it here. Nothing was "
              "changed. If you paid, your confirmation email is on its way."),
        )
        return redirect("basket:summary")
    order = attempt.order
    if order is None:
        try:
            order = fulfil_checkout_session(stripe_gateway.retrieve_checkout_session(session_id))
        except stripe_gateway.PaymentGatewayError as exc:
            logger.warning("Checkout Session %s not confirmed on return: %s", session_id, exc)
        except PaymentMismatch as exc:
            logger.error("Checkout Session %s could not become an order: %s", session_id, exc)
    if order is None:
        # Paid by a method that takes time (bank debit), or Stripe is slow to answer.
        return render(request, "payments/processing.html", {"attempt": attempt}, status=202)
    forget_attempt(request.session)
    request.session["checkout_order_id"] = order.id
    show_order_to_this_browser(request.session, order)
    return redirect("checkout:thank-you")


@leaves_payment_attempts_alone
def payment_cancelled(request: HttpRequest) -> HttpResponse:
    """Back from Stripe without paying: close the payment at Stripe, and the basket is the customer's again.

    Closed at Stripe first, so that a second tab still showing the payment page
    cannot charge for a basket the customer goes on to change.
    """
    attempt = PaymentAttempt.objects.filter(order_number=request.GET.get("order", "")).first()
    if attempt is None or not belongs_to(attempt, session=request.session, user=request.user):
        messages.error(request, _("We could not find that payment for your basket. Nothing was changed."))
        return redirect("basket:summary")
    settlement = settle_abandoned_attempt(attempt)
    if settlement.outcome is Outcome.ORDER_PLACED:
        forget_attempt(request.session)
        request.session["checkout_order_id"] = settlement.order.id
        show_order_to_this_browser(request.session, settlement.order)
        messages.info(request, _("This payment had already gone through, so nothing was cancelled. Thank you!"))
        return redirect("checkout:thank-you")
    if settlement.outcome is Outcome.BASKET_RETURNED:
        forget_attempt(request.session)
        hand_basket_back(request, settlement.basket_id)
        messages.info(request, _("Payment cancelled. Your basket is as you left it."))
    elif settlement.outcome is Outcome.PROCESSING:
        forget_attempt(request.session)
        messages.info(request, _("Your payment is still being processed. We will email you as soon as it arrives; "
                                 "nothing is charged twice."))
    else:
        messages.warning(request, _("We could not reach the card payment service to cancel the payment. Your basket "
                                    "is kept safe; please try again in a minute."))
    return redirect("basket:summary")


def find_order(request: HttpRequest) -> HttpResponse:
    """Find my order: the order's status page for its number and email, the same answer for any wrong pair."""
    form = FindOrderForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        result = look_up_order(
            email=form.cleaned_data["email"],
            number=form.cleaned_data["number"],
            client_address=request.META.get("REMOTE_ADDR", ""),
        )
        if result.too_many_tries:
            status = 429
            form.add_error(
                None,
                ngettext(
                    "Too many tries. Please wait %(minutes)d minute and try again.",
                    "Too many tries. Please wait %(minutes)d minutes and try again.",
                    result.wait_minutes,
                )
                % {"minutes": result.wait_minutes},
            )
        elif result.order is None:
            form.add_error(
                None,
                _("We found no order with that number and email address. Please check both; the number is in "
                  "your confirmation email."),
            )
        else:
            show_order_to_this_browser(request.session, result.order)
            return redirect(result.status_path)
    return render(request, "payments/find_order.html", {"form": form}, status=status)
