"""Checkout Sessions, held in memory and shaped like Stripe's.

The objects follow tests/shop/payments/stripe_responses.py (written from
Stripe's API reference), so the gateway reads the stand-in's sessions with the
same code as Stripe's. Parameters are checked against the names the installed
stripe library knows for ``SessionCreateParams``: an unknown name is refused
as Stripe refuses it, a known one the stand-in does not implement is ignored
unless ignoring it would change what the customer pays (``mode``, ``price``).
A restart forgets every session, which is fine for development: the shop
treats an unknown session like any other Stripe error.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import stripe
from stripe.params.checkout import SessionCreateParams, SessionListParams

_REQUEST_OPTIONS = frozenset(stripe.RequestOptions.__annotations__)
CREATE_PARAMETERS = frozenset(SessionCreateParams.__annotations__) - _REQUEST_OPTIONS
LIST_PARAMETERS = frozenset(SessionListParams.__annotations__) - _REQUEST_OPTIONS
DEFAULT_LIFETIME = 24 * 3600
MIN_LIFETIME = 30 * 60  # Stripe's bounds for expires_at: 30 minutes to 24 hours from now
MAX_LINE_ITEMS = 100
_ID_ALPHABET = string.ascii_letters + string.digits

T = TypeVar("T")


class InvalidRequest(Exception):  # noqa: N818 -- the name Stripe's error type has
    """A request Stripe would refuse: becomes Stripe's error envelope with this status."""

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        status: int = 400,
        code: str | None = None,
        error_type: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.status = status
        self.code = code
        self.error_type = error_type

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "param": self.param, "type": self.error_type}}


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


@dataclass
class StoredSession:
    """One session: ``obj`` is what the API returns (unexpanded); the rest is the stand-in's own."""

    obj: dict[str, Any]
    line_items: list[dict[str, Any]]
    payment_intent_metadata: dict[str, str]
    sequence: int  # breaks ties between sessions created in the same second, for newest-first lists
    # One payment at a time: a double-clicked "Pay" must not confirm two PaymentIntents.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def id(self) -> str:
        return self.obj["id"]

    @property
    def is_open(self) -> bool:
        return self.obj["status"] == "open"

    @property
    def success_redirect(self) -> str:
        """Where Stripe sends the browser after payment: the literal placeholder replaced, nothing else."""
        return self.obj["success_url"].replace("{CHECKOUT_SESSION_ID}", self.id)


class SessionStore:
    def __init__(self, pay_page_base: str, *, clock: Callable[[], float] = time.time) -> None:
        self._pay_page_base = pay_page_base.rstrip("/")
        self._clock = clock
        self._sessions: dict[str, StoredSession] = {}
        self._sequence = itertools.count()

    def now(self) -> int:
        return int(self._clock())

    def clear(self) -> None:
        self._sessions.clear()

    def get(self, session_id: str) -> StoredSession:
        try:
            return self._sessions[session_id]
        except KeyError:
            raise InvalidRequest(
                f"No such checkout.session: '{session_id}'", param="session", status=404, code="resource_missing"
            ) from None

    def create(self, params: dict[str, Any]) -> StoredSession:
        params = {key: value for key, value in params.items() if key != "expand"}
        unknown = sorted(set(params) - CREATE_PARAMETERS)
        if unknown:
            raise InvalidRequest(f"Received unknown parameter: {unknown[0]}", param=unknown[0])
        if params.get("mode") != "payment":
            raise InvalidRequest("The offline stand-in implements only mode=payment.", param="mode")
        if params.get("ui_mode", "hosted_page") not in ("hosted", "hosted_page"):
            raise InvalidRequest("The offline stand-in implements only the hosted page.", param="ui_mode")
        success_url = _url(params.get("success_url"), "success_url", required=True)
        cancel_url = _url(params.get("cancel_url"), "cancel_url", required=False)
        now = self.now()
        line_items = _line_items(params.get("line_items"), now)
        currency = line_items[0]["currency"]
        amount_total = sum(item["amount_total"] for item in line_items)
        session_id = new_id("cs_test_", 58)
        metadata = _metadata(params.get("metadata"), "metadata")
        payment_intent_data = params.get("payment_intent_data") or {}
        if not isinstance(payment_intent_data, dict):
            raise InvalidRequest("Invalid payment_intent_data: must be an object", param="payment_intent_data")
        obj = {
            "id": session_id,
            "object": "checkout.session",
            "adaptive_pricing": {"enabled": False},
            "after_expiration": None,
            "allow_promotion_codes": None,
            "amount_subtotal": amount_total,
            "amount_total": amount_total,
            "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
            "billing_address_collection": None,
            "cancel_url": cancel_url,
            "client_reference_id": _string(params.get("client_reference_id"), "client_reference_id", 200),
            "client_secret": None,
            "collected_information": None,
            "consent": None,
            "consent_collection": None,
            "created": now,
            "currency": currency,
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
            "customer_email": _email(params.get("customer_email")),
            "discounts": [],
            "expires_at": _expires_at(params.get("expires_at"), now),
            "invoice": None,
            "invoice_creation": {"enabled": False, "invoice_data": {}},
            "livemode": False,
            "locale": _string(params.get("locale"), "locale", 10),
            "metadata": metadata,
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
            "success_url": success_url,
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted_page",
            "url": f"{self._pay_page_base}/checkout/pay/{session_id}",
        }
        session = StoredSession(
            obj=obj,
            line_items=line_items,
            payment_intent_metadata=_metadata(payment_intent_data.get("metadata"), "payment_intent_data[metadata]"),
            sequence=next(self._sequence),
        )
        self._sessions[session_id] = session
        return session

    def complete(self, session: StoredSession, *, payment_intent_id: str, email: str) -> None:
        """Paid: what Stripe's session looks like once its PaymentIntent has succeeded."""
        session.obj.update(
            status="complete",
            payment_status="paid",
            url=None,
            payment_intent=payment_intent_id,
            customer_details={
                "address": {
                    "city": None,
                    "country": None,
                    "line1": None,
                    "line2": None,
                    "postal_code": None,
                    "state": None,
                },
                "business_name": None,
                "email": email,
                "individual_name": None,
                "name": None,
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
            },
        )

    def expire(self, session: StoredSession) -> None:
        if not session.is_open:
            raise InvalidRequest(
                f"Only Checkout Sessions with a status of open can be expired; this one is {session.obj['status']}.",
                param="session",
            )
        session.obj.update(status="expired", url=None)

    def due_for_expiry(self) -> list[StoredSession]:
        now = self.now()
        return [s for s in self._sessions.values() if s.is_open and s.obj["expires_at"] <= now]

    def page(self, params: dict[str, Any]) -> tuple[list[StoredSession], bool]:
        """One page of ``GET /v1/checkout/sessions``, newest first, and whether more follow."""
        params = {key: value for key, value in params.items() if key != "expand"}
        unknown = sorted(set(params) - LIST_PARAMETERS)
        if unknown:
            raise InvalidRequest(f"Received unknown parameter: {unknown[0]}", param=unknown[0])
        created = created_filter(params.get("created"))
        matching = sorted(
            (
                s
                for s in self._sessions.values()
                if created(s.obj["created"])
                and params.get("status", s.obj["status"]) == s.obj["status"]
                and params.get("payment_intent", s.obj["payment_intent"]) == s.obj["payment_intent"]
            ),
            key=lambda s: (s.obj["created"], s.sequence),
            reverse=True,
        )
        return paginate(matching, params, id_of=lambda s: s.id, object_name="checkout.session")


# --- Lists -------------------------------------------------------------------------


def created_filter(created: Any) -> Callable[[int], bool]:
    """Stripe's ``created`` list parameter (a timestamp, or ``created[gte]=...`` and friends) as a test."""
    if created is None:
        return lambda value: True
    if not isinstance(created, dict):
        exact = _integer(created, "created")
        return lambda value: value == exact
    operators = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}
    bounds = []
    for name, bound in created.items():
        if name not in operators:
            raise InvalidRequest(f"Received unknown parameter: created[{name}]", param=f"created[{name}]")
        bounds.append((operators[name], _integer(bound, f"created[{name}]")))
    return lambda value: all(operator(value, bound) for operator, bound in bounds)


def paginate(
    items: list[T], params: dict[str, Any], *, id_of: Callable[[T], str], object_name: str
) -> tuple[list[T], bool]:
    """Stripe's cursor pagination over a newest-first list: ``limit``, ``starting_after``, ``ending_before``."""
    limit = _integer(params.get("limit", "10"), "limit")
    if not 1 <= limit <= 100:
        raise InvalidRequest("Invalid integer: limit must be between 1 and 100", param="limit")
    ids = [id_of(item) for item in items]

    def position(param: str) -> int:
        try:
            return ids.index(params[param])
        except ValueError:
            raise InvalidRequest(
                f"No such {object_name}: '{params[param]}'", param=param, status=404, code="resource_missing"
            ) from None

    if params.get("starting_after"):
        rest = items[position("starting_after") + 1 :]
        return rest[:limit], len(rest) > limit
    if params.get("ending_before"):
        rest = items[: position("ending_before")]
        return rest[-limit:], len(rest) > limit
    return items[:limit], len(items) > limit


# --- Parameters ------------------------------------------------------------------


def _line_items(value: Any, now: int) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise InvalidRequest("line_items is required in payment mode.", param="line_items")
    if len(value) > MAX_LINE_ITEMS:
        raise InvalidRequest(f"At most {MAX_LINE_ITEMS} line items are allowed.", param="line_items")
    items = [_line_item(item, f"line_items[{index}]", now) for index, item in enumerate(value)]
    currencies = {item["currency"] for item in items}
    if len(currencies) != 1:
        raise InvalidRequest("All line items must share one currency.", param="line_items")
    return items


def _line_item(value: Any, param: str, now: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidRequest(f"Invalid object: {param}", param=param)
    if "price" in value:
        raise InvalidRequest("The offline stand-in has no Prices: send price_data.", param=f"{param}[price]")
    price_data = value.get("price_data")
    if not isinstance(price_data, dict):
        raise InvalidRequest("Missing required param: price_data.", param=f"{param}[price_data]")
    currency = price_data.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise InvalidRequest("Invalid currency.", param=f"{param}[price_data][currency]")
    unit_amount = _integer(price_data.get("unit_amount"), f"{param}[price_data][unit_amount]")
    if unit_amount < 0:
        raise InvalidRequest("unit_amount must be 0 or more.", param=f"{param}[price_data][unit_amount]")
    product_data = price_data.get("product_data")
    name = product_data.get("name") if isinstance(product_data, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise InvalidRequest("Missing required param: name.", param=f"{param}[price_data][product_data][name]")
    quantity = _integer(value.get("quantity"), f"{param}[quantity]")
    if quantity < 1:
        raise InvalidRequest("quantity must be at least 1.", param=f"{param}[quantity]")
    currency = currency.lower()
    amount = unit_amount * quantity
    return {
        "id": new_id("li_"),
        "object": "item",
        "amount_discount": 0,
        "amount_subtotal": amount,
        "amount_tax": 0,
        "amount_total": amount,
        "currency": currency,
        "description": name,
        "price": {
            "id": new_id("price_"),
            "object": "price",
            "active": False,
            "billing_scheme": "per_unit",
            "created": now,
            "currency": currency,
            "livemode": False,
            "metadata": {},
            "nickname": None,
            "product": new_id("prod_"),
            "recurring": None,
            "tax_behavior": "unspecified",
            "type": "one_time",
            "unit_amount": unit_amount,
            "unit_amount_decimal": str(unit_amount),
        },
        "quantity": quantity,
    }


def _integer(value: Any, param: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise InvalidRequest(f"Invalid integer: {value!r}", param=param)


def _string(value: Any, param: str, max_length: int) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise InvalidRequest(f"{param} must be a string of at most {max_length} characters.", param=param)
    return value


def _url(value: Any, param: str, *, required: bool) -> str | None:
    if value in (None, ""):
        if required:
            raise InvalidRequest(f"Missing required param: {param}.", param=param)
        return None
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise InvalidRequest(f"Not a valid URL: {value!r}", param=param)
    return value


def _email(value: Any) -> str | None:
    email = _string(value, "customer_email", 800)
    if email is not None and "@" not in email:
        raise InvalidRequest(f"Invalid email address: {email}", param="customer_email")
    return email


def _metadata(value: Any, param: str) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise InvalidRequest("Invalid object: metadata must be a set of key-value pairs.", param=param)
    if len(value) > 50:
        raise InvalidRequest("Metadata can have at most 50 keys.", param=param)
    for key, item in value.items():
        if len(key) > 40 or not isinstance(item, str) or len(item) > 500:
            raise InvalidRequest("Metadata keys are at most 40 characters, values 500.", param=f"{param}[{key}]")
    return {key: item for key, item in value.items() if item != ""}  # an empty value unsets the key


def _expires_at(value: Any, now: int) -> int:
    if value in (None, ""):
        return now + DEFAULT_LIFETIME
    expires_at = _integer(value, "expires_at")
    if not now + MIN_LIFETIME <= expires_at <= now + DEFAULT_LIFETIME:
        raise InvalidRequest(
            "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
            param="expires_at",
        )
    return expires_at
