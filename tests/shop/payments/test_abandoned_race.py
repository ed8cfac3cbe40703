"""The supporter comes back to the shop at the very moment they pay in another tab.

Real PostgreSQL, the real offline stand-in (its payment page charges through
localstripe and sends the signed ``checkout.session.completed`` webhook to the
live server), and two threads released together: one pays, one loads the
basket page. Whichever wins, there is exactly one order and no thawed basket,
or a thawed basket, an expired session and no order; never both, never neither.
"""

from __future__ import annotations

import random
import threading
import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from shop.payments import stripe_gateway
from shop.payments.models import PaymentAttempt, StripeEvent
from tests.shop.payments.test_checkout_payment import ADDRESS
from tests.shop.payments.test_standin import SECRET_KEY, WEBHOOK_SECRET, call, start_standin, stop

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")

ROUNDS = 8
# Seconds the payment starts after the return (negative: before), round by round: dead
# heats, and head starts either way so that both sides surely win some rounds.
PAY_DELAYS = (0.0, 0.05, -0.5, 0.5)

pytestmark = [
    pytest.mark.skipif(
        "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
        reason="needs PostgreSQL's row locks and concurrent connections; SQLite serialises whole requests",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def standin(live_server, settings):
    running = start_standin(live_server.url + "/checkout/stripe/webhook/")
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = running.url
    yield running
    stop(running.process)
    running.log.unlink(missing_ok=True)


def press_pay(tshirt) -> tuple[Client, PaymentAttempt, str]:
    parent, children = tshirt
    supporter = Client()
    supporter.post(reverse("basket:add", kwargs={"pk": parent.pk}), {"quantity": 1, "child_id": children[0].pk})
    supporter.post(reverse("checkout:index"), {"username": "olena@example.org", "options": "anonymous"})
    supporter.post(reverse("checkout:shipping-address"), ADDRESS)
    supporter.get(reverse("checkout:shipping-method"))
    response = supporter.post(reverse("checkout:preview"), {"action": "place_order"})
    assert response.status_code == 302, response.content
    return supporter, PaymentAttempt.objects.latest("id"), response["Location"]


def settled(attempt: PaymentAttempt, session_status: str, timeout: float = 20) -> None:
    """Wait for the webhooks the race set off: the order placed, or the expiry event applied."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if session_status == "complete" and Order.objects.filter(number=attempt.order_number).exists():
            return
        if session_status == "expired" and StripeEvent.objects.filter(
            type="checkout.session.expired", data_object__id=attempt.stripe_session_id, processed_at__isnull=False
        ).exists():
            return
        time.sleep(0.1)
    raise AssertionError(f"attempt {attempt.order_number}: the {session_status} webhook never landed")


def test_return_and_payment_at_once_make_one_order_or_one_basket_never_both(standin, tshirt, shipping_methods):
    outcomes = [race_once(standin, tshirt, PAY_DELAYS[index % len(PAY_DELAYS)]) for index in range(ROUNDS)]
    assert Order.objects.count() == outcomes.count("complete")
    assert set(outcomes) == {"complete", "expired"}, outcomes  # both sides of the race were run
    print(f"outcomes over {ROUNDS} rounds: {outcomes}")  # which side won, for whoever reads the log


def race_once(standin, tshirt, pay_delay: float) -> str:
    """One supporter pays and comes back at once; the session's final status, once all is settled."""
    supporter, attempt, pay_url = press_pay(tshirt)
    barrier = threading.Barrier(2)
    seen: dict[str, object] = {}
    errors: list[BaseException] = []

    def pay() -> None:
        try:
            barrier.wait()
            time.sleep(max(pay_delay, 0) + random.uniform(0, 0.03))
            status, _, _ = call(standin.url, "POST", urlsplit(pay_url).path, {"card": "visa"})
            seen["pay"] = status
        except BaseException as exc:  # noqa: BLE001 -- asserted below
            errors.append(exc)
        finally:
            connection.close()

    def come_back() -> None:
        try:
            barrier.wait()
            time.sleep(max(-pay_delay, 0) + random.uniform(0, 0.03))
            seen["back"] = supporter.get(reverse("basket:summary"))
        except BaseException as exc:  # noqa: BLE001 -- asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay), threading.Thread(target=come_back)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []

    session = stripe_gateway.retrieve_checkout_session(attempt.stripe_session_id)
    assert session.status in ("complete", "expired")
    settled(attempt, session.status)
    attempt.refresh_from_db()
    basket = Basket.objects.get(pk=attempt.basket_id)
    orders = Order.objects.filter(number=attempt.order_number).count()
    back = seen["back"]
    if session.status == "complete":
        assert seen["pay"] == 303  # charged, sent on to the shop's return page
        assert orders == 1
        assert attempt.status == PaymentAttempt.Status.PAID
        assert basket.status == Basket.SUBMITTED
        # The thread has no language of its own: /uk/ or /en/, the thank-you page either way.
        assert back.status_code == 302 and back["Location"].endswith("/checkout/thank-you/")
    else:
        assert seen["pay"] == 409  # the page refuses an expired session: nothing charged
        assert orders == 0
        assert attempt.status == PaymentAttempt.Status.EXPIRED
        assert basket.status == Basket.OPEN
        assert back.status_code == 200 and back.context["basket"].id == basket.id
    return session.status
