"""Small server-side SVG bar charts for the PDF reports (no JavaScript, no fonts beyond the report's).

Labels are escaped here: they come from the database (category names), and
the markup is placed in the report as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

BAR_COLOUR = "#1f5f8b"
SECOND_COLOUR = "#e0a526"


def bar_chart(items: Sequence[tuple[str, int, str]], *, width: int = 480, bar: int = 14) -> SafeString:
    """Horizontal bars: (label, value, value as text), largest first as given."""
    if not items:
        return mark_safe("")
    label_width, gap = 150, 6
    top = max(value for _, value, _ in items) or 1
    height = len(items) * (bar + gap)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">']
    span = width - label_width - 90
    for index, (label, value, text) in enumerate(items):
        y = index * (bar + gap)
        length = max(1, round(span * max(value, 0) / top))
        parts.append(
            f'<text x="0" y="{y + bar - 3}" font-size="9">{escape(label[:32])}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar}" fill="{BAR_COLOUR}"/>'
            f'<text x="{label_width + length + 4}" y="{y + bar - 3}" font-size="9">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 -- built above from escaped text and numbers


def monthly_chart(
    months: Sequence[tuple[str, int, int]], *, legend: tuple[str, str], width: int = 480, height: int = 160
) -> SafeString:
    """Paired vertical bars per month: (YYYY-MM, first value, second value), e.g. net proceeds and aid."""
    if not months:
        return mark_safe("")
    top = max(max(first, second) for _, first, second in months) or 1
    plot = height - 34
    step = (width - 10) / len(months)
    bar = max(2.0, min(18.0, step / 2 - 2))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">']
    for index, (month, first, second) in enumerate(months):
        x = 5 + index * step
        for offset, value, colour in ((0, first, BAR_COLOUR), (bar, second, SECOND_COLOUR)):
            length = max(0.0, plot * max(value, 0) / top)
            parts.append(f'<rect x="{x + offset:.1f}" y="{plot - length + 12:.1f}" width="{bar:.1f}" '
                         f'height="{length:.1f}" fill="{colour}"/>')
        if len(months) <= 12:
            parts.append(f'<text x="{x:.1f}" y="{plot + 24}" font-size="8">{escape(month)}</text>')
    parts.append(
        f'<rect x="5" y="0" width="8" height="8" fill="{BAR_COLOUR}"/>'
        f'<text x="16" y="8" font-size="8">{escape(legend[0])}</text>'
        f'<rect x="160" y="0" width="8" height="8" fill="{SECOND_COLOUR}"/>'
        f'<text x="171" y="8" font-size="8">{escape(legend[1])}</text></svg>'
    )
    return mark_safe("".join(parts))  # noqa: S308 -- built above from escaped text and numbers
