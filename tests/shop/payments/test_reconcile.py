"""reconcile_stripe: what the shop missed from Stripe is applied once; bad input and outages change nothing."""

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from oscar.core.loading import get_model

from donations.money import Money
from shop.payments import stripe_gateway
from shop.payments.fulfilment import fulfil_checkout_session
from shop.payments.models import PaymentAttempt, Refund, StripeEvent
from shop.payments.refunds import RefundFailed, refund_order
from tests.shop.payments import stripe_responses as responses
from tests.shop.payments.test_checkout_payment import attempt  # noqa: F401 -- a fixture

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")

TODAY = "today"


def reconcile(*args: str, since: str = TODAY, verbosity: int = 1) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    since = timezone.localdate().isoformat() if since == TODAY else since
    call_command("reconcile_stripe", "--since", since, *args, verbosity=verbosity, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def stripe_lists(stripe_http, *, sessions=(), events=()):
    """Stripe's answers to the two questions every run asks first."""
    stripe_http.respond(responses.session_list_page(list(sessions), has_more=False))
    stripe_http.respond(responses.event_list_page(list(events), has_more=False))


@pytest.fixture
def opened(attempt, stripe_http):  # noqa: F811
    """A guest pressed "Pay" and Stripe opened the session; the requests made so far are not reconciliation's."""
    stripe_http.requests.clear()
    return attempt


def place_order(stripe_http, session=None):
    stripe_http.respond(session or responses.session_paid())
    order = fulfil_checkout_session(stripe_gateway.retrieve_checkout_session(responses.SESSION_ID))
    stripe_http.requests.clear()
    return order


@pytest.mark.django_db
def test_a_missed_paid_session_becomes_one_order(opened, stripe_http):
    stripe_lists(stripe_http, sessions=[responses.session_completed_unexpanded()])
    stripe_http.respond(responses.session_paid())
    out, err = reconcile()

    sessions, events, retrieve = stripe_http.requests
    midnight = int(timezone.make_aware(datetime.combine(timezone.localdate(), time.min)).timestamp())
    assert (sessions.method, sessions.path) == ("get", "/v1/checkout/sessions")
    assert sessions.query == {"created[gte]": [str(midnight)], "limit": ["100"]}
    assert events.path == "/v1/events"
    assert events.query["created[gte]"] == [str(midnight)]
    assert "charge.refunded" in {value for key, (value,) in events.query.items() if key.startswith("types[")}
    assert retrieve.path == f"/v1/checkout/sessions/{responses.SESSION_ID}"
    order = Order.objects.get()
    assert order.number == opened.order_number
    assert f"changed: Checkout Session {responses.SESSION_ID}: paid, placed order {order.number}" in out
    assert "1 change(s)." in out
    assert err == ""

    stripe_http.requests.clear()
    stripe_lists(stripe_http, sessions=[responses.session_completed_unexpanded()])
    out, _ = reconcile()
    assert len(stripe_http.requests) == 2  # the two lists, nothing more
    assert "0 change(s)." in out
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_a_missed_expiry_gives_the_basket_back(opened, stripe_http):
    stripe_lists(stripe_http, sessions=[responses.session_expired()])
    out, _ = reconcile()

    opened.refresh_from_db()
    assert opened.status == PaymentAttempt.Status.EXPIRED
    assert Basket.objects.get(pk=opened.basket_id).status == Basket.OPEN
    assert f"expired, gave basket {opened.basket_id} back" in out

    stripe_lists(stripe_http, sessions=[responses.session_expired()])
    assert "0 change(s)." in reconcile()[0]


@pytest.mark.django_db
def test_an_older_expired_session_does_not_thaw_a_basket_paid_for_again(opened, stripe_http):
    PaymentAttempt.objects.create(
        order_number=f"{opened.order_number}-2", basket_id=opened.basket_id, email=opened.email,
        currency="EUR", total_minor=3500, idempotency_key="checkout-second", stripe_session_id="cs_test_second",
    )
    stripe_lists(stripe_http, sessions=[responses.session_expired()])
    assert "0 change(s)." in reconcile()[0]
    assert Basket.objects.get(pk=opened.basket_id).status == Basket.FROZEN


@pytest.mark.django_db
def test_a_missed_event_is_applied_once(opened, stripe_http):
    event = responses.checkout_session_completed_event()
    stripe_lists(stripe_http, events=[event])
    stripe_http.respond(responses.session_paid())  # the webhook code fetches the fee
    out, _ = reconcile()

    order = Order.objects.get()
    subject = f"Event {responses.EVENT_ID} (checkout.session.completed)"
    assert f"changed: {subject}: missed, applied: order {order.number}" in out
    assert StripeEvent.objects.get().processed_at is not None

    stripe_lists(stripe_http, events=[event])
    assert "0 change(s)." in reconcile()[0]
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_events_about_another_integrations_payments_are_neither_applied_nor_reported(opened, stripe_http):
    elsewhere = {"id": "cs_test_elsewhere", "client_reference_id": "other-app-1", "metadata": {}}
    session_event = responses.event("checkout.session.completed", responses.session_completed_unexpanded() | elsewhere,
                                    event_id="evt_elsewhere_1")
    charge_event = responses.event(
        "charge.refunded", responses.charge_refunded(amount_refunded=1000) | {"payment_intent": "pi_x", "metadata": {}},
        event_id="evt_elsewhere_2",
    )
    stripe_lists(stripe_http, events=[session_event, charge_event])
    out, err = reconcile()
    assert "0 change(s)." in out and "not applied" not in out + err
    assert Order.objects.count() == 0 and StripeEvent.objects.count() == 0
    assert len(stripe_http.requests) == 2  # only the two lists


@pytest.mark.django_db
def test_a_missed_fee_is_recorded(opened, stripe_http):
    place_order(stripe_http, responses.session_paid_without_balance_transaction())
    stripe_lists(stripe_http, sessions=[responses.session_completed_unexpanded()])
    stripe_http.respond(responses.session_paid())
    out, _ = reconcile()
    opened.refresh_from_db()
    assert (opened.fee_minor, opened.net_minor) == (responses.FEE, responses.NET)
    assert "recorded Stripe's fee 0.78 EUR" in out


@pytest.mark.django_db
def test_a_refund_made_in_stripe_while_webhooks_were_down_is_recorded_once(opened, stripe_http):
    order = place_order(stripe_http)
    refunded = responses.charge_refunded_event(amount_refunded=1000)
    stripe_lists(stripe_http, sessions=[responses.session_completed_unexpanded()], events=[refunded])
    out, _ = reconcile()

    made = Refund.objects.get()
    assert (made.order, made.origin, made.amount) == (order, Refund.Origin.STRIPE, Money(1000, "EUR"))
    assert "missed, applied: refund of 10.00 EUR recorded" in out

    stripe_lists(stripe_http, sessions=[responses.session_completed_unexpanded()], events=[refunded])
    assert "0 change(s)." in reconcile()[0]
    assert Refund.objects.count() == 1


@pytest.mark.django_db
def test_a_dashboard_refund_stripe_did_not_answer_is_sent_again_with_its_key(opened, stripe_http, admin_user):
    order = place_order(stripe_http)
    stripe_http.respond(responses.error_body("Stripe is down", type="api_error"), status=500, times=3)
    with pytest.raises(RefundFailed):
        refund_order(order, amount=Money(1500, "EUR"), reason="Wrong size", requested_by=admin_user)
    unanswered = Refund.objects.get()
    stripe_http.requests.clear()

    stripe_lists(stripe_http)
    stripe_http.respond(responses.refund(amount=1500))
    out, _ = reconcile()

    resent = stripe_http.requests[-1]
    assert (resent.path, resent.headers["Idempotency-Key"]) == ("/v1/refunds", unanswered.idempotency_key)
    unanswered.refresh_from_db()
    assert unanswered.status == Refund.Status.SUCCEEDED
    assert f"Refund {unanswered.pk} of order {order.number}: Stripe's answer recorded: 15.00 EUR refunded" in out
    stripe_lists(stripe_http)
    assert "0 change(s)." in reconcile()[0]


@pytest.mark.django_db
def test_a_dry_run_reports_and_changes_nothing(opened, stripe_http):
    stripe_lists(stripe_http, sessions=[responses.session_completed_unexpanded()],
                 events=[responses.checkout_session_completed_event()])
    out, _ = reconcile("--dry-run")
    assert "would change: Checkout Session" in out and f"would place order {opened.order_number}" in out
    assert "missed, would apply it" in out
    assert "2 change(s) would be made (dry run: nothing changed)." in out
    assert len(stripe_http.requests) == 2
    assert Order.objects.count() == 0
    assert StripeEvent.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("since", ["2026-13-01", "2026-02-30", "yesterday", "20261101", "", "future"])
def test_a_bad_since_is_refused_before_asking_stripe(stripe_http, since):
    if since == "future":
        since = (timezone.localdate() + timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="YYYY-MM-DD|in the future"):
        reconcile(since=since)
    assert stripe_http.requests == []


@pytest.mark.django_db
def test_since_is_required(stripe_http):
    with pytest.raises(CommandError, match="--since"):
        call_command("reconcile_stripe")


@pytest.mark.django_db
def test_when_stripe_is_unavailable_nothing_changes_and_it_says_so(opened, stripe_http):
    stripe_http.respond(responses.error_body("Something went wrong on Stripe's end.", type="api_error"),
                        status=500, times=3)
    with pytest.raises(CommandError, match="Stripe is unavailable .* nothing else was changed"):
        reconcile()
    assert Order.objects.count() == 0
    assert Basket.objects.get(pk=opened.basket_id).status == Basket.FROZEN


@pytest.mark.django_db
def test_quiet_mode_is_silent_when_all_is_well_but_still_reports_problems(opened, stripe_http):
    stripe_lists(stripe_http, sessions=[responses.session_expired()])
    assert reconcile(verbosity=0) == ("", "")

    wrong_amount = responses.session_completed_unexpanded() | {"amount_total": 100}
    stripe_lists(stripe_http, sessions=[wrong_amount])
    stripe_http.respond(responses.session_paid() | {"amount_total": 100})
    err = StringIO()
    with pytest.raises(CommandError, match="1 item\\(s\\) could not be applied"):
        call_command("reconcile_stripe", "--since", timezone.localdate().isoformat(), verbosity=0, stderr=err)
    assert f"problem: Checkout Session {responses.SESSION_ID}: not applied: Checkout Session" in err.getvalue()
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_without_a_stripe_key_it_says_what_is_missing(settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(CommandError, match="Stripe is not configured .*STRIPE_SECRET_KEY is not set"):
        reconcile()


@pytest.mark.django_db
def test_only_a_charges_newest_refund_event_is_read_as_stripes_total(opened, stripe_http, client, admin_user, caplog):
    from tests.shop.payments.test_checkout_payment import post_event

    order = place_order(stripe_http)
    stripe_http.respond(responses.refund(amount=1500))
    refund_order(order, amount=Money(1500, "EUR"), reason="Wrong size", requested_by=admin_user)
    echo = responses.charge_refunded_event(amount_refunded=1500, event_id="evt_refund_a")  # records nothing
    later = responses.charge_refunded_event(amount_refunded=3500, event_id="evt_refund_b")  # the rest, in Stripe
    later["created"] += 60
    post_event(client, echo)
    post_event(client, later)
    assert Refund.objects.count() == 2

    stripe_lists(stripe_http, events=[later, echo])  # Stripe lists newest first
    with caplog.at_level("WARNING", logger="shop.payments.refunds"):
        assert "0 change(s)." in reconcile()[0]
    assert [r.message for r in caplog.records if r.name == "shop.payments.refunds" and r.levelname == "WARNING"] == []
    assert Refund.objects.count() == 2
