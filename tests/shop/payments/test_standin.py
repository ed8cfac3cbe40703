"""The offline Stripe stand-in, driven over real HTTP through shop.payments.stripe_gateway.

One stand-in (with its localstripe child) serves the module, started exactly
as ``make run`` starts it (``python -m shop.payments.standin``) but on free
ports, and is reset before each test. Its webhooks go to a small recording
server in this process. Connections anywhere but 127.0.0.1 fail the test.
"""

from __future__ import annotations

import http.client
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import stripe

from donations.money import Money
from shop.payments import stripe_gateway
from shop.payments.standin.config import StandinRefused, config_from_environ
from shop.payments.standin.fees import fee_for
from shop.payments.standin.page import BANNER
from shop.payments.stripe_gateway import CheckoutLine, CheckoutRequest, StripeRejected

ROOT = Path(__file__).resolve().parents[3]
SECRET_KEY = "sk_test_standin_not_a_secret"
WEBHOOK_SECRET = "whsec_standin_not_a_secret"
SUCCESS_URL = "http://127.0.0.1:8000/checkout/stripe/return/?session_id={CHECKOUT_SESSION_ID}"
CANCEL_URL = "http://127.0.0.1:8000/checkout/stripe/cancel/"
START_TIMEOUT = 20


# --- The webhook receiver ----------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    body: bytes
    signature: str | None

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


class WebhookReceiver:
    """Records what the stand-in POSTs; answers with the queued statuses, then 200."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.statuses: list[int] = []
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 -- http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver._changed:
                    receiver.deliveries.append(Delivery(body, self.headers.get("Stripe-Signature")))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver._changed.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/checkout/stripe/webhook/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 20) -> list[Delivery]:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.deliveries) >= count, timeout):
                raise AssertionError(f"Expected {count} webhook deliveries, got {len(self.deliveries)}")
            return list(self.deliveries)

    def wait_for_event(self, event_type: str, session_id: str, timeout: float = 20) -> Any:
        """The delivery of one event about one session, ignoring late retries left over from earlier tests."""

        def found():
            for delivery in self.deliveries:
                body = json.loads(delivery.body)
                if body["type"] == event_type and body["data"]["object"]["id"] == session_id:
                    return delivery
            return None

        with self._changed:
            if not self._changed.wait_for(lambda: found() is not None, timeout):
                raise AssertionError(f"No {event_type} delivered for {session_id}")
            return found()

    def clear(self) -> None:
        with self._changed:
            self.deliveries.clear()
            self.statuses.clear()


# --- The stand-in process --------------------------------------------------------------------------


@dataclass
class RunningStandin:
    process: subprocess.Popen[str]
    url: str
    localstripe_url: str
    log: Path


def start_standin(webhook_url: str, **environ: str) -> RunningStandin:
    env = {
        **os.environ,
        "DEBUG": "1",
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        **environ,
    }
    log = Path(tempfile.mkstemp(prefix="stripe-standin-", suffix=".log")[1])
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "shop.payments.standin", "--port", "0", "--localstripe-port", "0"]
            + ["--webhook-url", webhook_url],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    deadline = time.monotonic() + START_TIMEOUT
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline and process.poll() is None:
            if selector.select(timeout=0.1):
                line = process.stdout.readline()
                if line.startswith("Stripe stand-in ready:"):
                    urls = [word.rstrip(";") for word in line.split() if word.startswith("http://")]
                    return RunningStandin(process, urls[0], urls[1], log)
    stop(process)
    raise AssertionError(f"The stand-in did not start:\n{log.read_text()}")


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout:
        process.stdout.close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture(scope="module")
def standin(receiver: WebhookReceiver) -> Iterator[RunningStandin]:
    running = start_standin(receiver.url)
    yield running
    stop(running.process)
    running.log.unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    """Anything but 127.0.0.1 fails the test, and no proxy from the environment is consulted."""
    connect = socket.socket.connect

    def loopback_connect(self, address, *args, **kwargs):
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "localhost"):
            raise AssertionError(f"Test tried to connect to {address!r}")
        return connect(self, address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", loopback_connect)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def offline(standin: RunningStandin, receiver: WebhookReceiver, settings) -> RunningStandin:
    """The shop's settings pointed at a freshly reset stand-in."""
    status, _, body = call(standin.url, "POST", "/_standin/reset")
    assert status == 200, body
    receiver.clear()
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = standin.url
    return standin


# --- Helpers ------------------------------------------------------------------------------------------


def call(
    base: str, method: str, path: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """One plain HTTP request, redirects not followed: (status, headers, body)."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    body = urlencode(form) if form is not None else None
    sent = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})} if body is not None else headers
    try:
        connection.request(method, path, body=body, headers=sent or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def checkout_request(*, key: str | None = None, shipping: int = 600, email: str = "supporter@example.org"):
    return CheckoutRequest(
        order_number="100042",
        lines=(
            CheckoutLine("T-shirt “Territories are people”", Money(2900, "EUR"), 1),
            CheckoutLine("Shipping — European Union", Money(shipping, "EUR"), 1),
        ),
        customer_email=email,
        success_url=SUCCESS_URL,
        cancel_url=CANCEL_URL,
        idempotency_key=key or f"checkout-attempt-{uuid.uuid4()}",
        metadata={"attempt": "7"},
    )


def pay(standin: RunningStandin, session_id: str, **form: str) -> tuple[int, dict[str, str], str]:
    return call(standin.url, "POST", f"/checkout/pay/{session_id}", {"card": "visa", **form})


# --- A sale, start to finish ---------------------------------------------------------------------------


def test_a_paid_checkout_reaches_the_shop_as_stripe_would_send_it(offline, receiver):
    session = stripe_gateway.create_checkout_session(checkout_request())
    assert session.status == "open" and session.payment_status == "unpaid"
    assert session.amount_total == Money(3500, "EUR")
    assert session.url == f"{offline.url}/checkout/pay/{session.id}"
    assert session.id.startswith("cs_test_")

    status, _, page = call(offline.url, "GET", f"/checkout/pay/{session.id}")
    assert status == 200
    assert BANNER in page
    assert "35.00 EUR" in page and "29.00 EUR" in page
    assert f'href="{CANCEL_URL}"' in page

    status, headers, _ = pay(offline, session.id)
    assert status == 303
    assert headers["Location"] == SUCCESS_URL.replace("{CHECKOUT_SESSION_ID}", session.id)

    delivery = receiver.wait_for_event("checkout.session.completed", session.id)
    event = stripe_gateway.parse_webhook_event(delivery.body, delivery.signature)
    assert event.type == "checkout.session.completed" and event.livemode is False
    from_event = stripe_gateway.checkout_session_from_event(event)
    assert from_event.id == session.id and from_event.is_paid
    assert from_event.client_reference_id == "100042"
    assert from_event.metadata == {"attempt": "7", "order_number": "100042"}

    paid = stripe_gateway.retrieve_checkout_session(session.id)
    assert paid.is_paid and paid.url is None
    assert paid.payment_intent_id == from_event.payment_intent_id
    assert paid.customer_email == "supporter@example.org"
    assert paid.charge is not None
    assert paid.charge.charge_id.startswith("ch_") and paid.charge.balance_transaction_id.startswith("txn_")
    assert paid.charge.amount == Money(3500, "EUR")
    assert paid.charge.fee == Money(78, "EUR")  # 1.5% + 0.25, as in stripe_responses
    assert paid.charge.net == Money(3422, "EUR")

    # The PaymentIntent is localstripe's own, reached through the stand-in.
    payment_intent = stripe_gateway.stripe_client().v1.payment_intents.retrieve(paid.payment_intent_id)
    assert payment_intent.status == "succeeded" and payment_intent.amount == 3500
    assert payment_intent.metadata["order_number"] == "100042"
    assert stripe_gateway.retrieve_charge_fees(paid.charge.charge_id).fee == Money(78, "EUR")


def test_refunds_go_to_localstripe_with_stripes_rules(offline):
    session = stripe_gateway.create_checkout_session(checkout_request())
    pay(offline, session.id)
    payment_intent_id = stripe_gateway.retrieve_checkout_session(session.id).payment_intent_id

    refund = stripe_gateway.create_refund(
        payment_intent_id=payment_intent_id,
        amount=Money(1500, "EUR"),
        reason="requested_by_customer",
        idempotency_key="refund-1",
    )
    assert refund.id.startswith("re_") and refund.status == "succeeded"
    assert refund.amount == Money(1500, "EUR") and refund.reason == "requested_by_customer"
    assert refund.payment_intent_id == payment_intent_id
    again = stripe_gateway.create_refund(
        payment_intent_id=payment_intent_id,
        amount=Money(1500, "EUR"),
        reason="requested_by_customer",
        idempotency_key="refund-1",
    )
    assert again == refund  # the same key answers with the first refund, not a second one

    in_own_words = stripe_gateway.create_refund(
        payment_intent_id=payment_intent_id, amount=Money(500, "EUR"), reason="Wrong size", idempotency_key="refund-2"
    )
    assert in_own_words.reason == "requested_by_customer"
    with pytest.raises(StripeRejected) as too_much:
        stripe_gateway.create_refund(
            payment_intent_id=payment_intent_id, amount=Money(1501, "EUR"), reason=None, idempotency_key="refund-3"
        )
    assert too_much.value.param == "amount"

    charge = stripe_gateway.retrieve_checkout_session(session.id).charge
    assert charge.amount_refunded == Money(2000, "EUR")
    assert charge.fee == Money(78, "EUR")  # Stripe keeps its fee on a refund


def test_a_declined_test_card_leaves_the_session_open(offline, receiver):
    session = stripe_gateway.create_checkout_session(checkout_request())
    status, _, page = pay(offline, session.id, card="declined")
    assert status == 402
    assert "declined" in page and BANNER in page
    assert stripe_gateway.retrieve_checkout_session(session.id).status == "open"

    assert pay(offline, session.id)[0] == 303
    assert pay(offline, session.id)[0] == 303  # a second click goes to the shop again
    receiver.wait_for_event("checkout.session.completed", session.id)
    time.sleep(0.3)  # room for a wrong second delivery to arrive
    mine = [d for d in receiver.deliveries if session.id.encode() in d.body]
    assert [d.event["type"] for d in mine] == ["checkout.session.completed"]


def test_the_page_asks_for_an_email_when_the_shop_sent_none(offline):
    session = stripe_gateway.create_checkout_session(checkout_request(email=""))
    assert pay(offline, session.id)[0] == 400
    assert pay(offline, session.id, email="guest@example.org")[0] == 303
    assert stripe_gateway.retrieve_checkout_session(session.id).customer_email == "guest@example.org"


# --- Expiry and webhook retries ----------------------------------------------------------------------


def test_an_expired_session_is_announced_and_cannot_be_paid(offline, receiver):
    session = stripe_gateway.create_checkout_session(checkout_request())
    status, _, body = call(offline.url, "POST", f"/_standin/expire/{session.id}")
    assert status == 200 and json.loads(body)["status"] == "expired"

    delivery = receiver.wait_for_event("checkout.session.expired", session.id)
    event = stripe_gateway.parse_webhook_event(delivery.body, delivery.signature)
    assert event.type == "checkout.session.expired"
    assert stripe_gateway.checkout_session_from_event(event).id == session.id

    expired = stripe_gateway.retrieve_checkout_session(session.id)
    assert expired.status == "expired" and expired.url is None and not expired.is_paid
    assert pay(offline, session.id)[0] == 409
    assert call(offline.url, "POST", f"/_standin/expire/{session.id}")[0] == 400


def test_a_failed_webhook_is_retried_with_a_fresh_signature(offline, receiver):
    receiver.statuses.append(500)
    session = stripe_gateway.create_checkout_session(checkout_request())
    pay(offline, session.id)
    with receiver._changed:
        assert receiver._changed.wait_for(
            lambda: len([d for d in receiver.deliveries if session.id.encode() in d.body]) >= 2, 20
        ), "the failed delivery was not retried"
    first, second = [d for d in receiver.deliveries if session.id.encode() in d.body][:2]
    assert first.body == second.body
    assert stripe_gateway.parse_webhook_event(second.body, second.signature).type == "checkout.session.completed"


def test_reconciliation_finds_the_events_and_sessions(offline):
    since = int(time.time()) - 60
    sessions = [stripe_gateway.create_checkout_session(checkout_request(shipping=600 + n)) for n in range(3)]
    pay(offline, sessions[0].id)

    listed = list(stripe_gateway.list_checkout_sessions(created_since=since))
    assert [s.id for s in listed] == [s.id for s in reversed(sessions)]
    assert [s.is_paid for s in listed] == [False, False, True]
    assert list(stripe_gateway.list_checkout_sessions(created_since=int(time.time()) + 3600)) == []
    pages = stripe_gateway.stripe_client().v1.checkout.sessions.list(params={"limit": 2})
    assert pages.has_more is True
    assert [s.id for s in pages.auto_paging_iter()] == [s.id for s in reversed(sessions)]

    events = list(stripe_gateway.list_events(created_since=since, types=["checkout.session.completed"]))
    assert [stripe_gateway.checkout_session_from_event(e).id for e in events] == [sessions[0].id]


# --- Stripe's rules for creating sessions -------------------------------------------------------------


def test_an_idempotency_key_returns_the_first_session(offline):
    first = stripe_gateway.create_checkout_session(checkout_request(key="attempt-1"))
    assert stripe_gateway.create_checkout_session(checkout_request(key="attempt-1")).id == first.id
    with pytest.raises(StripeRejected):
        stripe_gateway.create_checkout_session(checkout_request(key="attempt-1", shipping=1800))


def test_what_stripe_refuses_the_stand_in_refuses(offline):
    client = stripe_gateway.stripe_client()
    params: dict[str, Any] = {
        "mode": "payment",
        "success_url": SUCCESS_URL,
        "line_items": [{"price_data": {"currency": "eur", "unit_amount": 100, "product_data": {"name": "Pin"}}}],
    }
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.checkout.sessions.create(params={**params, "bogus": "1"})
    assert unknown.value.param == "bogus"
    with pytest.raises(stripe.InvalidRequestError) as no_quantity:
        client.v1.checkout.sessions.create(params=params)
    assert no_quantity.value.param == "line_items[0][quantity]"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.checkout.sessions.retrieve("cs_test_unknown")
    assert missing.value.http_status == 404 and missing.value.code == "resource_missing"
    assert call(offline.url, "GET", "/checkout/pay/cs_test_unknown")[0] == 404


# --- Safety ---------------------------------------------------------------------------------------------


def test_a_live_key_is_refused_at_the_door(offline):
    status, _, body = call(offline.url, "GET", "/v1/payment_intents", headers={"Authorization": "Bearer sk_live_x"})
    assert status == 401 and "live" in json.loads(body)["error"]["message"]


def test_it_refuses_to_start_with_a_live_key(receiver):
    process = subprocess.run(
        [sys.executable, "-m", "shop.payments.standin", "--port", "0", "--localstripe-port", "0"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "1", "STRIPE_SECRET_KEY": "sk_live_abc", "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET},
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert process.returncode == 2
    assert "live key" in process.stderr and "ready" not in process.stdout


@pytest.mark.parametrize(
    ("environ", "webhook_url", "complaint"),
    [
        ({"DEBUG": "0", "STRIPE_SECRET_KEY": SECRET_KEY}, None, "DEBUG"),
        ({"STRIPE_SECRET_KEY": SECRET_KEY}, None, "DEBUG"),
        ({"DEBUG": "1", "STRIPE_SECRET_KEY": "rk_live_abc"}, None, "live key"),
        ({"DEBUG": "1", "STRIPE_SECRET_KEY": ""}, None, "test key"),
        (
            {"DEBUG": "1", "STRIPE_SECRET_KEY": SECRET_KEY},
            "https://shop.example.org/checkout/stripe/webhook/",
            "machine",
        ),
    ],
)
def test_it_refuses_unsafe_surroundings(environ, webhook_url, complaint):
    options = {"webhook_url": webhook_url} if webhook_url else {}
    with pytest.raises(StandinRefused, match=complaint):
        config_from_environ({"STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, **environ}, **options)


def test_stopping_it_stops_localstripe(receiver):
    running = start_standin(receiver.url)
    stop(running.process)
    running.log.unlink(missing_ok=True)
    for url in (running.url, running.localstripe_url):
        parts = urlsplit(url)
        deadline = time.monotonic() + 5
        while True:
            try:
                socket.create_connection((parts.hostname, parts.port), timeout=1).close()
            except ConnectionRefusedError:
                break
            assert time.monotonic() < deadline, f"{url} still answers after the stand-in stopped"
            time.sleep(0.05)


def test_the_made_up_fee_is_stripe_shaped():
    assert fee_for(3500, "eur") == 78
    assert fee_for(10, "eur") == 10  # never more than the charge
    assert fee_for(100_000, "jpy") == 1500  # 0.25 yen rounds away
