"""The one module that talks to Stripe.

Everything else in Proceeds sees frozen dataclasses holding ``Money`` and the
exceptions defined here, never ``stripe`` objects or ``stripe`` errors. That
keeps the library's churn (v13 dropped ``stripe.error``, v15 stopped objects
being dicts) in one file, and lets the request-level tests pin exactly what
goes over the wire.

Every call builds its ``StripeClient`` from settings at call time (or takes
one from the caller), so tests and the offline stand-in can point it
elsewhere with ``STRIPE_API_BASE``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from donations.json_limits import JSONTooDeep, loads_limited
from donations.money import Money

# Two retries, with the library's backoff, ride out a blip; the idempotency key
# makes a retried POST safe. More would keep a customer waiting on "Pay".
MAX_NETWORK_RETRIES = 2
# (connect, read) seconds. The library's default read timeout is 80 s, longer
# than a gunicorn worker is allowed to take over a request (30 s by default).
HTTP_TIMEOUT = (5, 25)
# Three levels deep (Stripe allows four): the fee and net live on the balance transaction.
SESSION_EXPAND = "payment_intent.latest_charge.balance_transaction"
REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})
# Locales Stripe Checkout can display (SessionCreateParams of stripe 16.1.0,
# API 2026-10-28). Ukrainian is not among them.
CHECKOUT_LOCALES = (
    "auto bg cs da de el en en-GB es es-419 et fi fil fr fr-CA hi-IN hr hu id it ja ko lt lv ms mt nb nl "
    "pl pt pt-BR ro ru sk sl sv th tr vi zh zh-HK zh-TW"
).split()
# For a language Checkout lacks we choose English rather than "auto": browsers
# in Ukraine often list Russian right after Ukrainian, and "auto" could pick it.
FALLBACK_LOCALE = "en"
# Where Stripe serves hosted Checkout pages (``CheckoutSession.url``).
CHECKOUT_PAGE_ORIGIN = "https://checkout.stripe.com"
MAX_EVENT_TYPES = 20  # Stripe's limit for events.list(types=...)

T = TypeVar("T")


# --- Errors ------------------------------------------------------------------


class PaymentGatewayError(Exception):
    """Stripe did not do what was asked. Every error this module raises is one of these.

    The subclasses are named after the situation (``StripeUnavailable``,
    ``InvalidWebhook``), as the ledger's are; hence the N818 exemptions.
    """


class StripeNotConfigured(PaymentGatewayError, ImproperlyConfigured):  # noqa: N818
    """A setting the call needs is missing: a deployment problem, not the customer's."""


class StripeUnavailable(PaymentGatewayError):  # noqa: N818
    """Stripe could not be reached or asked us to come back (network, 409, 429, 5xx).

    Retrying later with the same idempotency key is safe; a webhook view should
    answer 5xx so that Stripe retries too.
    """

    def __init__(self, message: str, *, http_status: int | None = None, request_id: str | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.request_id = request_id


class StripeRejected(PaymentGatewayError):  # noqa: N818
    """Stripe refused the request (4xx): retrying the same request will fail the same way."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        http_status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.param = param
        self.http_status = http_status
        self.request_id = request_id


class StripeResponseUnreadable(PaymentGatewayError):  # noqa: N818
    """Stripe answered 2xx with something this module cannot read (a field missing, an unknown currency)."""


class InvalidWebhook(PaymentGatewayError):  # noqa: N818
    """A webhook we must not act on: bad or missing signature, stale timestamp, not an event. Answer 400."""


# --- What callers send and get back -------------------------------------------


@dataclass(frozen=True)
class CheckoutLine:
    name: str
    unit_amount: Money
    quantity: int

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("A checkout line needs a name: Stripe shows it to the customer")
        if not isinstance(self.quantity, int) or isinstance(self.quantity, bool) or self.quantity < 1:
            raise ValueError(f"Quantity must be a positive integer, not {self.quantity!r}")
        if self.unit_amount.minor < 0:
            raise ValueError(f"A unit amount cannot be negative: {self.unit_amount}")

    @property
    def total(self) -> Money:
        return Money(self.unit_amount.minor * self.quantity, self.unit_amount.currency)


@dataclass(frozen=True)
class CheckoutRequest:
    """One payment attempt, as the Pay view stored it. Shipping is simply another line."""

    order_number: str
    lines: tuple[CheckoutLine, ...]
    customer_email: str
    success_url: str
    cancel_url: str
    idempotency_key: str
    metadata: dict[str, str] = field(default_factory=dict)
    locale: str | None = None
    expires_at: int | None = None

    def __post_init__(self) -> None:
        # Copies, so that nothing the caller changes afterwards escapes these checks.
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "metadata", dict(self.metadata))
        if not self.lines:
            raise ValueError("A checkout needs at least one line")
        currencies = {line.unit_amount.currency for line in self.lines}
        if len(currencies) != 1:
            raise ValueError(f"All checkout lines must share one currency, not {sorted(currencies)}")
        if self.amount_total.minor <= 0:
            raise ValueError("A checkout must charge something: a free order needs no payment attempt")
        if not 0 < len(self.order_number) <= 200:
            raise ValueError("The order number becomes client_reference_id: 1 to 200 characters")
        if "{CHECKOUT_SESSION_ID}" not in self.success_url:
            # Stripe substitutes only the literal placeholder; Django's build_absolute_uri
            # would have escaped the braces to %7B...%7D, so append it after building the URL.
            raise ValueError("success_url must contain the literal {CHECKOUT_SESSION_ID}")
        if not 0 < len(self.idempotency_key) <= 255:
            raise ValueError("An idempotency key is 1 to 255 characters")
        if self.metadata.get("order_number", self.order_number) != self.order_number:
            raise ValueError("metadata['order_number'] must be the order number")
        _check_metadata({**self.metadata, "order_number": self.order_number})

    @property
    def currency(self) -> str:
        return self.lines[0].unit_amount.currency

    @property
    def amount_total(self) -> Money:
        """What Stripe will charge: compare it with ``CheckoutSession.amount_total`` before fulfilling."""
        return sum((line.total for line in self.lines), Money.zero(self.lines[0].unit_amount.currency))


@dataclass(frozen=True)
class ChargeFees:
    """A charge and, once Stripe has settled it, its fee and net.

    ``amount`` and ``amount_refunded`` are in the charge's currency; ``fee`` and
    ``net`` are in the balance transaction's, which is the account's settlement
    currency and can differ. They are None until the balance transaction exists
    (under asynchronous capture it comes later, with ``charge.updated``).
    """

    charge_id: str
    payment_intent_id: str | None
    amount: Money
    amount_refunded: Money
    fee: Money | None
    net: Money | None
    balance_transaction_id: str | None


@dataclass(frozen=True)
class CheckoutSession:
    """A Checkout Session as fulfilment needs it.

    ``url`` is None once the session is complete or expired. ``payment_intent_id``
    is None until the customer pays. ``charge`` is filled only by
    ``retrieve_checkout_session`` (which expands it) and only once a charge exists.
    """

    id: str
    url: str | None
    status: str | None  # open, complete, expired
    payment_status: str  # paid, unpaid, no_payment_required
    amount_total: Money
    client_reference_id: str | None
    metadata: dict[str, str]
    customer_email: str | None
    payment_intent_id: str | None
    charge: ChargeFees | None
    created: int
    expires_at: int | None

    @property
    def is_paid(self) -> bool:
        return self.status == "complete" and self.payment_status == "paid"


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    created: int
    livemode: bool
    data_object: dict[str, Any]
    previous_attributes: dict[str, Any] | None


@dataclass(frozen=True)
class EventSubject:
    """Whose payment a ``checkout.session.*`` or ``charge.*`` event is about: only the identifying fields.

    Read even when the rest of the object is not (another integration's
    session in setup mode has no ``amount_total``), so that an event about
    someone else's payment can be told apart without reading it further.
    ``order_number`` is ``metadata["order_number"]``, which the shop puts on
    every session and, through the PaymentIntent, on its charges.
    """

    kind: str  # "checkout.session" or "charge"
    id: str
    client_reference_id: str | None
    order_number: str | None
    payment_intent_id: str | None


@dataclass(frozen=True)
class RefundResult:
    id: str
    status: str  # pending, requires_action, succeeded, failed, canceled
    amount: Money
    payment_intent_id: str | None
    reason: str | None


# --- The client ----------------------------------------------------------------


def stripe_client(*, http_client: stripe.HTTPClient | None = None) -> stripe.StripeClient:
    """Build a client from settings, read now so that tests and the offline stand-in can redirect it."""
    api_key = getattr(settings, "STRIPE_SECRET_KEY", "")
    api_base = getattr(settings, "STRIPE_API_BASE", "")
    if not api_key:
        raise StripeNotConfigured("STRIPE_SECRET_KEY is not set: the shop cannot take payments")
    if api_base and api_key.startswith(("sk_live_", "rk_live_")):
        # settings.py refuses this at start-up; checked again because settings can be overridden later.
        raise StripeNotConfigured("STRIPE_API_BASE must not be set with a live key")
    options: dict[str, Any] = {}
    if api_base:
        options["base_addresses"] = {"api": api_base.rstrip("/")}
    return stripe.StripeClient(
        api_key,
        max_network_retries=MAX_NETWORK_RETRIES,
        http_client=http_client or _default_http_client(),
        **options,
    )


def checkout_page_origin() -> str:
    """The origin of the hosted Checkout page customers are sent to, read from settings now.

    The offline stand-in serves its labelled page from the address it answers
    the API on, so with ``STRIPE_API_BASE`` set that is the page's origin too.
    The Content-Security-Policy's form-action names it (shop/csp.py).
    """
    api_base = getattr(settings, "STRIPE_API_BASE", "")
    if not api_base:
        return CHECKOUT_PAGE_ORIGIN
    parts = urlsplit(api_base)
    return f"{parts.scheme}://{parts.netloc}"


@functools.cache
def _default_http_client() -> stripe.HTTPClient:
    """One shared transport, so connections are reused across calls (its sessions are per thread)."""
    return stripe.RequestsClient(timeout=HTTP_TIMEOUT)


# --- Calls -------------------------------------------------------------------------


def create_checkout_session(request: CheckoutRequest, *, client: stripe.StripeClient | None = None) -> CheckoutSession:
    """Create the hosted Checkout page for one attempt.

    The attempt's idempotency key goes in the header, so a double-clicked "Pay"
    or a network retry returns the same session instead of a second one.
    """
    client = client or stripe_client()
    with _translated_errors("create a checkout session"):
        session = client.v1.checkout.sessions.create(
            params=_session_params(request), options={"idempotency_key": request.idempotency_key}
        )
    return _read(_session_from, session.to_dict())


def retrieve_checkout_session(session_id: str, *, client: stripe.StripeClient | None = None) -> CheckoutSession:
    """Fetch a session with its PaymentIntent, charge and balance transaction: all fulfilment needs in one call."""
    client = client or stripe_client()
    with _translated_errors("retrieve a checkout session"):
        session = client.v1.checkout.sessions.retrieve(session_id, params={"expand": [SESSION_EXPAND]})
    return _read(_session_from, session.to_dict())


def expire_checkout_session(session_id: str, *, client: stripe.StripeClient | None = None) -> CheckoutSession:
    """Close an open session so it can no longer be paid: the customer came back to the shop instead.

    Stripe answers 400 (``StripeRejected``) when the session is no longer open,
    which includes one the customer has just paid: retrieve it then, never
    take the refusal to mean "not paid". The library retries a lost answer
    with an idempotency key of its own, so a retry cannot fail on the session
    this call already expired.
    """
    client = client or stripe_client()
    with _translated_errors("expire a checkout session"):
        session = client.v1.checkout.sessions.expire(session_id)
    return _read(_session_from, session.to_dict())


def retrieve_charge_fees(charge_id: str, *, client: stripe.StripeClient | None = None) -> ChargeFees:
    """Fetch a charge's fee and net, for ``charge.updated`` (a late balance transaction) and reconciliation."""
    client = client or stripe_client()
    with _translated_errors("retrieve a charge"):
        charge = client.v1.charges.retrieve(charge_id, params={"expand": ["balance_transaction"]})
    return _read(_charge_fees_from, charge.to_dict())


def create_refund(
    *,
    payment_intent_id: str,
    amount: Money,
    reason: str | None,
    idempotency_key: str,
    metadata: dict[str, str] | None = None,
    client: stripe.StripeClient | None = None,
) -> RefundResult:
    """Refund part or all of a payment.

    Stripe refunds in the charge's currency and takes no currency parameter:
    check ``RefundResult.amount.currency`` against what was meant. Stripe's
    reason is an enum; any other reason is sent as ``requested_by_customer``
    with the volunteer's words in ``metadata['reason']``.
    """
    if amount.minor <= 0:
        raise ValueError(f"A refund must be positive, not {amount}")
    if not 0 < len(idempotency_key) <= 255:
        raise ValueError("An idempotency key is 1 to 255 characters")
    stripe_reason, refund_metadata = _refund_reason(reason, dict(metadata or {}))
    params: dict[str, Any] = {"payment_intent": payment_intent_id, "amount": amount.minor}
    if stripe_reason:
        params["reason"] = stripe_reason
    if refund_metadata:
        params["metadata"] = _check_metadata(refund_metadata)
    client = client or stripe_client()
    with _translated_errors("create a refund"):
        refund = client.v1.refunds.create(params=params, options={"idempotency_key": idempotency_key})
    return _read(_refund_from, refund.to_dict())


def list_checkout_sessions(
    *, created_since: int, client: stripe.StripeClient | None = None
) -> Iterator[CheckoutSession]:
    """Every session created since a Unix time, newest first, fetching further pages as they are consumed.

    Not expanded (``charge`` is always None here): call ``retrieve_checkout_session``
    for a session that needs fulfilling. The first page is fetched now, so a
    misconfiguration or outage raises here rather than at the first ``next()``.
    """
    client = client or stripe_client()
    with _translated_errors("list checkout sessions"):
        first_page = client.v1.checkout.sessions.list(params={"created": {"gte": created_since}, "limit": 100})
    return (_read(_session_from, item) for item in _pages(first_page, "list checkout sessions"))


def list_events(
    *, created_since: int, types: Sequence[str], client: stripe.StripeClient | None = None
) -> Iterator[WebhookEvent]:
    """Events since a Unix time (Stripe keeps 30 days), newest first, for the reconciliation command."""
    if isinstance(types, str) or len(types) > MAX_EVENT_TYPES:
        raise ValueError(f"types must be a sequence of at most {MAX_EVENT_TYPES} event types")
    params: dict[str, Any] = {"created": {"gte": created_since}, "limit": 100}
    if types:
        params["types"] = list(types)
    client = client or stripe_client()
    with _translated_errors("list events"):
        first_page = client.v1.events.list(params=params)
    return (_read(_event_from, item) for item in _pages(first_page, "list events"))


def parse_webhook_event(payload: bytes, signature_header: str | None, *, tolerance: int = 300) -> WebhookEvent:
    """Verify a webhook's signature on the raw body, then read it.

    Pass ``request.body`` untouched: re-serialised JSON no longer matches the
    signature. We verify with ``WebhookSignature.verify_header`` and parse the
    JSON ourselves rather than call ``construct_event``, which would build a
    ``stripe`` object only to be turned back into a dict (and falls back to the
    library's global API key).
    """
    secret = getattr(settings, "STRIPE_WEBHOOK_SECRET", "")
    if not secret:
        raise StripeNotConfigured("STRIPE_WEBHOOK_SECRET is not set: webhooks cannot be verified")
    if tolerance <= 0:
        raise ValueError("A tolerance of 0 would accept replayed webhooks of any age")
    try:
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance)
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(f"Webhook signature rejected: {exc.user_message}") from exc
    except UnicodeDecodeError as exc:
        raise InvalidWebhook("Webhook body is not UTF-8") from exc
    try:
        # Signed is not the same as sane: parsed only once its nesting is known to be shallow.
        body = loads_limited(payload)
    except JSONTooDeep as exc:
        raise InvalidWebhook(f"Webhook body refused: {exc}") from exc
    except ValueError as exc:
        raise InvalidWebhook(f"Webhook body is not JSON: {exc}") from exc
    try:
        return _event_from(body)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidWebhook(f"Webhook body is not a Stripe event: {exc!r}") from exc


def checkout_session_from_event(event: WebhookEvent) -> CheckoutSession:
    """The session a ``checkout.session.*`` event carries (not expanded: ``charge`` is None)."""
    if not event.type.startswith("checkout.session."):
        raise ValueError(f"{event.type} does not carry a checkout session")
    return _read(_session_from, event.data_object)


def charge_fees_from_event(event: WebhookEvent) -> ChargeFees:
    """The charge a ``charge.*`` event carries. Events never expand the balance
    transaction, so ``fee`` and ``net`` are None: follow up with ``retrieve_charge_fees``."""
    if not event.type.startswith("charge."):
        raise ValueError(f"{event.type} does not carry a charge")
    return _read(_charge_fees_from, event.data_object)


def event_subject(event: WebhookEvent) -> EventSubject | None:
    """The session or charge a ``checkout.session.*`` / ``charge.*`` event is about; None for other events."""
    kind = event.type.rpartition(".")[0]
    if kind not in ("checkout.session", "charge"):
        return None
    obj = event.data_object
    metadata = obj.get("metadata")
    order_number = metadata.get("order_number") if isinstance(metadata, dict) else None
    reference = obj.get("client_reference_id")
    payment_intent = obj.get("payment_intent")
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id")
    if not isinstance(obj.get("id"), str):
        raise StripeResponseUnreadable(f"Stripe sent a {event.type} event whose object has no id")
    return EventSubject(
        kind=kind,
        id=obj["id"],
        client_reference_id=reference if isinstance(reference, str) else None,
        order_number=order_number if isinstance(order_number, str) else None,
        payment_intent_id=payment_intent if isinstance(payment_intent, str) else None,
    )


# --- Requests --------------------------------------------------------------------


def _session_params(request: CheckoutRequest) -> dict[str, Any]:
    currency = request.currency.lower()  # Stripe's currency codes are lowercase, Money's uppercase
    metadata = {**request.metadata, "order_number": request.order_number}
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": currency,
                    "unit_amount": line.unit_amount.minor,
                    "product_data": {"name": line.name},
                },
                "quantity": line.quantity,
            }
            for line in request.lines
        ],
        "client_reference_id": request.order_number,
        "metadata": metadata,
        # Copied onto the PaymentIntent so that its charges and refunds, including
        # those made in Stripe's dashboard, name the order too.
        "payment_intent_data": {"metadata": metadata},
        "success_url": request.success_url,
        "cancel_url": request.cancel_url,
    }
    if request.customer_email:
        params["customer_email"] = request.customer_email
    if request.locale:
        params["locale"] = checkout_locale(request.locale)
    if request.expires_at is not None:
        params["expires_at"] = request.expires_at
    return params


def checkout_locale(language: str) -> str:
    """The Checkout locale for a Django language code: exact, else its base language, else English."""
    by_lower = {locale.lower(): locale for locale in CHECKOUT_LOCALES}
    code = language.replace("_", "-").lower()
    return by_lower.get(code) or by_lower.get(code.split("-")[0]) or FALLBACK_LOCALE


def _refund_reason(reason: str | None, metadata: dict[str, str]) -> tuple[str | None, dict[str, str]]:
    reason = (reason or "").strip()
    if not reason:
        return None, metadata
    if reason in REFUND_REASONS:
        return reason, metadata
    return "requested_by_customer", {**metadata, "reason": reason[:500]}


def _check_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    """Stripe's metadata limits, checked before the request so the error names our mistake."""
    if len(metadata) > 50:
        raise ValueError("Stripe allows at most 50 metadata keys")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValueError(f"Metadata keys and values must be strings: {key!r}={value!r}")
        if not 0 < len(key) <= 40 or "[" in key or "]" in key:
            raise ValueError(f"Metadata key {key!r} must be 1 to 40 characters without brackets")
        if len(value) > 500:
            raise ValueError(f"Metadata value for {key!r} is longer than 500 characters")
    return dict(metadata)


# --- Errors from the library -------------------------------------------------------


@contextmanager
def _translated_errors(action: str) -> Iterator[None]:
    """Turn the library's exceptions into ours, so no caller ever imports stripe."""
    try:
        yield
    except stripe.StripeError as exc:
        raise _gateway_error(action, exc) from exc


def _gateway_error(action: str, exc: stripe.StripeError) -> PaymentGatewayError:
    status = exc.http_status
    message = f"Could not {action}: {exc.user_message or type(exc).__name__}"
    retryable = (
        isinstance(exc, (stripe.APIConnectionError, stripe.RateLimitError))
        or status is None
        or status in (409, 429)
        or status >= 500
    )
    if retryable or not 400 <= status < 500:
        # A 2xx lands here only when its body was unreadable (a proxy's error page): try again.
        return StripeUnavailable(message, http_status=status, request_id=exc.request_id)
    return StripeRejected(
        message, code=exc.code, param=getattr(exc, "param", None), http_status=status, request_id=exc.request_id
    )


# --- Responses ------------------------------------------------------------------------


def _pages(first_page: Any, action: str) -> Iterator[dict[str, Any]]:
    with _translated_errors(action):
        for item in first_page.auto_paging_iter():
            yield item.to_dict()


def _read(reader: Callable[[dict[str, Any]], T], obj: dict[str, Any]) -> T:
    try:
        return reader(obj)
    except (KeyError, TypeError, ValueError) as exc:
        raise StripeResponseUnreadable(f"Stripe sent a {obj.get('object')} this module cannot read: {exc!r}") from exc


def _expanded(value: Any) -> dict[str, Any] | None:
    """An expandable field holds an id, the object itself, or null."""
    return value if isinstance(value, dict) else None


def _id_of(value: Any) -> str | None:
    if isinstance(value, dict):
        return value["id"]
    return value


def _session_from(obj: dict[str, Any]) -> CheckoutSession:
    payment_intent = _expanded(obj.get("payment_intent"))
    charge = _expanded(payment_intent.get("latest_charge")) if payment_intent else None
    customer_details = obj.get("customer_details") or {}
    return CheckoutSession(
        id=obj["id"],
        url=obj.get("url"),
        status=obj.get("status"),
        payment_status=obj["payment_status"],
        amount_total=Money(obj["amount_total"], obj["currency"]),
        client_reference_id=obj.get("client_reference_id"),
        metadata=dict(obj.get("metadata") or {}),
        customer_email=obj.get("customer_email") or customer_details.get("email"),
        payment_intent_id=_id_of(obj.get("payment_intent")),
        charge=_charge_fees_from(charge) if charge else None,
        created=obj["created"],
        expires_at=obj.get("expires_at"),
    )


def _charge_fees_from(obj: dict[str, Any]) -> ChargeFees:
    balance_transaction = _expanded(obj.get("balance_transaction"))
    fee = net = None
    if balance_transaction:
        fee = Money(balance_transaction["fee"], balance_transaction["currency"])
        net = Money(balance_transaction["net"], balance_transaction["currency"])
    return ChargeFees(
        charge_id=obj["id"],
        payment_intent_id=_id_of(obj.get("payment_intent")),
        amount=Money(obj["amount"], obj["currency"]),
        amount_refunded=Money(obj.get("amount_refunded") or 0, obj["currency"]),
        fee=fee,
        net=net,
        balance_transaction_id=_id_of(obj.get("balance_transaction")),
    )


def _refund_from(obj: dict[str, Any]) -> RefundResult:
    return RefundResult(
        id=obj["id"],
        status=obj["status"],
        amount=Money(obj["amount"], obj["currency"]),
        payment_intent_id=_id_of(obj.get("payment_intent")),
        reason=obj.get("reason"),
    )


def _event_from(obj: dict[str, Any]) -> WebhookEvent:
    if not isinstance(obj, dict):
        raise TypeError(f"an event is a JSON object, not {type(obj).__name__}")
    if obj.get("object") != "event":
        raise ValueError(f"not an event: object={obj.get('object')!r}")
    data = obj["data"]
    if not isinstance(data["object"], dict):
        raise TypeError("data.object is not an object")
    if not isinstance(obj["id"], str) or not isinstance(obj["type"], str) or not isinstance(obj["created"], int):
        raise TypeError("id, type and created must be a string, a string and an integer")
    return WebhookEvent(
        id=obj["id"],
        type=obj["type"],
        created=obj["created"],
        livemode=bool(obj.get("livemode")),
        data_object=data["object"],
        previous_attributes=data.get("previous_attributes"),
    )
