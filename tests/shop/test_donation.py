"""The gift's amount rules (shop/donation.py)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from shop.donation import parse_donation_amount


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "between 2.00 and 5,000.00 EUR"),
    ("uk", "від 2,00 до 5\u00a0000,00 EUR"),
])
def test_the_limits_in_an_error_are_written_as_the_pages_language_writes_numbers(settings, language, expected):
    settings.DONATION_MIN_AMOUNT, settings.DONATION_MAX_AMOUNT = "2.00", "5000.00"
    with translation.override(language), pytest.raises(ValidationError) as error:
        parse_donation_amount("1")
    assert expected in error.value.messages[0]
