from decimal import Decimal

import pytest

from donations.money import Money, MoneyError, round_to_minor


def test_money_keeps_integer_minor_units_and_normalises_the_currency():
    amount = Money(1250, " eur ")
    assert amount.minor == 1250
    assert amount.currency == "EUR"
    assert str(amount) == "12.50 EUR"


@pytest.mark.parametrize("minor", [12.5, 1.0, "100", True, Decimal("1")])
def test_money_refuses_anything_but_an_integer(minor):
    with pytest.raises(MoneyError, match="integer"):
        Money(minor, "EUR")


@pytest.mark.parametrize("currency", ["", "XXX", "EURO", "eu", None])
def test_money_refuses_unknown_currencies(currency):
    with pytest.raises(MoneyError, match="Unknown currency"):
        Money(100, currency)


def test_from_decimal_converts_at_the_currency_exponent():
    assert Money.from_decimal("12.34", "EUR") == Money(1234, "EUR")
    assert Money.from_decimal(Decimal("1.5"), "UAH") == Money(150, "UAH")


def test_from_decimal_refuses_floats_fractions_of_a_minor_unit_and_non_numbers():
    with pytest.raises(MoneyError, match="Floats"):
        Money.from_decimal(12.34, "EUR")
    with pytest.raises(MoneyError, match="more decimals"):
        Money.from_decimal("0.001", "EUR")
    for bad in ("ten", "NaN", "Infinity"):
        with pytest.raises(MoneyError, match="Not an amount"):
            Money.from_decimal(bad, "EUR")


def test_to_decimal_round_trips():
    assert Money(-5, "EUR").to_decimal() == Decimal("-0.05")
    assert Money.from_decimal(Money(123456, "PLN").to_decimal(), "PLN") == Money(123456, "PLN")


def test_arithmetic_stays_within_one_currency():
    assert Money(100, "EUR") + Money(50, "EUR") == Money(150, "EUR")
    assert Money(100, "EUR") - Money(150, "EUR") == Money(-50, "EUR")
    assert -Money(100, "EUR") == Money(-100, "EUR")
    assert Money.zero("UAH") == Money(0, "UAH")
    with pytest.raises(MoneyError, match="Cannot combine EUR with UAH"):
        Money(100, "EUR") + Money(100, "UAH")
    with pytest.raises(TypeError):
        Money(100, "EUR") + 5


def test_round_to_minor_rounds_half_up():
    assert round_to_minor(Decimal("12.345"), "EUR") == Money(1235, "EUR")
    assert round_to_minor(Decimal("-12.345"), "EUR") == Money(-1235, "EUR")
    assert round_to_minor(Decimal("0.004"), "EUR") == Money(0, "EUR")


@pytest.mark.parametrize("amount", ["1e999999999", "9" * 40, "1E+100000", "92233720368547758.08"])
def test_from_decimal_refuses_amounts_beyond_what_the_books_can_hold(amount):
    # Not decimal.Overflow from deep inside, and not a 300,000-digit integer on its way to the database.
    with pytest.raises(MoneyError, match="too large"):
        Money.from_decimal(amount, "EUR")


def test_from_decimal_refuses_a_vanishing_amount_instead_of_making_it_zero():
    # The default decimal context would clamp 1e-999999999 to zero: money lost without an error.
    with pytest.raises(MoneyError, match="more decimals"):
        Money.from_decimal("1e-999999999", "EUR")


def test_the_largest_amount_the_books_hold_is_still_money():
    assert Money.from_decimal("92233720368547758.07", "EUR").minor == 2**63 - 1
    with pytest.raises(MoneyError, match="too large"):
        Money(-(2**63), "EUR")
