import datetime

import pytest

from donations import ledger
from donations.checkpoints import encode_signing_key, generate_signing_key
from donations.money import Money

TEST_ORIGIN = "proceeds.test/ledger"


@pytest.fixture(scope="session")
def _test_signing_key():
    return generate_signing_key(TEST_ORIGIN)


@pytest.fixture(autouse=True)
def ledger_key(settings, _test_signing_key):
    """Every ledger test signs with a throwaway key (pytest-django runs with DEBUG off)."""
    settings.LEDGER_LOG_ORIGIN = TEST_ORIGIN
    settings.LEDGER_SIGNING_KEY = encode_signing_key(_test_signing_key)
    settings.LEDGER_VERIFIER_KEY = ""
    return _test_signing_key


@pytest.fixture
def books(db):
    """The chart of accounts, whatever an earlier flush left of the migration's copy."""
    ledger.open_accounts()


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def post_sale(*, gross: int = 3000, fee: int = 100, key: str | None = None, day: int = 1, **kwargs):
    """A paid order as the proceeds posting will make it: gross in, fee out, the net owed to aid."""
    return ledger.post_entry(
        kind="order_proceeds",
        effective_date=datetime.date(2025, 3, day),
        memo=kwargs.pop("memo", "order 100001"),
        postings=[
            ("stripe-balance", eur(gross - fee)),
            ("stripe-fees", eur(fee)),
            ("merch-sales", eur(-gross)),
        ],
        idempotency_key=key,
        **kwargs,
    )
