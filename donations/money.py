"""Money as integer minor units with an explicit currency.

Every amount that Proceeds stores or moves is a ``Money``. ``Decimal`` appears
only at the edges (Oscar prices, forms, Stripe) and is converted here, so that
no float and no currency-less number ever reaches the books.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import (
    ROUND_HALF_UP,
    Clamped,
    Context,
    Decimal,
    DecimalException,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
    Subnormal,
    Underflow,
)

# ISO 4217 minor-unit exponents that differ from 2 and that the campaign may meet.
_EXPONENTS: dict[str, int] = {"JPY": 0, "KRW": 0, "HUF": 2, "BHD": 3, "KWD": 3}
# Currencies the shop and the books accept; extend with care (rates, reports).
KNOWN_CURRENCIES = frozenset(
    {"EUR", "UAH", "USD", "PLN", "GBP", "CHF", "CZK", "SEK", "NOK", "DKK", "CAD", "HUF", "RON", "MDL", "GEL"}
)


# The books keep minor units in 64-bit integers (BigIntegerField): nothing larger is money here.
MAX_MINOR = 2**63 - 1
# Wide enough for any amount a person can type, exact, and raising instead of rounding or clamping to zero.
_EXACT = Context(
    prec=60, Emax=10**6, Emin=-(10**6),
    traps=[InvalidOperation, Overflow, Underflow, Subnormal, Inexact, Rounded, Clamped],
)


class MoneyError(ValueError):
    """An amount or currency that cannot be money."""


def currency_exponent(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


def normalise_currency(currency: str) -> str:
    code = (currency or "").strip().upper()
    if code not in KNOWN_CURRENCIES:
        raise MoneyError(f"Unknown currency {currency!r}")
    return code


@dataclass(frozen=True, order=True)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise MoneyError(f"Minor units must be an integer, not {self.minor!r}")
        if abs(self.minor) > MAX_MINOR:
            raise MoneyError("The amount is too large to be money")
        object.__setattr__(self, "currency", normalise_currency(self.currency))

    @classmethod
    def from_decimal(cls, amount: Decimal | str, currency: str) -> Money:
        """Convert a decimal amount, refusing anything finer than the currency's minor unit."""
        if isinstance(amount, float):
            raise MoneyError("Floats are never money: pass a Decimal or a string")
        try:
            value = Decimal(amount)
        except (InvalidOperation, TypeError) as exc:
            raise MoneyError(f"Not an amount: {amount!r}") from exc
        if not value.is_finite():
            raise MoneyError(f"Not an amount: {amount!r}")
        exponent = currency_exponent(normalise_currency(currency))
        if value and value.adjusted() > len(str(MAX_MINOR)):
            raise MoneyError("The amount is too large to be money")
        try:
            scaled = value.scaleb(exponent, context=_EXACT)
            whole = scaled.to_integral_value(context=_EXACT)
        except DecimalException as exc:
            raise MoneyError(f"{amount} has more decimals than {currency} allows") from exc
        if scaled != whole:
            raise MoneyError(f"{amount} has more decimals than {currency} allows")
        return cls(int(whole), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def to_decimal(self) -> Decimal:
        exponent = currency_exponent(self.currency)
        return (Decimal(self.minor).scaleb(-exponent)).quantize(Decimal(1).scaleb(-exponent))

    def _same_currency(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"Cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(f"Cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __str__(self) -> str:
        return f"{self.to_decimal()} {self.currency}"


def round_to_minor(amount: Decimal, currency: str) -> Money:
    """Round a computed decimal (a rate conversion, a share) half-up to whole minor units."""
    exponent = currency_exponent(normalise_currency(currency))
    return Money(int(Decimal(amount).scaleb(exponent).quantize(Decimal(1), rounding=ROUND_HALF_UP)), currency)
