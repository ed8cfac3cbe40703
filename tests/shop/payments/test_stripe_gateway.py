"""Request-level tests of shop.payments.stripe_gateway.

The real stripe library does its own form encoding, headers and error
mapping; only its transport is replaced, by ``RecordingHTTPClient``. So these
tests pin the exact wire requests and replay the bodies in
``stripe_responses``. Sockets are blocked: nothing can reach Stripe.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe
from django.core.exceptions import ImproperlyConfigured

from donations.money import Money
from shop.payments import stripe_gateway
from shop.payments.stripe_gateway import (
    ChargeFees,
    CheckoutLine,
    CheckoutRequest,
    CheckoutSession,
    InvalidWebhook,
    PaymentGatewayError,
    RefundResult,
    StripeNotConfigured,
    StripeRejected,
    StripeResponseUnreadable,
    StripeUnavailable,
    WebhookEvent,
    charge_fees_from_event,
    checkout_session_from_event,
    create_checkout_session,
    create_refund,
    list_checkout_sessions,
    list_events,
    parse_webhook_event,
    retrieve_charge_fees,
    retrieve_checkout_session,
    stripe_client,
)
from tests.shop.payments import stripe_responses as responses

API_BASE = "http://127.0.0.1:12111"
SECRET_KEY = "sk_test_proceeds_not_a_real_key"
WEBHOOK_SECRET = "whsec_test_proceeds_not_a_real_secret"
STRIPE_VERSION = "2026-10-28.endive"  # a library upgrade changes it: update the webhook endpoint's version too


# --- The transport ---------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    url: str
    headers: dict[str, str]
    post_data: str | None

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query, keep_blank_values=True)

    @property
    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.post_data or "", keep_blank_values=True, strict_parsing=bool(self.post_data))


class RecordingHTTPClient(stripe.HTTPClient):
    """Records every request the library makes and answers from a queue: the tests' only transport."""

    name = "recording"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[RecordedRequest] = []
        self._queue: list[tuple[str, int, dict[str, str]] | Exception] = []

    def respond(self, body: dict[str, Any] | str, status: int = 200, *, times: int = 1) -> None:
        text = body if isinstance(body, str) else json.dumps(body)
        self._queue.extend([(text, status, {"request-id": "req_test_Qm3kT8vXw2LpYz"})] * times)

    def fail(self, error: Exception, *, times: int = 1) -> None:
        self._queue.extend([error] * times)

    @property
    def pending(self) -> int:
        return len(self._queue)

    def request(self, method, url, headers, post_data=None):
        self.requests.append(RecordedRequest(method, url, dict(headers or {}), post_data))
        if not self._queue:
            raise AssertionError(f"Unexpected request: {method.upper()} {url}")
        answer = self._queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def _sleep_time_seconds(self, num_retries: int) -> float:
        return 0.0  # the library's retries still happen, without the backoff wait

    def close(self) -> None:
        pass


# --- Fixtures ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Any socket connection fails the test: the recording client is the only way out."""

    def refuse(self, address, *args, **kwargs):
        raise AssertionError(f"Test tried to open a network connection to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


@pytest.fixture(autouse=True)
def _stripe_settings(settings):
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = API_BASE


@pytest.fixture
def http(monkeypatch):
    """The recording transport, also behind calls made without ``client=`` (the callers' usual way)."""
    recording = RecordingHTTPClient()
    monkeypatch.setattr(stripe_gateway, "_default_http_client", lambda: recording)
    yield recording
    for request in recording.requests:
        assert request.url.startswith(API_BASE + "/v1/"), request.url
        assert "api.stripe.com" not in request.url
    assert recording.pending == 0, "a queued response was never requested"


@pytest.fixture
def client(http):
    return stripe_client(http_client=http)


def checkout_request(**overrides: Any) -> CheckoutRequest:
    fields: dict[str, Any] = {
        "order_number": responses.ORDER_NUMBER,
        "lines": (
            CheckoutLine("T-shirt Territories are people, M", Money(2900, "EUR"), 1),
            CheckoutLine("Shipping: European Union, tracked post", Money(600, "EUR"), 1),
        ),
        "customer_email": responses.CUSTOMER_EMAIL,
        "success_url": responses.SUCCESS_URL,
        "cancel_url": responses.CANCEL_URL,
        "idempotency_key": responses.ATTEMPT_KEY,
        "metadata": {"attempt": "7"},
    }
    return CheckoutRequest(**{**fields, **overrides})


def signed(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(payload.decode(), secret, timestamp=timestamp)


# --- The client ----------------------------------------------------------------------


def test_client_needs_a_secret_key(settings):
    """Without a key the shop cannot take payments, and says so in the error rather than in a 401 from Stripe."""
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(StripeNotConfigured, match="STRIPE_SECRET_KEY") as excinfo:
        stripe_client()
    assert isinstance(excinfo.value, ImproperlyConfigured)


def test_client_refuses_a_live_key_with_a_local_api_base(settings):
    """Live card data must never be sent to a stand-in, even when settings were overridden after start-up."""
    settings.STRIPE_SECRET_KEY = "sk_live_not_a_real_key"
    with pytest.raises(StripeNotConfigured, match="STRIPE_API_BASE"):
        stripe_client()


def test_requests_go_to_the_configured_base_with_the_key_and_pinned_version(http):
    """Settings are read at call time, and every request names the API version the parsers were written for."""
    http.respond(responses.session_paid())
    retrieve_checkout_session(responses.SESSION_ID)

    (request,) = http.requests
    assert request.url.startswith(API_BASE + "/v1/checkout/sessions/")
    assert request.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert request.headers["Stripe-Version"] == STRIPE_VERSION


# --- Creating a Checkout Session ----------------------------------------------------


def test_create_sends_line_items_in_minor_units_and_the_order_everywhere(http):
    """The exact form Stripe receives: amounts in cents, lowercase currency, shipping as a line, order number
    as client_reference_id and in the session's and the PaymentIntent's metadata, the placeholder kept literally."""
    http.respond(responses.session_open())
    create_checkout_session(checkout_request(locale="en"))

    (request,) = http.requests
    assert request.method == "post"
    assert request.url == f"{API_BASE}/v1/checkout/sessions"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.form == {
        "mode": ["payment"],
        "line_items[0][price_data][currency]": ["eur"],
        "line_items[0][price_data][unit_amount]": ["2900"],
        "line_items[0][price_data][product_data][name]": ["T-shirt Territories are people, M"],
        "line_items[0][quantity]": ["1"],
        "line_items[1][price_data][currency]": ["eur"],
        "line_items[1][price_data][unit_amount]": ["600"],
        "line_items[1][price_data][product_data][name]": ["Shipping: European Union, tracked post"],
        "line_items[1][quantity]": ["1"],
        "client_reference_id": ["100042"],
        "metadata[attempt]": ["7"],
        "metadata[order_number]": ["100042"],
        "payment_intent_data[metadata][attempt]": ["7"],
        "payment_intent_data[metadata][order_number]": ["100042"],
        "customer_email": ["supporter@example.org"],
        "success_url": ["https://shop.example.org/checkout/stripe/return/?session_id={CHECKOUT_SESSION_ID}"],
        "cancel_url": ["https://shop.example.org/checkout/stripe/cancel/"],
        "locale": ["en"],
    }


def test_create_sends_the_attempts_idempotency_key(http):
    """A double-clicked Pay or a retried request must return the same session, not open a second one."""
    http.respond(responses.session_open())
    create_checkout_session(checkout_request())

    assert http.requests[0].headers["Idempotency-Key"] == responses.ATTEMPT_KEY


def test_create_sends_quantity_and_expiry(http, client):
    http.respond(responses.session_open())
    lines = (CheckoutLine("Sticker pack", Money(450, "EUR"), 3), CheckoutLine("Shipping", Money(600, "EUR"), 1))
    create_checkout_session(checkout_request(lines=lines, expires_at=responses.CREATED + 3600), client=client)

    form = http.requests[0].form
    assert form["line_items[0][price_data][unit_amount]"] == ["450"]
    assert form["line_items[0][quantity]"] == ["3"]
    assert form["expires_at"] == [str(responses.CREATED + 3600)]
    assert "locale" not in form


@pytest.mark.parametrize(
    ("language", "locale"),
    [("uk", "en"), ("en", "en"), ("en-gb", "en-GB"), ("pt_BR", "pt-BR"), ("de-at", "de"), ("pl", "pl")],
)
def test_create_sends_a_locale_checkout_supports(http, language, locale):
    """Checkout has no Ukrainian; sending "uk" would be a 400, and "auto" could show Russian, so it is English."""
    http.respond(responses.session_open())
    create_checkout_session(checkout_request(locale=language))

    assert http.requests[0].form["locale"] == [locale]


def test_create_returns_the_open_session(http, client):
    http.respond(responses.session_open())
    session = create_checkout_session(checkout_request(), client=client)

    assert session == CheckoutSession(
        id=responses.SESSION_ID,
        url=f"https://checkout.stripe.com/c/pay/{responses.SESSION_ID}#fidkdWxOYHwnPyd1blpxYHZxWjA0",
        status="open",
        payment_status="unpaid",
        amount_total=Money(3500, "EUR"),
        client_reference_id="100042",
        metadata={"order_number": "100042", "attempt": "7"},
        customer_email="supporter@example.org",
        payment_intent_id=None,
        charge=None,
        created=responses.CREATED,
        expires_at=responses.CREATED + 86400,
    )
    assert not session.is_paid


def test_request_total_is_what_stripe_will_charge():
    assert checkout_request().amount_total == Money(3500, "EUR")


def test_mixed_currency_lines_are_refused_before_any_request(http):
    lines = (CheckoutLine("T-shirt", Money(2900, "EUR"), 1), CheckoutLine("Shipping", Money(15000, "UAH"), 1))
    with pytest.raises(ValueError, match="one currency"):
        create_checkout_session(checkout_request(lines=lines))
    assert http.requests == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lines": ()}, "at least one line"),
        ({"lines": (CheckoutLine("Free badge", Money(0, "EUR"), 1),)}, "charge something"),
        ({"success_url": "https://shop.example.org/checkout/stripe/return/"}, "CHECKOUT_SESSION_ID"),
        ({"success_url": "https://shop.example.org/return/?session_id=%7BCHECKOUT_SESSION_ID%7D"}, "literal"),
        ({"idempotency_key": ""}, "idempotency key"),
        ({"order_number": ""}, "order number"),
        ({"metadata": {"order_number": "100043"}}, "order number"),
        ({"metadata": {"k" * 41: "v"}}, "1 to 40 characters"),
        ({"metadata": {"note": "x" * 501}}, "500 characters"),
    ],
)
def test_bad_checkout_requests_are_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        checkout_request(**overrides)


@pytest.mark.parametrize(
    ("name", "unit_amount", "quantity"),
    [("", Money(100, "EUR"), 1), ("Badge", Money(100, "EUR"), 0), ("Badge", Money(-100, "EUR"), 1)],
)
def test_bad_checkout_lines_are_refused(name, unit_amount, quantity):
    with pytest.raises(ValueError):
        CheckoutLine(name, unit_amount, quantity)


# --- Errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error_type", "attempts", "expected"),
    [
        (400, "invalid_request_error", 1, StripeRejected),
        (401, "invalid_request_error", 1, StripeRejected),
        (402, "card_error", 1, StripeRejected),
        (404, "invalid_request_error", 1, StripeRejected),
        (409, "idempotency_error", 3, StripeUnavailable),
        (429, "invalid_request_error", 1, StripeUnavailable),
        (500, "api_error", 3, StripeUnavailable),
        (503, "api_error", 3, StripeUnavailable),
    ],
)
def test_stripe_errors_become_rejected_or_unavailable(http, status, error_type, attempts, expected):
    """4xx means "this request will never work"; conflicts, rate limits and 5xx mean "try again later".
    Neither is a stripe exception, so no caller needs to import stripe."""
    http.respond(responses.error_body("Something went wrong.", type=error_type), status, times=attempts)
    with pytest.raises(expected) as excinfo:
        create_checkout_session(checkout_request())

    assert not isinstance(excinfo.value, stripe.StripeError)
    assert isinstance(excinfo.value, PaymentGatewayError)
    assert excinfo.value.http_status == status
    assert len(http.requests) == attempts


def test_server_errors_are_retried_with_the_same_idempotency_key(http):
    """The library retries 5xx twice; the attempt's key makes each retry the same request to Stripe."""
    http.respond(responses.error_body("An unknown error occurred", type="api_error"), 500, times=3)
    with pytest.raises(StripeUnavailable, match="An unknown error occurred"):
        create_checkout_session(checkout_request())

    assert [r.headers["Idempotency-Key"] for r in http.requests] == [responses.ATTEMPT_KEY] * 3


def test_a_connection_error_is_unavailable_after_retries(http):
    http.fail(stripe.APIConnectionError("Connection refused", should_retry=True), times=3)
    with pytest.raises(StripeUnavailable, match="Connection refused") as excinfo:
        create_checkout_session(checkout_request())

    assert excinfo.value.http_status is None
    assert len(http.requests) == 3


def test_a_recovered_blip_returns_the_session(http):
    http.fail(stripe.APIConnectionError("Connection reset", should_retry=True))
    http.respond(responses.session_open())

    assert create_checkout_session(checkout_request()).id == responses.SESSION_ID
    assert len(http.requests) == 2


def test_a_rejection_carries_stripes_message_and_code(http):
    http.respond(
        responses.error_body(
            "Invalid currency: xyz.", code="parameter_invalid_string", param="line_items[0][price_data][currency]"
        ),
        400,
    )
    with pytest.raises(StripeRejected, match=r"Invalid currency: xyz\.") as excinfo:
        create_checkout_session(checkout_request())

    assert excinfo.value.code == "parameter_invalid_string"
    assert excinfo.value.param == "line_items[0][price_data][currency]"
    assert excinfo.value.request_id == "req_test_Qm3kT8vXw2LpYz"
    assert len(http.requests) == 1, "a 4xx is not retried"


def test_an_unreadable_body_is_unavailable(http):
    http.respond("<html>502 Bad Gateway</html>", 200)
    with pytest.raises(StripeUnavailable):
        create_checkout_session(checkout_request())


def test_a_response_in_an_unknown_currency_is_unreadable(http):
    http.respond(responses.session_open(currency="xyz"))
    with pytest.raises(StripeResponseUnreadable, match="checkout.session"):
        create_checkout_session(checkout_request())


# --- Retrieving a session for fulfilment ---------------------------------------------


def test_retrieve_expands_down_to_the_balance_transaction(http, client):
    http.respond(responses.session_paid())
    retrieve_checkout_session(responses.SESSION_ID, client=client)

    (request,) = http.requests
    assert request.method == "get"
    assert request.path == f"/v1/checkout/sessions/{responses.SESSION_ID}"
    assert request.query == {"expand[0]": ["payment_intent.latest_charge.balance_transaction"]}
    assert request.post_data is None


def test_a_paid_session_carries_the_payment_intent_fee_and_net(http):
    http.respond(responses.session_paid())
    session = retrieve_checkout_session(responses.SESSION_ID)

    assert session.is_paid
    assert (session.status, session.payment_status, session.url) == ("complete", "paid", None)
    assert session.amount_total == Money(3500, "EUR")
    assert session.client_reference_id == "100042"
    assert session.metadata == {"order_number": "100042", "attempt": "7"}
    assert session.customer_email == "supporter@example.org"
    assert session.payment_intent_id == responses.PAYMENT_INTENT_ID
    assert session.charge == ChargeFees(
        charge_id=responses.CHARGE_ID,
        payment_intent_id=responses.PAYMENT_INTENT_ID,
        amount=Money(3500, "EUR"),
        amount_refunded=Money(0, "EUR"),
        fee=Money(78, "EUR"),
        net=Money(3422, "EUR"),
        balance_transaction_id=responses.BALANCE_TRANSACTION_ID,
    )


def test_a_paid_session_without_balance_transaction_has_no_fee_yet(http):
    """Under asynchronous capture the fee arrives later, with charge.updated: None, never a guessed zero."""
    http.respond(responses.session_paid_without_balance_transaction())
    session = retrieve_checkout_session(responses.SESSION_ID)

    assert session.is_paid
    assert session.charge.charge_id == responses.CHARGE_ID
    assert session.charge.amount == Money(3500, "EUR")
    assert (session.charge.fee, session.charge.net, session.charge.balance_transaction_id) == (None, None, None)


def test_a_processing_session_is_complete_but_not_paid(http):
    """Delayed methods: the customer is done, the money is not; the success page must not say "paid"."""
    http.respond(responses.session_processing())
    session = retrieve_checkout_session(responses.SESSION_ID)

    assert (session.status, session.payment_status, session.is_paid) == ("complete", "unpaid", False)
    assert session.payment_intent_id == responses.PAYMENT_INTENT_ID
    assert session.charge.fee is None


def test_an_expired_session_has_no_payment(http):
    http.respond(responses.session_expired())
    session = retrieve_checkout_session(responses.SESSION_ID)

    assert (session.status, session.url, session.payment_intent_id, session.charge) == ("expired", None, None, None)


def test_fee_and_net_are_in_the_settlement_currency(http):
    """A EUR charge on an account that settles in another currency: fee and net keep their own currency."""
    body = responses.session_paid()
    body["payment_intent"]["latest_charge"]["balance_transaction"].update(currency="usd", fee=91, net=3979)
    http.respond(body)
    charge = retrieve_checkout_session(responses.SESSION_ID).charge

    assert (charge.amount, charge.fee, charge.net) == (Money(3500, "EUR"), Money(91, "USD"), Money(3979, "USD"))


def test_an_unknown_session_is_rejected(http):
    http.respond(
        responses.error_body("No such checkout.session: 'cs_test_nope'", code="resource_missing", param="session"), 404
    )
    with pytest.raises(StripeRejected, match="No such checkout.session") as excinfo:
        retrieve_checkout_session("cs_test_nope")
    assert excinfo.value.code == "resource_missing"


def test_retrieve_charge_fees_expands_the_balance_transaction(http):
    http.respond(responses.charge())
    fees = retrieve_charge_fees(responses.CHARGE_ID)

    (request,) = http.requests
    assert request.path == f"/v1/charges/{responses.CHARGE_ID}"
    assert request.query == {"expand[0]": ["balance_transaction"]}
    assert (fees.fee, fees.net) == (Money(78, "EUR"), Money(3422, "EUR"))


# --- Refunds ---------------------------------------------------------------------


def test_refund_sends_minor_units_reason_and_idempotency_key(http, client):
    http.respond(responses.refund(amount=1500))
    refund = create_refund(
        payment_intent_id=responses.PAYMENT_INTENT_ID,
        amount=Money(1500, "EUR"),
        reason="requested_by_customer",
        idempotency_key="refund-100042-1",
        metadata={"order_number": "100042"},
        client=client,
    )

    (request,) = http.requests
    assert (request.method, request.url) == ("post", f"{API_BASE}/v1/refunds")
    assert request.headers["Idempotency-Key"] == "refund-100042-1"
    assert request.form == {
        "payment_intent": [responses.PAYMENT_INTENT_ID],
        "amount": ["1500"],
        "reason": ["requested_by_customer"],
        "metadata[order_number]": ["100042"],
    }
    assert refund == RefundResult(
        id=responses.REFUND_ID,
        status="succeeded",
        amount=Money(1500, "EUR"),
        payment_intent_id=responses.PAYMENT_INTENT_ID,
        reason="requested_by_customer",
    )


def test_a_free_text_reason_goes_to_metadata(http):
    """Stripe's reason is an enum; the volunteer's words must not be lost, nor rejected by Stripe."""
    http.respond(responses.refund())
    create_refund(
        payment_intent_id=responses.PAYMENT_INTENT_ID,
        amount=Money(1500, "EUR"),
        reason="Size M sold out",
        idempotency_key="refund-100042-2",
    )

    form = http.requests[0].form
    assert form["reason"] == ["requested_by_customer"]
    assert form["metadata[reason]"] == ["Size M sold out"]


@pytest.mark.parametrize("reason", ["duplicate", "fraudulent"])
def test_stripes_own_reasons_are_sent_as_they_are(http, reason):
    http.respond(responses.refund(reason=reason))
    create_refund(
        payment_intent_id=responses.PAYMENT_INTENT_ID,
        amount=Money(3500, "EUR"),
        reason=reason,
        idempotency_key="refund-100042-3",
    )

    form = http.requests[0].form
    assert form["reason"] == [reason]
    assert "metadata[reason]" not in form


def test_a_refund_without_reason_sends_none(http):
    http.respond(responses.refund(reason=None))
    refund = create_refund(
        payment_intent_id=responses.PAYMENT_INTENT_ID,
        amount=Money(3500, "EUR"),
        reason=None,
        idempotency_key="refund-100042-4",
    )

    assert http.requests[0].form == {"payment_intent": [responses.PAYMENT_INTENT_ID], "amount": ["3500"]}
    assert refund.reason is None


@pytest.mark.parametrize("minor", [0, -100])
def test_a_refund_must_be_positive(http, minor):
    with pytest.raises(ValueError, match="positive"):
        create_refund(
            payment_intent_id=responses.PAYMENT_INTENT_ID,
            amount=Money(minor, "EUR"),
            reason=None,
            idempotency_key="refund-100042-5",
        )
    assert http.requests == []


def test_refunding_more_than_was_paid_is_rejected(http):
    http.respond(
        responses.error_body(
            "Refund amount (€40.00) is greater than unrefunded amount on charge (€35.00)",
            code="amount_too_large",
            param="amount",
        ),
        400,
    )
    with pytest.raises(StripeRejected, match="greater than unrefunded") as excinfo:
        create_refund(
            payment_intent_id=responses.PAYMENT_INTENT_ID,
            amount=Money(4000, "EUR"),
            reason=None,
            idempotency_key="refund-100042-6",
        )
    assert excinfo.value.code == "amount_too_large"


# --- Listing, for reconciliation -----------------------------------------------------


def test_listing_sessions_follows_starting_after(http):
    first = [responses.session_open(id="cs_test_3"), responses.session_expired() | {"id": "cs_test_2"}]
    http.respond(responses.session_list_page(first, has_more=True))
    http.respond(
        responses.session_list_page([responses.session_completed_unexpanded() | {"id": "cs_test_1"}], has_more=False)
    )

    sessions = list_checkout_sessions(created_since=responses.CREATED - 3600)
    assert len(http.requests) == 1, "the first page is fetched at once, the rest as consumed"
    assert [s.id for s in sessions] == ["cs_test_3", "cs_test_2", "cs_test_1"]

    first_request, second_request = http.requests
    assert first_request.path == "/v1/checkout/sessions"
    assert first_request.query == {"created[gte]": [str(responses.CREATED - 3600)], "limit": ["100"]}
    assert second_request.query == {
        "created[gte]": [str(responses.CREATED - 3600)],
        "limit": ["100"],
        "starting_after": ["cs_test_2"],
    }


def test_listed_sessions_name_their_payment_intent_without_fees(http):
    http.respond(responses.session_list_page([responses.session_completed_unexpanded()], has_more=False))
    (session,) = list_checkout_sessions(created_since=responses.CREATED)

    assert session.is_paid
    assert session.payment_intent_id == responses.PAYMENT_INTENT_ID
    assert session.charge is None


def test_an_outage_on_a_later_page_is_unavailable(http):
    http.respond(responses.session_list_page([responses.session_open()], has_more=True))
    http.respond(responses.error_body("An unknown error occurred", type="api_error"), 500, times=3)

    sessions = list_checkout_sessions(created_since=responses.CREATED)
    assert next(sessions).id == responses.SESSION_ID
    with pytest.raises(StripeUnavailable):
        next(sessions)


def test_listing_events_filters_by_type_and_follows_starting_after(http):
    completed = responses.checkout_session_completed_event()
    expired = responses.event("checkout.session.expired", responses.session_expired(), event_id="evt_test_2")
    http.respond(responses.event_list_page([completed], has_more=True))
    http.respond(responses.event_list_page([expired], has_more=False))

    events = list(
        list_events(created_since=responses.CREATED, types=["checkout.session.completed", "checkout.session.expired"])
    )

    assert [(e.id, e.type) for e in events] == [
        (responses.EVENT_ID, "checkout.session.completed"),
        ("evt_test_2", "checkout.session.expired"),
    ]
    assert events[0].data_object["client_reference_id"] == "100042"
    first_request, second_request = http.requests
    assert first_request.path == "/v1/events"
    assert first_request.query == {
        "created[gte]": [str(responses.CREATED)],
        "limit": ["100"],
        "types[0]": ["checkout.session.completed"],
        "types[1]": ["checkout.session.expired"],
    }
    assert second_request.query["starting_after"] == [responses.EVENT_ID]


def test_listing_events_takes_at_most_twenty_types(http):
    with pytest.raises(ValueError, match="20"):
        list_events(created_since=responses.CREATED, types=[f"type.{n}" for n in range(21)])
    assert http.requests == []


# --- Webhooks ----------------------------------------------------------------------


def event_payload(body: dict[str, Any] | None = None) -> bytes:
    return json.dumps(body or responses.checkout_session_completed_event(), indent=2).encode()


def test_a_signed_event_is_read(http):
    payload = event_payload()
    event = parse_webhook_event(payload, signed(payload))

    assert event == WebhookEvent(
        id=responses.EVENT_ID,
        type="checkout.session.completed",
        created=responses.CREATED + 61,
        livemode=False,
        data_object=responses.session_completed_unexpanded(),
        previous_attributes=None,
    )
    assert http.requests == [], "verifying a webhook asks Stripe nothing"


def test_a_completed_event_carries_the_session():
    payload = event_payload()
    session = checkout_session_from_event(parse_webhook_event(payload, signed(payload)))

    assert (session.id, session.client_reference_id, session.is_paid) == (responses.SESSION_ID, "100042", True)
    assert session.payment_intent_id == responses.PAYMENT_INTENT_ID
    assert session.amount_total == Money(3500, "EUR")
    assert session.charge is None


def test_a_charge_updated_event_names_the_late_balance_transaction():
    payload = event_payload(responses.charge_updated_event())
    event = parse_webhook_event(payload, signed(payload))
    fees = charge_fees_from_event(event)

    assert event.previous_attributes == {"balance_transaction": None}
    assert fees.balance_transaction_id == responses.BALANCE_TRANSACTION_ID
    assert (fees.fee, fees.net) == (None, None), "events never expand it: ask retrieve_charge_fees"
    with pytest.raises(ValueError):
        checkout_session_from_event(event)


def test_an_events_subject_is_read_even_when_the_payment_is_not():
    """Enough to tell whose payment it is: a setup-mode session of another integration has no amount at all."""
    setup = responses.session_completed_unexpanded() | {"amount_total": None, "currency": None, "metadata": None}
    event = stripe_gateway.WebhookEvent(id="evt_1", type="checkout.session.completed", created=0, livemode=False,
                                        data_object=setup, previous_attributes=None)
    subject = stripe_gateway.event_subject(event)
    assert (subject.kind, subject.id, subject.client_reference_id, subject.order_number) == (
        "checkout.session", responses.SESSION_ID, "100042", None)
    with pytest.raises(stripe_gateway.StripeResponseUnreadable):
        checkout_session_from_event(event)

    charge = stripe_gateway.WebhookEvent(
        id="evt_2", type="charge.refunded", created=0, livemode=False, previous_attributes=None,
        data_object=responses.charge() | {"payment_intent": {"id": "pi_expanded", "object": "payment_intent"}},
    )
    subject = stripe_gateway.event_subject(charge)
    assert (subject.kind, subject.payment_intent_id, subject.order_number) == ("charge", "pi_expanded", "100042")
    other = stripe_gateway.WebhookEvent(id="evt_3", type="customer.created", created=0, livemode=False,
                                        data_object={"id": "cus_1"}, previous_attributes=None)
    assert stripe_gateway.event_subject(other) is None


def test_a_tampered_body_is_invalid():
    payload = event_payload()
    header = signed(payload)
    tampered = payload.replace(b'"amount_total": 3500', b'"amount_total": 1')
    assert tampered != payload
    with pytest.raises(InvalidWebhook, match="signature"):
        parse_webhook_event(tampered, header)


def test_re_serialised_json_is_invalid():
    """The view must pass request.body untouched: the same event, re-encoded, no longer matches."""
    payload = event_payload()
    with pytest.raises(InvalidWebhook):
        parse_webhook_event(json.dumps(json.loads(payload)).encode(), signed(payload))


def test_another_secret_is_invalid():
    payload = event_payload()
    with pytest.raises(InvalidWebhook):
        parse_webhook_event(payload, signed(payload, secret="whsec_someone_else"))


@pytest.mark.parametrize("header", [None, "", "t=1795176000", "garbage"])
def test_a_missing_or_malformed_signature_is_invalid(header):
    with pytest.raises(InvalidWebhook):
        parse_webhook_event(event_payload(), header)


def test_a_stale_timestamp_is_invalid():
    """A captured webhook replayed ten minutes later is refused (tolerance 5 minutes)."""
    payload = event_payload()
    with pytest.raises(InvalidWebhook, match="tolerance"):
        parse_webhook_event(payload, signed(payload, timestamp=int(time.time()) - 600))


def test_a_tolerance_of_zero_is_refused():
    """The library treats 0 as "no limit", which would accept replays of any age."""
    payload = event_payload()
    with pytest.raises(ValueError):
        parse_webhook_event(payload, signed(payload), tolerance=0)


@pytest.mark.parametrize(
    "payload",
    [
        b"not json at all",
        b'{"id": "evt_1", "object": "event"',
        b'{"hello": "world"}',
        b"[]",
        json.dumps({"id": "evt_1", "object": "event", "type": "charge.updated", "created": 1}).encode(),
        json.dumps({"id": "evt_1", "object": "v2.core.event", "type": "x", "created": 1}).encode(),
    ],
)
def test_a_signed_body_that_is_not_an_event_is_invalid(payload):
    with pytest.raises(InvalidWebhook):
        parse_webhook_event(payload, signed(payload))


def test_a_body_that_is_not_utf8_is_invalid():
    with pytest.raises(InvalidWebhook):
        parse_webhook_event(b"\xff\xfe{}", "t=1795176000,v1=00")


def test_webhooks_need_the_secret(settings):
    """Unconfigured is a deployment error (answer 5xx so Stripe retries), not a forged request."""
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = event_payload()
    with pytest.raises(StripeNotConfigured, match="STRIPE_WEBHOOK_SECRET"):
        parse_webhook_event(payload, signed(payload, secret="whsec_anything"))
