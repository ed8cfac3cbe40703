"""Charts as inline SVG: data in, markup out; no JavaScript, no chart library, no database.

The transparency page and the PDF reports draw the same charts from the same
public figures, so these are pure functions returning safe SVG strings. Every
label is escaped here (category names are edited by volunteers). Each chart
is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` naming every
figure it shows, so a screen reader gets the numbers without the picture; the
page adds a table of the same figures besides.

Sizes are in viewBox units and the markup asks for ``width: 100%`` up to a
modest maximum, so on a 360-pixel phone a 14-unit label still reads at about
12 pixels, and on a desktop the chart does not grow to poster size.
Amounts are integer minor units (``Money``) throughout; no float is ever
formatted as money (scaling to pixels is the one place a ratio is computed).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, to_locale

from donations.money import Money, currency_exponent

WIDTH = 400
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
INK = "#1b1f24"
MUTED = "#5b6470"
GRID = "#d5dae1"
SERIES_COLOURS = ("#0057b7", "#e0a800")  # campaign blue; a gold dark enough to see on white
MERGED_COLOUR = "#8a939e"
MAX_WIDTH = "40rem"


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its amount, and whether it is a merged cell (drawn grey, labelled by the caller)."""

    label: str
    amount: Money | int
    merged: bool = False


def _locale() -> str:
    return to_locale(get_language() or "en")


def money_text(amount: Money | int) -> str:
    """An amount as the reader's language writes it, e.g. ``€1,234.50`` or ``1 234,50 €``."""
    if isinstance(amount, Money):
        return format_currency(amount.to_decimal(), amount.currency, locale=_locale())
    return format_decimal(amount, locale=_locale())


def _minor(amount: Money | int) -> int:
    return amount.minor if isinstance(amount, Money) else int(amount)


def _chart_id(title: str, kind: str) -> str:
    return f"chart-{kind}-{hashlib.sha256(title.encode()).hexdigest()[:10]}"


def _svg(*, chart_id: str, height: int, title: str, description: str, body: Iterable[str]) -> SafeString:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'style="max-width:{MAX_WIDTH};height:auto;display:block" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{escape(FONT)}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        *body,
        "</svg>",
    ]
    return mark_safe("".join(parts))  # noqa: S308 -- every text above and in ``body`` is escaped


def _text(x: float, y: float, text: str, *, size: int = 14, anchor: str = "start", fill: str = INK,
          weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
        f'{" font-weight=" + chr(34) + weight + chr(34) if weight != "normal" else ""}>{escape(text)}</text>'
    )


def _as_bar(row: Any) -> Bar:
    if isinstance(row, Bar):
        return row
    if hasattr(row, "label") and hasattr(row, "amount"):
        return Bar(str(row.label), row.amount, bool(getattr(row, "merged", False)))
    label, amount, *rest = row
    return Bar(str(label), amount, bool(rest[0]) if rest else False)


def bar_chart(
    rows: Iterable[Bar | tuple | Any], *, title: str, description: str = "",
    format_value: Callable[[Money | int], str] = money_text, empty_text: str | None = None,
) -> SafeString:
    """Horizontal bars, one a row: label above, bar below, amount at the bar's end; largest sets the scale.

    ``rows`` are ``Bar``s, ``(label, amount[, merged])`` tuples, or objects with
    ``label``, ``amount`` (and ``merged``). Merged rows are drawn grey. A
    negative amount (a correction outweighing a month) draws no bar but shows
    its figure.
    """
    bars = [_as_bar(row) for row in rows]
    chart_id = _chart_id(title, "bar")
    if not bars:
        message = empty_text if empty_text is not None else gettext("Nothing to show yet.")
        return _svg(chart_id=chart_id, height=40, title=title, description=message,
                    body=[_text(0, 24, message, fill=MUTED)])
    row_height, top = 46, 4
    largest = max(max(_minor(bar.amount) for bar in bars), 1)
    track = WIDTH - 2  # the value is written inside or after the bar, on the line below the label
    body, lines = [], []
    for index, bar in enumerate(bars):
        y = top + index * row_height
        value = _minor(bar.amount)
        text = format_value(bar.amount)
        lines.append(f"{bar.label}: {text}")
        width = max(track * max(value, 0) / largest, 2 if value > 0 else 0)
        colour = MERGED_COLOUR if bar.merged else SERIES_COLOURS[0]
        body.append(_text(0, y + 15, bar.label, size=14))
        body.append(
            f'<rect x="0" y="{y + 21}" width="{width:.1f}" height="18" rx="2" fill="{colour}"'
            f'{" fill-opacity=" + chr(34) + "0.75" + chr(34) if bar.merged else ""}/>'
        )
        # The amount sits after a short bar, inside (white on colour) a long one.
        inside = width > WIDTH * 0.6
        body.append(_text(width - 6 if inside else width + 6, y + 35, text, size=13,
                          anchor="end" if inside else "start", fill="#ffffff" if inside else INK, weight="bold"))
    description = description or "; ".join(lines)
    return _svg(chart_id=chart_id, height=top + len(bars) * row_height, title=title,
                description=description if description.endswith(".") else description + ".", body=body)


def nice_step(largest_minor: int, *, ticks: int = 4, exponent: int = 2) -> int:
    """A round step (1, 2 or 5 × 10ⁿ whole units, in minor units) giving at most ``ticks`` steps to ``largest``."""
    unit = 10 ** exponent
    step = unit
    while True:
        for multiple in (1, 2, 5):
            candidate = step * multiple
            if candidate * ticks >= largest_minor:
                return candidate
        step *= 10


def _round_up(value: int, step: int) -> int:
    """The smallest multiple of ``step`` at or above ``value`` (both non-negative)."""
    return (value + step - 1) // step * step


def _month_label(month: str) -> tuple[str, str]:
    """``2025-03`` → (``Mar``, ``2025``) in the reader's language."""
    day = datetime.date(int(month[:4]), int(month[5:7]), 1)
    return format_date(day, "LLL", locale=_locale()).rstrip("."), month[:4]


def _series_value(row: Any, name: str) -> Money | int:
    if isinstance(row, dict):
        return row[name]
    return getattr(row, name)


def monthly_chart(
    months: Sequence[Any], *, title: str, description: str = "",
    series: Sequence[tuple[str, str]] | None = None, format_value: Callable[[Money | int], str] = money_text,
) -> SafeString:
    """Columns per month, one per series (default: net proceeds and aid disbursed), with a zero line.

    ``months`` are ``public_ledger.MonthRow``s (or objects or dicts with
    ``month`` as ``YYYY-MM`` and the series' attributes), oldest first. Pass
    a year's worth: on a phone twelve months are about as many as read well.
    """
    if series is None:
        series = (("net_proceeds", gettext("Net proceeds")), ("aid_disbursed", gettext("Aid disbursed")))
    chart_id = _chart_id(title, "monthly")
    if not months:
        message = gettext("Nothing to show yet.")
        return _svg(chart_id=chart_id, height=40, title=title, description=message,
                    body=[_text(0, 24, message, fill=MUTED)])
    values = [[_minor(_series_value(row, name)) for name, _label in series] for row in months]
    exponent = 2
    sample = _series_value(months[0], series[0][0])
    if isinstance(sample, Money):
        exponent = currency_exponent(sample.currency)
    high = max(max(max(row) for row in values), 0)
    low = min(min(min(row) for row in values), 0)
    step = nice_step(max(high, -low, 1), exponent=exponent)
    top_value = _round_up(high, step) if high else step
    bottom_value = -_round_up(-low, step)
    left, right, plot_top = 62, WIDTH - 4, 30
    plot_height = 190
    plot_bottom = plot_top + plot_height
    height = plot_bottom + 40
    span = top_value - bottom_value

    def y_of(value: int) -> float:
        return plot_top + (top_value - value) * plot_height / span

    body = []
    # Legend first: a reader learns the colours before reading the columns.
    x = 0.0
    for index, (_name, label) in enumerate(series):
        body.append(f'<rect x="{x:.1f}" y="4" width="14" height="14" rx="2" fill="{SERIES_COLOURS[index % 2]}"/>')
        body.append(_text(x + 20, 16, label, size=14))
        x += 28 + 8 * len(label) + 10
    currency = sample.currency if isinstance(sample, Money) else ""
    tick = bottom_value
    while tick <= top_value:
        y = y_of(tick)
        body.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        label = format_decimal(tick // 10 ** exponent, locale=_locale())
        body.append(_text(left - 6, y + 4, label, size=12, anchor="end", fill=MUTED))
        tick += step
    if currency:
        body.append(_text(left - 6, plot_bottom + 34, currency, size=12, anchor="end", fill=MUTED))
    zero = y_of(0)
    body.append(f'<line x1="{left}" x2="{right}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="{INK}" stroke-width="1"/>')
    slot = (right - left) / len(months)
    bar_width = min(slot * 0.8 / len(series), 22)
    lines = []
    previous_year = None
    for index, row in enumerate(months):
        month = row["month"] if isinstance(row, dict) else row.month
        name, year = _month_label(month)
        centre = left + slot * (index + 0.5)
        start = centre - bar_width * len(series) / 2
        parts = []
        for number, value in enumerate(values[index]):
            y = y_of(max(value, 0))
            bar_height = abs(y_of(value) - zero)
            body.append(
                f'<rect x="{start + number * bar_width:.1f}" y="{y:.1f}" width="{bar_width - 1:.1f}" '
                f'height="{max(bar_height, 0.5):.1f}" fill="{SERIES_COLOURS[number % 2]}"/>'
            )
            parts.append(f"{series[number][1]} {format_value(_series_value(row, series[number][0]))}")
        lines.append(f"{name} {year}: " + ", ".join(parts))
        if len(months) <= 12 or index % 2 == 0:
            body.append(_text(centre, plot_bottom + 16, name, size=12, anchor="middle"))
        if year != previous_year:
            body.append(_text(centre, plot_bottom + 32, year, size=12, anchor="middle", fill=MUTED))
            previous_year = year
    description = description or "; ".join(lines)
    return _svg(chart_id=chart_id, height=height, title=title,
                description=description if description.endswith(".") else description + ".", body=body)
