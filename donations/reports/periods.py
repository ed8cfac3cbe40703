"""Report periods as people write them: a month ``2026-10``, a quarter ``2026Q3``, a year ``2026``.

A period may be reported (and published) only once it is closed: its last
month must be past the publication delay, the same rule that keeps aid out
of the public figures until then (``donations.case_aid``). A report of an
open period would show fewer disbursements than the same report a month later.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from donations.case_aid import latest_publishable_month_end
from donations.public_ledger import Period

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


class PeriodError(ValueError):
    """Not a period we report on, or one that is not closed yet."""


@dataclass(frozen=True)
class ReportPeriod:
    code: str  # normalised: 2026-10, 2026Q3, 2026
    kind: str  # "month", "quarter" or "year"
    first: str  # YYYY-MM
    last: str  # YYYY-MM

    @property
    def months(self) -> Period:
        return Period(first=self.first, last=self.last)

    def __str__(self) -> str:
        return self.code


def parse_period(text: str) -> ReportPeriod:
    """Read ``2026-10``, ``2026Q3`` (or ``2026q3``) or ``2026``; raise PeriodError otherwise."""
    value = (text or "").strip()
    if match := _MONTH.match(value):
        return ReportPeriod(code=value, kind="month", first=value, last=value)
    if match := _QUARTER.match(value):
        year, quarter = match.group(1), int(match.group(2))
        first = 3 * quarter - 2
        return ReportPeriod(
            code=f"{year}Q{quarter}", kind="quarter", first=f"{year}-{first:02d}", last=f"{year}-{first + 2:02d}"
        )
    if match := _YEAR.match(value):
        return ReportPeriod(code=value, kind="year", first=f"{value}-01", last=f"{value}-12")
    raise PeriodError(f"Not a period: {value!r}. Write a month (2026-10), a quarter (2026Q3) or a year (2026).")


def is_closed(period: ReportPeriod, *, today: datetime.date) -> bool:
    """Whether the period's last month is past the publication delay on ``today``."""
    end = latest_publishable_month_end(today)
    return end is not None and period.last <= end.strftime("%Y-%m")


def require_closed(period: ReportPeriod, *, today: datetime.date) -> None:
    if not is_closed(period, today=today):
        end = latest_publishable_month_end(today)
        raise PeriodError(
            f"The period {period} is not closed yet: reports cover months up to {end:%Y-%m} "
            "(the publication delay keeps later aid private for now)."
        )
