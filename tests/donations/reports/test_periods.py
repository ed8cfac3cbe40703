import datetime

import pytest

from donations.reports.periods import PeriodError, is_closed, parse_period, require_closed


@pytest.mark.parametrize(
    ("text", "code", "first", "last"),
    [
        ("2026-10", "2026-10", "2026-10", "2026-10"),
        ("2026Q3", "2026Q3", "2026-07", "2026-09"),
        ("2026q1", "2026Q1", "2026-01", "2026-03"),
        ("2026", "2026", "2026-01", "2026-12"),
    ],
)
def test_parse_period_reads_months_quarters_and_years(text, code, first, last):
    period = parse_period(text)
    assert (period.code, period.first, period.last) == (code, first, last)


@pytest.mark.parametrize("text", ["2026-13", "2026Q5", "26", "October", "", "2026-1"])
def test_parse_period_refuses_anything_else(text):
    with pytest.raises(PeriodError):
        parse_period(text)


def test_a_period_is_closed_once_its_last_month_is_past_the_publication_delay(settings):
    settings.PUBLICATION_DELAY_DAYS = 30
    today = datetime.date(2026, 11, 24)
    assert is_closed(parse_period("2026-09"), today=today)
    assert is_closed(parse_period("2026Q3"), today=today)
    assert not is_closed(parse_period("2026-10"), today=today)
    assert not is_closed(parse_period("2026"), today=today)
    assert is_closed(parse_period("2026-10"), today=datetime.date(2026, 12, 1))
    with pytest.raises(PeriodError, match="not closed"):
        require_closed(parse_period("2026Q4"), today=today)
