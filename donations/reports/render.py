"""Render a report: the public figures of one period at one checkpoint, as an A4 PDF in one language.

WeasyPrint's layout costs 3–8 ms a table row and its memory grows with the
whole document (see ../shared/notes/weasyprint.md), so the public
disbursement lines, thousands in a year, are not a table: they are
monospaced text, ``ROWS_PER_PAGE`` lines a page with the column names at the
top of every page, which lays out about 40 times faster. The summary tables
(by month, category, region) stay tables with repeated headers. Lines beyond
the first ``CHUNK_ROWS`` go into further documents that render side by side
in a pool of spawned processes (at most ``REPORT_RENDER_PROCESSES``, default
the cores up to 4); the PDFs are merged with pypdf and "page X of Y" is
stamped on every page afterwards from a thin overlay document, because
``counter(pages)`` can only count the pages of one document. The measured
costs are in bench/README.md (report_render.py).

Everything printed comes from ``donations.public_ledger.public_figures``:
the report never reads a private field.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import io
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter

from donations.checkpoints import latest_checkpoint
from donations.models import AidCategory, Checkpoint, PublicDescription, Region
from donations.money import Money
from donations.public_ledger import PublicFigures, public_figures
from donations.reports import charts
from donations.reports.pdf_worker import html_to_pdf
from donations.reports.periods import ReportPeriod, parse_period

CHUNK_ROWS = 2500  # lines a document: the pool renders documents side by side
Progress = Callable[[int, str], None]


class RenderError(RuntimeError):
    """The report cannot be rendered (no checkpoint yet, an unknown language)."""


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    pages: int
    sha256: str
    checkpoint: Checkpoint
    period: ReportPeriod
    language: str

    @property
    def size(self) -> int:
        return len(self.pdf)


def font_dir() -> Path:
    """The shipped DejaVu fonts: rendering never depends on the machine's fonts."""
    return Path(settings.BASE_DIR) / "static" / "fonts"


def verify_url(language: str) -> str:
    with translation.override(language):
        path = reverse("transparency-verify")
    return settings.SITE_URL.rstrip("/") + path


def format_money(money: Money | None, language: str) -> str:
    if money is None:
        return ""
    text = f"{money.to_decimal():,}"
    if language == "uk":  # 1 234,56 — Ukrainian groups with a space and uses a decimal comma
        text = text.replace(",", " ").replace(".", ",")
    return f"{text} {money.currency}"


class _Names:
    """Category, region and description names in the report's language, read once."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.categories = {
            code: (name_uk or name) if language == "uk" else name
            for code, name, name_uk in AidCategory.objects.values_list("code", "name", "name_uk")
        }
        self.descriptions = {
            code: text_uk if language == "uk" and text_uk else text
            for code, text, text_uk in PublicDescription.objects.values_list("code", "text", "text_uk")
        }
        self.regions = {value: str(label) for value, label in Region.choices}

    def category(self, code: str) -> str:
        return _("Merged categories") if code == "merged" else self.categories.get(code, code)

    def region(self, code: str | None) -> str:
        if code == "merged":
            return _("Merged regions")
        return self.regions.get(code or "", code or _("Unknown"))

    def description(self, code: str | None) -> str:
        return self.descriptions.get(code or "", code or "")


# The line list is monospaced text, one line a disbursement, a fixed number a page, each page headed
# by the column names: WeasyPrint lays out a line of text about 40 times faster than a table row
# (0.2 ms against 3–8 ms), which is what keeps a year of 10,000 lines under 30 s.
# Line pages are A4 landscape. (width, right-aligned) per column: 159 characters fit at 7 pt.
LINE_COLUMNS = ((7, False), (18, False), (26, False), (40, False), (40, False), (6, True), (16, True))
ROWS_PER_PAGE = 48
INTRO_ROWS = 8  # the first page of lines also holds their heading and a sentence


def _pages(rows: list[str], *, first_page: int) -> list[str]:
    sizes = [max(1, first_page)]
    pages, top = [], 0
    while top < len(rows):
        size = sizes[0] if not pages else ROWS_PER_PAGE
        pages.append("\n".join(rows[top:top + size]))
        top += size
    return pages


def _cell(text: str, width: int, right: bool) -> str:
    text = " ".join(str(text).split())
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.rjust(width) if right else text.ljust(width)


def format_line(values: tuple[str, ...]) -> str:
    return " ".join(_cell(value, width, right) for value, (width, right) in zip(values, LINE_COLUMNS, strict=True))


def _line_rows(figures: PublicFigures, names: _Names, language: str) -> list[str]:
    return [
        format_line((
            line.month, names.category(line.category), names.region(line.region), names.description(line.description),
            line.payee or "—", str(line.people_helped), format_money(line.amount, language),
        ))
        for line in figures.lines
    ]


def printed_values(figures: PublicFigures, language: str) -> list[str]:
    """The line list's values in full, before columns cut them: what the pre-publication check scans too."""
    names = _Names(language)
    values = []
    for line in figures.lines:
        values += [names.category(line.category), names.region(line.region), names.description(line.description)]
        if line.payee:
            values.append(line.payee)
    return values


def _context(figures: PublicFigures, period: ReportPeriod, language: str, names: _Names) -> dict:
    money = lambda value: format_money(value, language)  # noqa: E731
    by_category = [(names.category(code), amount, people) for code, amount, people in figures.aid_by("category")]
    by_region = [(names.region(code), amount, people) for code, amount, people in figures.aid_by("region")]
    totals = [
        (_("Gross sales"), figures.totals["gross_sales"]),
        (_("Donations"), figures.totals["donations"]),
        (_("Refunds"), figures.totals["refunds"]),
        (_("Stripe fees"), figures.totals["stripe_fees"]),
        (_("Cost of merchandise"), figures.totals["cost_of_merch"]),
        (_("Shipping and fulfilment"), figures.totals["shipping_cost"]),
        (_("Exchange gains and losses"), figures.totals["fx_result"]),
        (_("Net proceeds"), figures.totals["net_proceeds"]),
        (_("Aid disbursed"), figures.totals["aid_disbursed"]),
        (_("Held for aid"), figures.totals["held"]),
    ]
    url = verify_url(language)
    return {
        "language": language,
        "font_dir": font_dir().as_uri(),
        "campaign": settings.OSCAR_SHOP_NAME,
        "period": period,
        "figures": figures,
        "rendered_on": timezone.localdate(),
        "totals": [(label, money(value)) for label, value in totals],
        "orders": figures.orders,
        "people_helped": figures.people_helped,
        "months": [
            (row.month, money(row.gross_sales), money(row.donations), money(row.net_proceeds),
             money(row.aid_disbursed), row.orders)
            for row in figures.months
        ],
        "by_category": [(name, money(amount), people) for name, amount, people in by_category],
        "by_region": [(name, money(amount), people) for name, amount, people in by_region],
        "category_chart": charts.bar_chart([(name, amount.minor, money(amount)) for name, amount, _p in by_category]),
        "monthly_chart": charts.monthly_chart(
            [(row.month, row.net_proceeds.minor, row.aid_disbursed.minor) for row in figures.months],
            legend=(_("Net proceeds"), _("Aid disbursed")),
        ),
        "line_count": len(figures.lines),
        "verify_url": url,
        "qr_code": segno.make(url, error="m").svg_data_uri(scale=3, border=1),
        "root_hash": figures.root_hash,
        "tree_size": figures.tree_size,
        "min_cases": settings.DISCLOSURE_MIN_CASES,
        "dominance_percent": settings.DISCLOSURE_DOMINANCE_PERCENT,
        "delay_days": settings.PUBLICATION_DELAY_DAYS,
    }


def _stamp_page_numbers(writer: PdfWriter, language: str) -> None:
    """Print "page X of Y" on every page of the merged PDF, from one overlay document of blank numbered pages."""
    count = len(writer.pages)
    with translation.override(language):
        html = render_to_string(
            "donations/reports/page_numbers.html",
            {
                "font_dir": font_dir().as_uri(),
                "labels": [
                    (_("Page %(page)s of %(pages)s") % {"page": number, "pages": count},
                     page.mediabox.width > page.mediabox.height)
                    for number, page in enumerate(writer.pages, start=1)
                ],
            },
        )
    overlay = PdfReader(io.BytesIO(html_to_pdf(html, str(font_dir()))))
    for page, numbers in zip(writer.pages, overlay.pages, strict=True):
        page.merge_page(numbers)


def _render_documents(documents: list[str], progress: Progress, *, start: int, end: int) -> list[bytes]:
    """Each HTML document to PDF, in order: in this process for one, in a pool of spawned processes for more."""
    base_url = str(font_dir())
    configured = getattr(settings, "REPORT_RENDER_PROCESSES", 0) or min(4, os.cpu_count() or 1)
    processes = min(len(documents), max(1, configured))
    if processes <= 1:
        results = []
        for index, html in enumerate(documents):
            results.append(html_to_pdf(html, base_url))
            progress(start + (end - start) * (index + 1) // len(documents), _("Laying out pages"))
        return results
    # Spawned, not forked: a fork of a process holding database connections and threads is unsafe.
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        futures = [pool.submit(html_to_pdf, html, base_url) for html in documents]
        for done, _future in enumerate(concurrent.futures.as_completed(futures), start=1):
            progress(start + (end - start) * done // len(documents), _("Laying out pages"))
        return [future.result() for future in futures]


def render_report(
    period: str | ReportPeriod, language: str, *, checkpoint: Checkpoint | None = None,
    progress: Progress | None = None, today=None,
) -> RenderedReport:
    """Render the report; ``progress(percent, text)`` hears how far it got. Publishes nothing."""
    report_period = period if isinstance(period, ReportPeriod) else parse_period(period)
    if language not in dict(settings.LANGUAGES):
        raise RenderError(f"No such language: {language!r}")
    checkpoint = checkpoint or latest_checkpoint()
    if checkpoint is None:
        raise RenderError("There is no signed checkpoint yet: a report names the checkpoint it was made from.")
    tell = progress or (lambda percent, text: None)
    with translation.override(language):
        tell(5, _("Reading the public figures"))
        figures = public_figures(period=report_period.months, checkpoint=checkpoint, today=today)
        names = _Names(language)
        context = _context(figures, report_period, language, names)
        rows = _line_rows(figures, names, language)
        header = format_line((
            _("Month"), _("Category"), _("Region"), _("Description"), _("Payee"), _("People"), _("Amount"),
        ))
        rule = "─" * len(header)
        documents = []
        for first in range(0, max(len(rows), 1), CHUNK_ROWS):
            chunk = rows[first:first + CHUNK_ROWS]
            pages = _pages(chunk, first_page=ROWS_PER_PAGE - (INTRO_ROWS if first == 0 else 0))
            # The first chunk goes into the body's document: one document less to start for a month's report.
            template = "donations/reports/report.html" if first == 0 else "donations/reports/lines.html"
            documents.append(render_to_string(template, {
                **context, "header": header, "rule": rule, "pages": pages, "first_chunk": first == 0,
            }))
        tell(10, _("Laying out pages"))
        parts = _render_documents(documents, tell, start=10, end=85)
        tell(88, _("Numbering pages"))
        writer = PdfWriter()
        for part in parts:
            writer.append(PdfReader(io.BytesIO(part)))
        _stamp_page_numbers(writer, language)
        writer.add_metadata({
            "/Title": f"{settings.OSCAR_SHOP_NAME} — {report_period} ({language})",
            "/Subject": f"tree size {checkpoint.tree_size}, root {checkpoint.root_hash}",
        })
        buffer = io.BytesIO()
        writer.write(buffer)
        pdf = buffer.getvalue()
        tell(95, _("Rendered"))
    return RenderedReport(
        pdf=pdf, pages=len(writer.pages), sha256=hashlib.sha256(pdf).hexdigest(), checkpoint=checkpoint,
        period=report_period, language=language,
    )
