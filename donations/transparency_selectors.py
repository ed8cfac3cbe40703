"""What the public transparency pages and the home page's headline show, in the reader's language.

Everything comes from ``donations.public_ledger.public_figures``: the public
projection folded at the latest signed checkpoint. Nothing here reads a
disbursement row, a private leaf or a note, so no page built from it can
show more than the signed public log already says. Names come from the
controlled vocabulary (aid categories, public descriptions, regions) looked
up by code, never from free text.

Query counts do not grow with the ledger: ``public_figures`` reads the
checkpoint and one snapshot (folding the leaves since the nearest snapshot
the first time a checkpoint is read), then one query for the category names
and one for the descriptions of the lines shown.

Time, though, would: the snapshot's state carries every public line and
every order's month, so decoding and reading it costs about 0.1 s at 100k
entries (bench/transparency_page.py). What a page shows changes only with the
checkpoint, the language and the month published up to, so the result is
cached under exactly those, for everyone alike (nothing per visitor); the
short timeout lets a renamed category or phrase show within minutes. A warm
page costs one query (the latest checkpoint), a cold one four.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from donations import charts
from donations.case_aid import latest_publishable_month_end
from donations.disclosure import MERGED
from donations.models import AidCategory, Checkpoint, PublicDescription, Region
from donations.money import Money
from donations.public_ledger import MonthRow, PublicFigures, public_figures

LATEST_LINES = 50  # public disbursement lines listed; the open-data downloads have them all
CHART_MONTHS = 12  # months drawn; the table under the chart lists every month
CACHE_SECONDS = 5 * 60


@dataclass(frozen=True)
class AidRow:
    """Aid in one category or one region, named in the reader's language."""

    code: str
    label: str
    amount: Money
    people_helped: int
    merged: bool


@dataclass(frozen=True)
class PublicLine:
    """One organisation purchase a volunteer made public, as the page shows it."""

    sequence: int
    month: datetime.date
    category: str
    region: str | None
    description: str | None
    people_helped: int
    amount: Money
    paid: Money | None
    payee: str | None

    @property
    def paid_differs(self) -> bool:
        return self.paid is not None and self.paid != self.amount


@dataclass(frozen=True)
class MonthLine:
    """One month's figures with the month as a date, for the table under the chart."""

    month: datetime.date
    figures: MonthRow


@dataclass(frozen=True)
class TransparencyPage:
    figures: PublicFigures
    months: list[MonthLine]  # oldest first, every month
    by_category: list[AidRow]
    by_region: list[AidRow]
    lines: list[PublicLine]
    more_lines: int  # public lines not listed here (see the downloads)
    monthly_chart: str
    category_chart: str
    region_chart: str

    @property
    def published_until(self) -> datetime.date:
        return _month(self.figures.published_until)


@dataclass(frozen=True)
class Headline:
    """The home page's few figures."""

    net_proceeds: Money
    aid_disbursed: Money
    held: Money
    people_helped: int
    orders: int
    published_until: datetime.date


@dataclass(frozen=True)
class WithheldRules:
    """The rules the withheld page explains, read from settings so the page stays true."""

    min_cases: int
    dominance_percent: int
    delay_days: int
    published_until: datetime.date


def _month(value: str) -> datetime.date:
    return datetime.date(int(value[:4]), int(value[5:7]), 1)


def _is_uk(language: str | None) -> bool:
    return (language or get_language() or "").startswith("uk")


def category_names(*, language: str | None = None) -> dict[str, str]:
    """Category code → name in the reader's language (one query)."""
    uk = _is_uk(language)
    return {
        code: (name_uk if uk and name_uk else name)
        for code, name, name_uk in AidCategory.objects.values_list("code", "name", "name_uk")
    }


def region_name(code: str | None) -> str:
    if code == MERGED:
        return _("Merged regions (for privacy)")
    labels = dict(Region.choices)
    return str(labels.get(code, _("Not stated"))) if code else _("Not stated")


def _category_name(code: str, names: dict[str, str]) -> str:
    if code == MERGED:
        return _("Merged categories (for privacy)")
    return names.get(code, code.replace("-", " ").capitalize())


def aid_rows(figures: PublicFigures, dimension: str, *, names: dict[str, str] | None = None) -> list[AidRow]:
    """``figures.aid_by(dimension)`` with names; merged cells last, so the named ones read first."""
    names = category_names() if names is None and dimension == "category" else names or {}
    rows = []
    for code, amount, people in figures.aid_by(dimension):
        label = _category_name(code, names) if dimension == "category" else region_name(code)
        rows.append(AidRow(code=code, label=label, amount=amount, people_helped=people, merged=code == MERGED))
    return sorted(rows, key=lambda row: row.merged)


def _public_lines(figures: PublicFigures, names: dict[str, str], *, language: str | None) -> list[PublicLine]:
    shown = figures.lines[:LATEST_LINES]
    codes = {line.description for line in shown if line.description}
    uk = _is_uk(language)
    descriptions = {
        code: (text_uk if uk and text_uk else text)
        for code, text, text_uk in PublicDescription.objects.filter(code__in=codes).values_list(
            "code", "text", "text_uk"
        )
    } if codes else {}
    return [
        PublicLine(
            sequence=line.sequence, month=_month(line.month), category=_category_name(line.category, names),
            region=region_name(line.region) if line.region else None,
            # A code missing from the vocabulary is not shown raw: it could be anything.
            description=descriptions.get(line.description) if line.description else None,
            people_helped=line.people_helped, amount=line.amount, paid=line.paid, payee=line.payee or None,
        )
        for line in shown
    ]


def contiguous_months(months: list[MonthRow], currency: str) -> list[MonthRow]:
    """The months oldest first, with a zero row for each quiet month between, so a chart's columns are even."""
    if not months:
        return []
    known = {row.month: row for row in months}
    zero = Money.zero(currency)
    first, last = _month(months[0].month), _month(months[-1].month)
    rows, month = [], first
    while month <= last:
        key = month.strftime("%Y-%m")
        rows.append(known.get(key) or MonthRow(
            month=key, gross_sales=zero, donations=zero, net_proceeds=zero, aid_disbursed=zero, orders=0,
        ))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return rows


def _cache_key(name: str, checkpoint_id: int, today: datetime.date | None, language: str | None = None) -> str:
    published_until = latest_publishable_month_end(today or datetime.date.today()).strftime("%Y-%m")
    return f"transparency:{name}:{checkpoint_id}:{published_until}:{language or ''}"


def transparency_page(*, language: str | None = None, today: datetime.date | None = None) -> TransparencyPage | None:
    """The transparency page at the latest checkpoint; ``None`` before the first one.

    1 query when cached; otherwise 4 (the checkpoint, the snapshot, names, descriptions).
    """
    language = language or get_language()
    checkpoint = Checkpoint.objects.order_by("-id").first()
    if checkpoint is None:
        return None
    key = _cache_key("page", checkpoint.pk, today, language)
    page = cache.get(key)
    if page is None:
        page = _transparency_page(checkpoint, language=language, today=today)
        cache.set(key, page, CACHE_SECONDS)
    return page


def _transparency_page(checkpoint: Checkpoint, *, language: str, today: datetime.date | None) -> TransparencyPage:
    figures = public_figures(checkpoint=checkpoint, today=today, lines_limit=LATEST_LINES)
    names = category_names(language=language)
    by_category = aid_rows(figures, "category", names=names)
    by_region = aid_rows(figures, "region")
    months = contiguous_months(figures.months, figures.currency)
    lines = _public_lines(figures, names, language=language)
    more_lines = max(figures.lines_total - LATEST_LINES, 0)
    return TransparencyPage(
        # Only the lines shown are kept: the cached page stays small however long the ledger grows.
        figures=replace(figures, lines=figures.lines[:LATEST_LINES]),
        months=[MonthLine(_month(row.month), row) for row in months],
        by_category=by_category,
        by_region=by_region,
        lines=lines,
        more_lines=more_lines,
        monthly_chart=charts.monthly_chart(
            months[-CHART_MONTHS:], title=_("Net proceeds and aid disbursed, by month"),
        ),
        category_chart=charts.bar_chart(
            [charts.Bar(row.label, row.amount, row.merged) for row in by_category],
            title=_("Aid disbursed by category"), empty_text=_("No aid has been published yet."),
        ),
        region_chart=charts.bar_chart(
            [charts.Bar(row.label, row.amount, row.merged) for row in by_region],
            title=_("Aid disbursed by region"), empty_text=_("No aid has been published yet."),
        ),
    )


def headline(*, today: datetime.date | None = None) -> Headline | None:
    """The home page's headline totals at the latest checkpoint; ``None`` before the first.

    1 query when cached; otherwise 2 (the checkpoint, the snapshot).
    """
    checkpoint = Checkpoint.objects.order_by("-id").first()
    if checkpoint is None:
        return None
    key = _cache_key("headline", checkpoint.pk, today)
    result = cache.get(key)
    if result is None:
        figures = public_figures(checkpoint=checkpoint, today=today, lines_limit=0)
        result = Headline(
            net_proceeds=figures.totals["net_proceeds"], aid_disbursed=figures.totals["aid_disbursed"],
            held=figures.totals["held"], people_helped=figures.people_helped, orders=figures.orders,
            published_until=_month(figures.published_until),
        )
        cache.set(key, result, CACHE_SECONDS)
    return result


def withheld_rules(*, today: datetime.date | None = None) -> WithheldRules:
    """The disclosure rules in force (no query)."""
    today = today or datetime.date.today()
    return WithheldRules(
        min_cases=settings.DISCLOSURE_MIN_CASES,
        dominance_percent=settings.DISCLOSURE_DOMINANCE_PERCENT,
        delay_days=settings.PUBLICATION_DELAY_DAYS,
        published_until=latest_publishable_month_end(today).replace(day=1),
    )
