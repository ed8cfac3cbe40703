"""Canned Stripe API responses for the gateway's request-level tests.

Written by hand from Stripe's API reference for API version 2026-10-28.endive
(the version stripe 16.1.0 pins), trimmed to the fields a reader would look
for. Every canned body the tests replay lives in this one module, so that it
can be replaced by recordings from Stripe's test mode (the dashboard's request
log, or ``stripe listen`` for events) without touching the tests: keep the
function names and the ids below, swap the bodies.

Each function returns a fresh dict, so a test may change its copy freely.
The story they tell: order 100042, one t-shirt at 29.00 EUR plus 6.00 EUR
shipping, paid by card; Stripe keeps 0.78 EUR and settles 34.22 EUR.
"""

from __future__ import annotations

import copy
from typing import Any

ORDER_NUMBER = "100042"
ATTEMPT_KEY = "checkout-attempt-7f3c2a9e-1b4d-4e8a-9c61-2d5f0b8e4a13"
CUSTOMER_EMAIL = "supporter@example.org"
SESSION_ID = "cs_test_a1Kq9XbT3vYzR8mWn2LpC4dE6fG7hJ0kM5sU1oP"
PAYMENT_INTENT_ID = "pi_3SbQ2xLkdIwHu7ix0KzT4mVq"
CHARGE_ID = "ch_3SbQ2xLkdIwHu7ix0Hn6rYcP"
BALANCE_TRANSACTION_ID = "txn_3SbQ2xLkdIwHu7ix0Wd8sJfA"
REFUND_ID = "re_3SbQ2xLkdIwHu7ix0Tq5vBnE"
EVENT_ID = "evt_1SbQ3aLkdIwHu7ixYc2RkP9m"
CREATED = 1795176000  # 2026-11-20 12:00 UTC
SUCCESS_URL = "https://shop.example.org/checkout/stripe/return/?session_id={CHECKOUT_SESSION_ID}"
CANCEL_URL = "https://shop.example.org/checkout/stripe/cancel/"

AMOUNT_TOTAL = 3500  # 2900 t-shirt + 600 shipping, in cents
FEE = 78  # 1.5% + 0.25 EUR
NET = AMOUNT_TOTAL - FEE

_METADATA = {"order_number": ORDER_NUMBER, "attempt": "7"}


def session_open(**overrides: Any) -> dict[str, Any]:
    """POST /v1/checkout/sessions → 200: a new session, not yet paid, with no PaymentIntent."""
    session = {
        "id": SESSION_ID,
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": AMOUNT_TOTAL,
        "amount_total": AMOUNT_TOTAL,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": None,
        "cancel_url": CANCEL_URL,
        "client_reference_id": ORDER_NUMBER,
        "client_secret": None,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": CREATED,
        "currency": "eur",
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": None,
        "customer_creation": "if_required",
        "customer_details": None,
        "customer_email": CUSTOMER_EMAIL,
        "discounts": [],
        "expires_at": CREATED + 86400,
        "invoice": None,
        "invoice_creation": {"enabled": False, "invoice_data": {}},
        "livemode": False,
        "locale": "en",
        "metadata": dict(_METADATA),
        "mode": "payment",
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": "if_required",
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "payment_status": "unpaid",
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": None,
        "subscription": None,
        "success_url": SUCCESS_URL,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted_page",
        "url": f"https://checkout.stripe.com/c/pay/{SESSION_ID}#fidkdWxOYHwnPyd1blpxYHZxWjA0",
    }
    return {**session, **overrides}


def balance_transaction() -> dict[str, Any]:
    """The charge's balance transaction: what Stripe kept (fee) and what it will pay out (net)."""
    return {
        "id": BALANCE_TRANSACTION_ID,
        "object": "balance_transaction",
        "amount": AMOUNT_TOTAL,
        "available_on": CREATED + 2 * 86400,
        "created": CREATED + 60,
        "currency": "eur",
        "description": None,
        "exchange_rate": None,
        "fee": FEE,
        "fee_details": [
            {
                "amount": FEE,
                "application": None,
                "currency": "eur",
                "description": "Stripe processing fees",
                "type": "stripe_fee",
            },
        ],
        "net": NET,
        "reporting_category": "charge",
        "source": CHARGE_ID,
        "status": "pending",
        "type": "charge",
    }


def charge(*, balance_transaction_expanded: bool = True, **overrides: Any) -> dict[str, Any]:
    """GET /v1/charges/{id}?expand[0]=balance_transaction → 200 (or, unexpanded, as events carry it)."""
    body = {
        "id": CHARGE_ID,
        "object": "charge",
        "amount": AMOUNT_TOTAL,
        "amount_captured": AMOUNT_TOTAL,
        "amount_refunded": 0,
        "balance_transaction": balance_transaction() if balance_transaction_expanded else BALANCE_TRANSACTION_ID,
        "billing_details": {
            "address": {
                "city": None,
                "country": "UA",
                "line1": None,
                "line2": None,
                "postal_code": None,
                "state": None,
            },
            "email": CUSTOMER_EMAIL,
            "name": "Olena Kovalenko",
            "phone": None,
        },
        "calculated_statement_descriptor": "TERRITORIES ARE PEOPLE",
        "captured": True,
        "created": CREATED + 60,
        "currency": "eur",
        "customer": None,
        "description": None,
        "disputed": False,
        "failure_code": None,
        "failure_message": None,
        "livemode": False,
        "metadata": dict(_METADATA),
        "outcome": {
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "seller_message": "Payment complete.",
            "type": "authorized",
        },
        "paid": True,
        "payment_intent": PAYMENT_INTENT_ID,
        "payment_method": "pm_1SbQ2wLkdIwHu7ixk3Jd8QaZ",
        "payment_method_details": {
            "card": {
                "brand": "visa",
                "country": "UA",
                "exp_month": 12,
                "exp_year": 2030,
                "funding": "debit",
                "last4": "4242",
            },
            "type": "card",
        },
        "receipt_email": None,
        "receipt_url": f"https://pay.stripe.com/receipts/payment/{CHARGE_ID}",
        "refunded": False,
        "status": "succeeded",
    }
    return {**body, **overrides}


def payment_intent(*, latest_charge: dict[str, Any] | str | None, status: str = "succeeded") -> dict[str, Any]:
    return {
        "id": PAYMENT_INTENT_ID,
        "object": "payment_intent",
        "amount": AMOUNT_TOTAL,
        "amount_received": AMOUNT_TOTAL if status == "succeeded" else 0,
        "capture_method": "automatic_async",
        "client_secret": f"{PAYMENT_INTENT_ID}_secret_Yh3kQ9",
        "created": CREATED + 55,
        "currency": "eur",
        "latest_charge": latest_charge,
        "livemode": False,
        "metadata": dict(_METADATA),
        "payment_method": "pm_1SbQ2wLkdIwHu7ixk3Jd8QaZ",
        "payment_method_types": ["card"],
        "status": status,
    }


def _completed(payment_intent_value: dict[str, Any] | str, payment_status: str) -> dict[str, Any]:
    return session_open(
        status="complete",
        payment_status=payment_status,
        url=None,
        payment_intent=payment_intent_value,
        customer_details={
            "address": {
                "city": "Lviv",
                "country": "UA",
                "line1": None,
                "line2": None,
                "postal_code": "79000",
                "state": None,
            },
            "business_name": None,
            "email": CUSTOMER_EMAIL,
            "individual_name": None,
            "name": "Olena Kovalenko",
            "phone": None,
            "tax_exempt": "none",
            "tax_ids": [],
        },
    )


def session_paid() -> dict[str, Any]:
    """GET /v1/checkout/sessions/{id}?expand[0]=payment_intent.latest_charge.balance_transaction → 200.

    Paid by card and settled: the balance transaction holds the fee and net.
    """
    return _completed(payment_intent(latest_charge=charge()), "paid")


def session_paid_without_balance_transaction() -> dict[str, Any]:
    """As ``session_paid``, but under asynchronous capture the balance transaction is not there yet."""
    return _completed(payment_intent(latest_charge=charge(balance_transaction=None)), "paid")


def session_processing() -> dict[str, Any]:
    """Completed with a delayed method (SEPA debit): the money has not arrived, so no charge is settled."""
    pending_charge = charge(balance_transaction=None, status="pending", paid=False, captured=False)
    return _completed(payment_intent(latest_charge=pending_charge, status="processing"), "unpaid")


def session_completed_unexpanded() -> dict[str, Any]:
    """A paid session as events and lists carry it: the PaymentIntent is only its id."""
    return _completed(PAYMENT_INTENT_ID, "paid")


def session_expired() -> dict[str, Any]:
    """The customer never paid: no URL, no PaymentIntent."""
    return session_open(status="expired", payment_status="unpaid", url=None)


def refund(*, amount: int = 1500, reason: str | None = "requested_by_customer", **overrides: Any) -> dict[str, Any]:
    """POST /v1/refunds → 200."""
    body = {
        "id": REFUND_ID,
        "object": "refund",
        "amount": amount,
        "balance_transaction": "txn_3SbQ2xLkdIwHu7ix0Rf1uXyW",
        "charge": CHARGE_ID,
        "created": CREATED + 7 * 86400,
        "currency": "eur",
        "destination_details": {
            "card": {"reference_status": "pending", "reference_type": "acquirer_reference_number", "type": "refund"},
            "type": "card",
        },
        "metadata": {"order_number": ORDER_NUMBER},
        "payment_intent": PAYMENT_INTENT_ID,
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }
    return {**body, **overrides}


def error_body(
    message: str, *, type: str = "invalid_request_error", code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    """Any 4xx/5xx: Stripe's error envelope."""
    return {
        "error": {
            "code": code,
            "doc_url": f"https://docs.stripe.com/error-codes/{code.replace('_', '-')}" if code else None,
            "message": message,
            "param": param,
            "request_log_url": "https://dashboard.stripe.com/test/logs/req_Qm3kT8vXw2LpYz?t=1795176000",
            "type": type,
        }
    }


def session_list_page(sessions: list[dict[str, Any]], *, has_more: bool) -> dict[str, Any]:
    """GET /v1/checkout/sessions → 200: one page; the next starts after the last id."""
    return {"object": "list", "data": copy.deepcopy(sessions), "has_more": has_more, "url": "/v1/checkout/sessions"}


def event(
    event_type: str,
    data_object: dict[str, Any],
    *,
    event_id: str = EVENT_ID,
    previous_attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An event as webhooks deliver it and GET /v1/events lists it."""
    data: dict[str, Any] = {"object": data_object}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": CREATED + 61,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def checkout_session_completed_event(**kwargs: Any) -> dict[str, Any]:
    return event("checkout.session.completed", session_completed_unexpanded(), **kwargs)


def charge_updated_event() -> dict[str, Any]:
    """The late fee under asynchronous capture: the charge now names its balance transaction (by id only)."""
    return event(
        "charge.updated",
        charge(balance_transaction_expanded=False),
        event_id="evt_1SbQ9cLkdIwHu7ixU4nQ2aHd",
        previous_attributes={"balance_transaction": None},
    )


def event_list_page(events: list[dict[str, Any]], *, has_more: bool) -> dict[str, Any]:
    """GET /v1/events → 200."""
    return {"object": "list", "data": copy.deepcopy(events), "has_more": has_more, "url": "/v1/events"}


# --- Refunds (shop.payments.refunds) -----------------------------------------------


def charge_refunded(*, amount_refunded: int) -> dict[str, Any]:
    """A charge after one or more refunds, as ``charge.refunded`` carries it.

    Since API 2022-11-15 a charge no longer lists its refunds: ``amount_refunded``
    is the running total of every refund so far, pending ones included.
    """
    return charge(
        balance_transaction_expanded=False,
        amount_refunded=amount_refunded,
        refunded=amount_refunded == AMOUNT_TOTAL,
    )


def charge_refunded_event(*, amount_refunded: int, event_id: str = "evt_1SbR7kLkdIwHu7ixR3fN5cWq") -> dict[str, Any]:
    """charge.refunded: a refund was made, in Stripe's dashboard or through the API."""
    return event(
        "charge.refunded",
        charge_refunded(amount_refunded=amount_refunded),
        event_id=event_id,
        previous_attributes={"amount_refunded": 0, "refunded": False},
    )
