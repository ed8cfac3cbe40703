import pytest

from shop.payments import stripe_gateway
from tests.shop.payments.test_stripe_gateway import API_BASE, SECRET_KEY, WEBHOOK_SECRET, RecordingHTTPClient


@pytest.fixture
def stripe_http(settings, monkeypatch):
    """Stripe's side replayed at the wire by the real stripe library; nothing leaves the machine.

    Stripe's hosted payment page cannot run here: tests stand in for the
    customer by replaying what Stripe answers and posting the events it signs.
    """
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = API_BASE
    recording = RecordingHTTPClient()
    monkeypatch.setattr(stripe_gateway, "_default_http_client", lambda: recording)
    return recording
