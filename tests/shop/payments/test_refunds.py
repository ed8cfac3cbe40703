"""Refunds: from the dashboard to Stripe and onto the order's books once; from Stripe's dashboard by webhook."""

import threading
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_model

from donations.money import Money
from shop.payments import refunds, stripe_gateway
from shop.payments.fulfilment import fulfil_checkout_session
from shop.payments.models import PaymentAttempt, Refund, StripeEvent
from shop.payments.refunds import (
    RefundFailed,
    RefundRefused,
    amount_for_lines,
    record_refund_from_stripe,
    refund_balance,
    refund_order,
)
from tests.shop.payments import stripe_responses as responses
from tests.shop.payments.test_checkout_payment import ADDRESS, post_event

PaymentEvent = get_model("order", "PaymentEvent")
Source = get_model("payment", "Source")
Transaction = get_model("payment", "Transaction")

EUR = "EUR"
REQUEST_KEY = "0123456789abcdef0123456789abcdef"


def pay(client, stripe_http, tshirt, *, quantity: int = 1):
    """A guest buys ``quantity`` t-shirts shipped to Germany; Stripe's webhook places the order."""
    parent, children = tshirt
    client.post(reverse("basket:add", kwargs={"pk": parent.pk}), {"quantity": quantity, "child_id": children[0].pk})
    client.post(reverse("checkout:index"), {"username": responses.CUSTOMER_EMAIL, "options": "anonymous"})
    client.post(reverse("checkout:shipping-address"), ADDRESS)
    client.get(reverse("checkout:shipping-method"))
    stripe_http.respond(responses.session_open())
    client.post(reverse("checkout:preview"), {"action": "place_order"})
    attempt = PaymentAttempt.objects.get()
    stripe_http.respond(responses.session_paid() | {"amount_total": attempt.total_minor})
    order = fulfil_checkout_session(stripe_gateway.retrieve_checkout_session(responses.SESSION_ID))
    stripe_http.requests.clear()
    return order


@pytest.fixture
def order(client, tshirt, shipping_methods, stripe_http):
    """Order for one 29.00 EUR t-shirt and 6.00 EUR shipping, paid by card: 3500 cents, as in the replies."""
    return pay(client, stripe_http, tshirt)


@pytest.fixture
def staff(django_user_model):
    """A volunteer. Refunding needs is_staff only; Oscar 4.2's own order page also wants order.view_order."""
    volunteer = django_user_model.objects.create_user(
        username="volunteer", email="volunteer@example.org", password="pw-123456", is_staff=True
    )
    volunteer.user_permissions.add(Permission.objects.get(content_type__app_label="order", codename="view_order"))
    return volunteer


@pytest.fixture
def ledger(monkeypatch):
    """Every refund the ledger hook is given, in order."""
    posted = []
    monkeypatch.setattr(refunds, "refund_recorded", posted.append)
    return posted


def refund(order, staff, minor: int, **kwargs):
    kwargs.setdefault("reason", "Parcel lost by the post; customer asked for her money back")
    return refund_order(order, amount=Money(minor, EUR), requested_by=staff, **kwargs)


def refund_events(order):
    return list(PaymentEvent.objects.filter(order=order, event_type__code="refunded"))


def stripe_source(order):
    return Source.objects.get(order=order)


# --- refund_order: the wire -----------------------------------------------------------


@pytest.mark.django_db
def test_a_partial_refund_sends_minor_units_and_stripes_reason_only(order, staff, stripe_http, ledger):
    stripe_http.respond(responses.refund(amount=1500))
    made = refund(order, staff, 1500)

    (request,) = stripe_http.requests
    assert (request.method, request.path) == ("post", "/v1/refunds")
    assert request.form == {
        "payment_intent": [responses.PAYMENT_INTENT_ID],
        "amount": ["1500"],
        "reason": ["requested_by_customer"],
        "metadata[order_number]": [order.number],
        "metadata[proceeds_refund]": [str(made.pk)],
    }
    assert "Parcel" not in request.post_data  # the volunteer's words stay in the shop
    assert request.headers["Idempotency-Key"] == made.idempotency_key
    assert made.idempotency_key.startswith("refund-")


@pytest.mark.django_db
def test_a_partial_refund_by_amount_is_recorded_once_on_the_order(order, staff, stripe_http, ledger):
    stripe_http.respond(responses.refund(amount=1500))
    made = refund(order, staff, 1500)

    assert (made.status, made.origin, made.stripe_refund_id) == ("succeeded", "dashboard", responses.REFUND_ID)
    assert made.requested_by == staff
    (event,) = refund_events(order)
    assert (event.amount, event.reference) == (Decimal("15.00"), responses.REFUND_ID)
    assert event.line_quantities.count() == 0  # by amount: no goods named
    assert made.payment_event == event
    source = stripe_source(order)
    assert source.amount_refunded == Decimal("15.00")
    (txn,) = source.transactions.filter(txn_type=Transaction.REFUND)
    assert (txn.amount, txn.reference, txn.status) == (Decimal("15.00"), responses.REFUND_ID, "succeeded")
    assert ledger == [made]
    assert refund_balance(order).available == Money(2000, EUR)


@pytest.mark.django_db
def test_a_full_refund_gives_back_every_line_and_shipping(order, staff, stripe_http, ledger):
    balance = refund_balance(order)
    assert balance.available == Money(3500, EUR)
    stripe_http.respond(responses.refund(amount=3500))
    made = refund(order, staff, 3500, lines=balance.line_quantities, stripe_reason="duplicate")

    assert parse_qs(stripe_http.requests[0].post_data)["reason"] == ["duplicate"]
    (event,) = refund_events(order)
    (line,) = order.lines.all()
    assert [(q.line, q.quantity) for q in event.line_quantities.all()] == [(line, 1)]
    assert stripe_source(order).amount_refunded == Decimal("35.00")
    after = refund_balance(order)
    assert after.available == Money(0, EUR)
    assert after.line_quantities == {line.pk: 0}
    assert ledger == [made]


@pytest.mark.django_db
def test_a_refund_by_line_pays_back_what_those_items_cost(client, tshirt, shipping_methods, stripe_http, staff):
    order = pay(client, stripe_http, tshirt, quantity=3)  # 3 × 29.00 + 18.00 shipping
    (line,) = order.lines.all()
    assert amount_for_lines(order, {line: 2}) == Money(5800, EUR)

    stripe_http.respond(responses.refund(amount=5800))
    refund(order, staff, 5800, lines={line: 2})

    assert parse_qs(stripe_http.requests[0].post_data)["amount"] == ["5800"]
    (event,) = refund_events(order)
    assert [(q.line_id, q.quantity) for q in event.line_quantities.all()] == [(line.pk, 2)]
    assert refund_balance(order).line_quantities == {line.pk: 1}
    assert amount_for_lines(order, {line: 1}) == Money(2900, EUR)
    with pytest.raises(RefundRefused, match="2 cannot be refunded, 1 can"):
        refund(order, staff, 2900, lines={line: 2})


# --- refund_order: what is refused ------------------------------------------------------------


@pytest.mark.django_db
def test_more_than_was_paid_less_refunded_is_refused_and_nothing_is_sent(order, staff, stripe_http, ledger):
    stripe_http.respond(responses.refund(amount=1500))
    refund(order, staff, 1500)
    stripe_http.requests.clear()

    with pytest.raises(RefundRefused, match=r"At most 20.00 EUR can be refunded: 35.00 EUR paid, 15.00 EUR refunded"):
        refund(order, staff, 2001)
    assert stripe_http.requests == []
    assert Refund.objects.count() == 1
    assert stripe_source(order).amount_refunded == Decimal("15.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount": Money(1000, "USD")}, "paid in EUR, not USD"),
        ({"amount": Money(0, EUR)}, "more than zero"),
        ({"reason": "   "}, "Say why"),
        ({"stripe_reason": "customer changed her mind"}, "Stripe's reason must be one of"),
        ({"lines": {999999: 1}}, "not on this order"),
        ({"request_key": "../../etc"}, "damaged"),
    ],
)
def test_a_request_that_cannot_be_right_is_refused(order, staff, stripe_http, change, message):
    arguments = {"amount": Money(1000, EUR), "reason": "Damaged print", "requested_by": staff, **change}
    with pytest.raises(RefundRefused, match=message):
        refund_order(order, **arguments)
    assert stripe_http.requests == []
    assert Refund.objects.count() == 0


@pytest.mark.django_db
def test_stripe_refusing_records_nothing_and_keeps_stripes_message(order, staff, stripe_http, ledger):
    stripe_http.respond(
        responses.error_body("Charge ch_3SbQ2x has already been refunded.", code="charge_already_refunded"),
        status=400,
    )
    with pytest.raises(RefundFailed, match="has already been refunded") as failure:
        refund(order, staff, 1500)

    failed = Refund.objects.get()
    assert failure.value.refund == failed
    assert failed.status == Refund.Status.FAILED
    assert "has already been refunded" in failed.failure_message
    assert refund_events(order) == []
    assert stripe_source(order).amount_refunded == Decimal("0.00")
    assert ledger == []
    assert refund_balance(order).available == Money(3500, EUR)  # a definite failure holds nothing back


# --- Idempotency ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_sending_again_after_stripe_did_not_answer_reuses_the_idempotency_key(order, staff, stripe_http, ledger):
    outage = responses.error_body("Something went wrong on Stripe's end.", type="api_error")
    stripe_http.respond(outage, status=500, times=3)  # the library's own two retries included
    with pytest.raises(RefundFailed, match="sending the same refund again is safe"):
        refund(order, staff, 1500, request_key=REQUEST_KEY)
    unanswered = Refund.objects.get()
    assert unanswered.status == Refund.Status.UNANSWERED
    assert refund_events(order) == []
    # Stripe may have refunded it: the money is not offered again meanwhile.
    assert refund_balance(order).available == Money(2000, EUR)

    stripe_http.respond(responses.refund(amount=1500))
    made = refund(order, staff, 1500, request_key=REQUEST_KEY)

    assert made.pk == unanswered.pk
    keys = {request.headers["Idempotency-Key"] for request in stripe_http.requests}
    assert keys == {f"refund-{REQUEST_KEY}"}
    assert len(stripe_http.requests) == 4
    assert [r.form["amount"] for r in stripe_http.requests] == [["1500"]] * 4
    assert made.status == Refund.Status.SUCCEEDED
    assert len(refund_events(order)) == 1
    assert ledger == [made]


@pytest.mark.django_db
def test_a_double_click_is_one_refund(order, staff, stripe_http, ledger):
    stripe_http.respond(responses.refund(amount=1500))
    first = refund(order, staff, 1500, request_key=REQUEST_KEY)
    second = refund(order, staff, 1500, request_key=REQUEST_KEY)
    assert first == second
    assert len(stripe_http.requests) == 1
    assert len(refund_events(order)) == 1
    assert stripe_source(order).amount_refunded == Decimal("15.00")


@pytest.mark.django_db
def test_the_same_form_with_another_amount_is_refused(order, staff, stripe_http):
    stripe_http.respond(responses.refund(amount=1500))
    refund(order, staff, 1500, request_key=REQUEST_KEY)
    with pytest.raises(RefundRefused, match="already sent with other amounts"):
        refund(order, staff, 1000, request_key=REQUEST_KEY)
    assert len(stripe_http.requests) == 1


@pytest.mark.django_db
def test_stripe_answering_with_another_amount_records_nothing(order, staff, stripe_http, ledger):
    stripe_http.respond(responses.refund(amount=1000))
    with pytest.raises(RefundFailed, match="Stripe refunded 10.00 EUR"):
        refund(order, staff, 1500)
    assert Refund.objects.get().status == Refund.Status.FAILED
    assert refund_events(order) == []
    assert ledger == []


# --- charge.refunded ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_charge_refunded_after_a_dashboard_refund_records_nothing_twice(client, order, staff, stripe_http, ledger):
    stripe_http.respond(responses.refund(amount=1500))
    made = refund(order, staff, 1500)

    response = post_event(client, responses.charge_refunded_event(amount_refunded=1500))
    assert response.status_code == 200, response.content
    assert response.content == b"no refund to record"
    assert list(Refund.objects.all()) == [made]
    assert len(refund_events(order)) == 1
    assert stripe_source(order).amount_refunded == Decimal("15.00")
    assert ledger == [made]
    assert post_event(client, responses.charge_refunded_event(amount_refunded=1500)).content == b"already processed"


@pytest.mark.django_db
def test_a_refund_made_in_stripes_dashboard_is_recorded_once(client, order, stripe_http, ledger):
    response = post_event(client, responses.charge_refunded_event(amount_refunded=1000, event_id="evt_refund_1"))
    assert response.status_code == 200, response.content
    assert response.content == b"refund of 10.00 EUR recorded"
    made = Refund.objects.get()
    assert (made.origin, made.amount, made.stripe_event_id) == ("stripe", Money(1000, EUR), "evt_refund_1")
    assert made.requested_by is None and made.idempotency_key is None
    (event,) = refund_events(order)
    assert (event.amount, event.reference) == (Decimal("10.00"), responses.CHARGE_ID)
    assert stripe_source(order).amount_refunded == Decimal("10.00")

    # Stripe's total has not moved: another event, or reconciliation, adds nothing.
    assert record_refund_from_stripe(_charge(1000), event_id="evt_refund_other") is None
    assert record_refund_from_stripe(_charge(1000)) is None
    assert Refund.objects.count() == 1
    assert ledger == [made]


@pytest.mark.django_db
def test_a_full_refund_in_stripe_names_the_lines_not_yet_refunded(client, order, stripe_http, ledger):
    post_event(client, responses.charge_refunded_event(amount_refunded=1000, event_id="evt_refund_1"))
    post_event(client, responses.charge_refunded_event(amount_refunded=3500, event_id="evt_refund_2"))

    second = Refund.objects.get(stripe_event_id="evt_refund_2")
    assert second.amount == Money(2500, EUR)
    (line,) = order.lines.all()
    assert second.line_quantities == {str(line.pk): 1}
    assert stripe_source(order).amount_refunded == Decimal("35.00")
    assert refund_balance(order).available == Money(0, EUR)
    assert [r.pk for r in ledger] == [Refund.objects.get(stripe_event_id="evt_refund_1").pk, second.pk]


@pytest.mark.django_db
def test_charge_refunded_waits_while_a_dashboard_refund_has_no_answer(client, order, staff, stripe_http, ledger):
    outage = responses.error_body("Something went wrong on Stripe's end.", type="api_error")
    stripe_http.respond(outage, status=500, times=3)
    with pytest.raises(RefundFailed):
        refund(order, staff, 1500, request_key=REQUEST_KEY)

    # Stripe did refund, and says so before the shop knows: the webhook must not guess.
    event = responses.charge_refunded_event(amount_refunded=1500)
    assert post_event(client, event).status_code == 503
    assert StripeEvent.objects.get().processed_at is None
    assert refund_events(order) == []

    stripe_http.respond(responses.refund(amount=1500))
    refund(order, staff, 1500, request_key=REQUEST_KEY)
    response = post_event(client, event)  # Stripe's retry
    assert (response.status_code, response.content) == (200, b"no refund to record")
    assert len(refund_events(order)) == 1
    assert stripe_source(order).amount_refunded == Decimal("15.00")
    assert len(ledger) == 1


@pytest.mark.django_db
def test_charge_refunded_for_a_payment_that_is_not_an_order_changes_nothing(client, stripe_http):
    response = post_event(client, responses.charge_refunded_event(amount_refunded=1000))
    assert (response.status_code, response.content) == (200, b"not the shop's")
    assert Refund.objects.count() == 0
    assert StripeEvent.objects.count() == 0


# --- The dashboard --------------------------------------------------------------------------------


def refund_url(order):
    return reverse("payments-dashboard:refund", kwargs={"number": order.number})


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["refund", "refund-list"])
def test_visitors_and_customers_cannot_refund(client, order, django_user_model, stripe_http, url_name):
    url = refund_url(order) if url_name == "refund" else reverse("payments-dashboard:refund-list")
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    customer = django_user_model.objects.create_user(username="c", email="c@example.org", password="pw-123456")
    client.force_login(customer)
    response = client.post(url, {"mode": "full", "reason": "x", "stripe_reason": "duplicate",
                                 "request_key": REQUEST_KEY})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert stripe_http.requests == []
    assert Refund.objects.count() == 0


@pytest.mark.django_db
def test_staff_see_a_refund_button_on_the_order_and_a_form(client, order, staff):
    client.force_login(staff)
    detail = client.get(reverse("dashboard:order-detail", kwargs={"number": order.number}))
    assert refund_url(order) in detail.content.decode()

    page = client.get(refund_url(order))
    assert page.status_code == 200
    form = page.context["form"]
    assert page.context["balance"].available == Money(3500, EUR)
    assert len(form.initial["request_key"]) == 32
    (line,) = order.lines.all()
    assert f'name="line_{line.pk}"' in page.content.decode()


@pytest.mark.django_db
def test_staff_refund_an_amount_from_the_dashboard(client, order, staff, stripe_http, ledger):
    client.force_login(staff)
    data = {"mode": "amount", "amount": "12.50", "stripe_reason": "requested_by_customer",
            "reason": "Print faded after one wash", "request_key": REQUEST_KEY}
    stripe_http.respond(responses.refund(amount=1250))
    response = client.post(refund_url(order), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:order-detail", kwargs={"number": order.number})
    made = Refund.objects.get()
    assert (made.amount, made.requested_by, made.reason) == (Money(1250, EUR), staff, "Print faded after one wash")
    assert made.idempotency_key == f"refund-{REQUEST_KEY}"
    assert stripe_http.requests[0].form["amount"] == ["1250"]

    # The browser sends the form again (a double click): the same refund, no second request.
    again = client.post(refund_url(order), data)
    assert again.status_code == 302
    assert len(stripe_http.requests) == 1
    assert Refund.objects.count() == 1


@pytest.mark.django_db
def test_staff_refund_everything_from_the_dashboard(client, order, staff, stripe_http, ledger):
    client.force_login(staff)
    stripe_http.respond(responses.refund(amount=3500))
    response = client.post(refund_url(order), {"mode": "full", "stripe_reason": "requested_by_customer",
                                               "reason": "Order cancelled", "request_key": REQUEST_KEY})
    assert response.status_code == 302
    assert stripe_http.requests[0].form["amount"] == ["3500"]
    (line,) = order.lines.all()
    assert Refund.objects.get().line_quantities == {str(line.pk): 1}

    # Sent again although it went through: still one refund, and the page says so.
    again = client.post(refund_url(order), {"mode": "full", "stripe_reason": "requested_by_customer",
                                            "reason": "Order cancelled", "request_key": REQUEST_KEY}, follow=True)
    assert "already made" in again.content.decode()
    assert len(stripe_http.requests) == 1


@pytest.mark.django_db
def test_staff_refund_chosen_items_from_the_dashboard(client, order, staff, stripe_http):
    client.force_login(staff)
    (line,) = order.lines.all()
    stripe_http.respond(responses.refund(amount=2900))
    response = client.post(refund_url(order), {"mode": "lines", f"line_{line.pk}": "1", "stripe_reason": "duplicate",
                                               "reason": "Sent twice", "request_key": REQUEST_KEY})
    assert response.status_code == 302
    assert stripe_http.requests[0].form["amount"] == ["2900"]
    assert Refund.objects.get().line_quantities == {str(line.pk): 1}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"mode": "amount", "amount": "35.01"}, "At most 35.00 EUR can be refunded"),
        ({"mode": "amount"}, "Enter the amount to refund."),
        ({"mode": "amount", "amount": "1.005"}, "Enter an amount in EUR."),
        ({"mode": "lines"}, "Say how many of which items to refund."),
        ({"mode": "full", "reason": ""}, "This field is required."),
    ],
)
def test_a_bad_refund_form_is_shown_again_and_nothing_is_sent(client, order, staff, stripe_http, data, error):
    client.force_login(staff)
    form = {"stripe_reason": "requested_by_customer", "reason": "Because", "request_key": REQUEST_KEY, **data}
    response = client.post(refund_url(order), form)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert stripe_http.requests == []
    assert Refund.objects.count() == 0


@pytest.mark.django_db
def test_when_stripe_refuses_the_dashboard_says_so_and_records_nothing(client, order, staff, stripe_http):
    client.force_login(staff)
    stripe_http.respond(responses.error_body("This charge is disputed.", code="charge_disputed"), status=400)
    response = client.post(refund_url(order), {"mode": "full", "stripe_reason": "requested_by_customer",
                                               "reason": "Wrong size", "request_key": REQUEST_KEY})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not refunded" in page and "This charge is disputed." in page
    assert Refund.objects.get().status == Refund.Status.FAILED
    assert refund_events(order) == []


@pytest.mark.django_db
def test_the_refund_list_does_not_query_per_refund(client, order, staff, stripe_http):
    client.force_login(staff)
    url = reverse("payments-dashboard:refund-list")
    record_refund_from_stripe(_charge(500), event_id="evt_a")
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for index, total in enumerate((1000, 1500, 2000), start=1):
        record_refund_from_stripe(_charge(total), event_id=f"evt_{index}")
    with CaptureQueriesContext(connection) as four:
        response = client.get(url)
    assert len(response.context["refunds"]) == 4
    assert len(four) == len(one)


def _charge(amount_refunded: int) -> stripe_gateway.ChargeFees:
    return stripe_gateway.ChargeFees(
        charge_id=responses.CHARGE_ID, payment_intent_id=responses.PAYMENT_INTENT_ID,
        amount=Money(responses.AMOUNT_TOTAL, EUR), amount_refunded=Money(amount_refunded, EUR),
        fee=None, net=None, balance_transaction_id=None,
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_volunteers_refunding_at_once_cannot_give_back_more_than_was_paid(order, staff, stripe_http):
    """Each asks for 20.00 of the 35.00 at the same moment; the Source's row lock lets exactly one through."""
    stripe_http.respond(responses.refund(amount=2000))
    barrier = threading.Barrier(2)
    outcomes = []

    def volunteer(key):
        try:
            barrier.wait()
            outcomes.append(refund(order, staff, 2000, request_key=key).status)
        except RefundRefused as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=volunteer, args=(key * 32,)) for key in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The second sees the first either still awaiting Stripe's answer or already refunded: 15.00 left either way.
    refused = [outcome for outcome in outcomes if outcome != "succeeded"]
    assert len(refused) == 1 and refused[0].startswith("At most 15.00 EUR can be refunded")
    assert len(stripe_http.requests) == 1
    assert Refund.objects.count() == 1
    assert stripe_source(order).amount_refunded == Decimal("20.00")


@pytest.mark.django_db(transaction=True)
def test_a_crash_while_stripe_is_asked_leaves_the_request_and_its_key_to_send_again(client, order, staff, stripe_http):
    """The form's request is committed before Stripe is called, whatever the request's own transaction does."""
    client.force_login(staff)
    stripe_http.fail(RuntimeError("worker killed mid-call"))
    with pytest.raises(RuntimeError):
        client.post(refund_url(order), {"mode": "amount", "amount": "15.00", "stripe_reason": "requested_by_customer",
                                        "reason": "Wrong size", "request_key": REQUEST_KEY})
    left = Refund.objects.get()
    assert (left.status, left.idempotency_key) == (Refund.Status.REQUESTED, f"refund-{REQUEST_KEY}")
    assert refund_events(order) == []
    assert refund_balance(order).available == Money(2000, EUR)  # maybe refunded: not offered again
