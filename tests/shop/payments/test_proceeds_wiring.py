"""The books follow the shop: a paid order's proceeds, a fee Stripe reports later, a refund — each once."""

import pytest

from donations import ledger
from donations.models import JournalEntry
from donations.money import Money
from donations.proceeds import proceeds_balance
from shop.payments import refunds
from shop.payments.models import PaymentAttempt
from shop.payments.refunds import refund_order
from tests.shop.payments import stripe_responses as responses
from tests.shop.payments.test_checkout_payment import attempt, completed_event, post_event  # noqa: F401 -- fixture
from tests.shop.payments.test_refunds import pay

EUR = "EUR"


def eur(minor: int) -> Money:
    return Money(minor, EUR)


def kinds() -> list[str]:
    return list(JournalEntry.objects.order_by("sequence").values_list("kind", flat=True))


@pytest.mark.django_db(transaction=True)
def test_the_webhook_posts_the_paid_order_once_with_stripes_fee(client, attempt, stripe_http):  # noqa: F811
    stripe_http.respond(responses.session_paid())
    assert post_event(client, completed_event()).status_code == 200
    assert post_event(client, completed_event()).content == b"already processed"
    (entry,) = JournalEntry.objects.all()
    assert entry.idempotency_key == f"order-proceeds:{attempt.order_number}"
    assert ledger.account_balance("stripe-balance", EUR) == eur(responses.NET)
    assert ledger.account_balance("stripe-fees", EUR) == eur(responses.FEE)
    # 29.00 t-shirt (9.50 to make) and 6.00 shipping (its estimated cost), less Stripe's fee
    assert ledger.account_balance("aid-fund", EUR) == eur(-(responses.AMOUNT_TOTAL - responses.FEE - 950 - 600))


@pytest.mark.django_db(transaction=True)
def test_a_fee_reported_after_the_order_is_posted_once_when_it_arrives(client, attempt, stripe_http):  # noqa: F811
    stripe_http.respond(responses.session_paid_without_balance_transaction())
    assert post_event(client, completed_event()).status_code == 200
    assert kinds() == ["order_proceeds"]
    assert proceeds_balance(attempt.order_number).fee_pending
    for _delivery in range(2):  # Stripe delivers charge.updated again
        stripe_http.respond(responses.charge())
        assert post_event(client, responses.charge_updated_event()).status_code == 200
    assert kinds() == ["order_proceeds", "adjustment"]
    assert ledger.account_balance("stripe-balance", EUR) == eur(responses.NET)
    assert not proceeds_balance(attempt.order_number).fee_pending


@pytest.mark.django_db
def test_a_recorded_refund_is_posted_once(client, tshirt, shipping_methods, stripe_http, django_user_model):
    order = pay(client, stripe_http, tshirt)
    assert PaymentAttempt.objects.get().order == order
    staff = django_user_model.objects.create_user(username="volunteer", password="pw-123456", is_staff=True)
    stripe_http.respond(responses.refund(amount=1500))
    made = refund_order(order, amount=eur(1500), requested_by=staff, reason="Parcel lost by the post")
    refund_entry = JournalEntry.objects.get(kind="refund")
    assert refund_entry.idempotency_key == f"order-refund:{order.number}:refund-{made.pk}"
    assert ledger.account_balance("stripe-balance", EUR) == eur(responses.NET - 1500)
    assert proceeds_balance(order.number).unrefunded == eur(2000)
    refunds.refund_recorded(made)  # a second call (a retry) posts nothing more
    assert kinds() == ["order_proceeds", "refund"]
