"""A made-up but Stripe-like processing fee for the stand-in's charges.

localstripe's balance transactions carry ``fee: 0``, which would let code that
ignores the fee, or books the gross as the net, look right offline. So the
stand-in puts a fee of the shape Stripe charges European cards on every charge
it makes: 1.5% plus 0.25 of the charge's currency, rounded half up in minor
units (3500 cents pay 78, as in tests/shop/payments/stripe_responses.py).
It is not any real tariff.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from donations.money import currency_exponent

PERCENT = Decimal("1.5")
FIXED = Decimal("0.25")


def fee_for(amount: int, currency: str) -> int:
    """The fee, in minor units, on a charge of ``amount`` minor units; never more than the amount."""
    fixed_minor = FIXED.scaleb(currency_exponent(currency.upper()))
    fee = (Decimal(amount) * PERCENT / 100 + fixed_minor).to_integral_value(ROUND_HALF_UP)
    return min(int(fee), amount)


def with_fee(balance_transaction: dict[str, Any]) -> dict[str, Any]:
    """A localstripe charge balance transaction with the fee applied: fee, fee_details and net."""
    if balance_transaction.get("type") != "charge":
        return balance_transaction  # refunds' balance transactions carry no fee at Stripe either
    amount = balance_transaction["amount"]
    currency = balance_transaction["currency"]
    fee = fee_for(amount, currency)
    return {
        **balance_transaction,
        "fee": fee,
        "net": amount - fee,
        "fee_details": [
            {
                "amount": fee,
                "application": None,
                "currency": currency,
                "description": "Stripe processing fees (made up by the offline stand-in)",
                "type": "stripe_fee",
            }
        ],
    }
