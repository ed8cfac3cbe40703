"""The rendered PDF read back: pages, totals, checkpoint, Cyrillic, and nothing private."""

import io

import pdfplumber
from pypdf import PdfReader

from donations.checkpoints import latest_checkpoint
from donations.models import AidCategory
from donations.public_ledger import public_figures
from donations.reports.periods import parse_period
from donations.reports.render import format_money, render_report
from tests.donations.public_books import CANARIES


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_monthly_report_prints_the_ledgers_totals_and_checkpoint(books):
    rendered = render_report(books.period, "en")
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert 2 <= len(reader.pages) == rendered.pages <= 12
    text = text_of(rendered.pdf)
    figures = public_figures(period=parse_period(books.period).months, checkpoint=latest_checkpoint())
    for name in ("gross_sales", "stripe_fees", "net_proceeds", "aid_disbursed", "held"):
        assert format_money(figures.totals[name], "en") in text, name
    assert figures.totals["aid_disbursed"].minor == 123450 + 25000 + 5 * 10000 + 5 * 8000 + 5 * 7770
    checkpoint = latest_checkpoint()
    assert rendered.checkpoint == checkpoint
    assert checkpoint.root_hash in text.replace("\n", "")
    assert f"Tree size {checkpoint.tree_size}" in text
    assert "Pharmacy Zdorovya LLC" in text  # a public payee is shown
    assert "Public disbursement lines 2 purchases" in " ".join(text.split())
    assert f"Page 1 of {rendered.pages}" in text and f"Page {rendered.pages} of {rendered.pages}" in text
    assert "https://proceeds.test/en/transparency/verify/" in text


def test_the_ukrainian_report_extracts_as_cyrillic(books):
    AidCategory.objects.filter(code="medicine").update(name_uk="Медикаменти")
    rendered = render_report(books.period, "uk")
    with pdfplumber.open(io.BytesIO(rendered.pdf)) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "Медикаменти" in text
    assert "Території — це люди" in text or "Territories are people" in text
    assert "1 234,50 EUR" in text
    assert "Місяць" not in text or "Категорія" in text  # column names translated together
    assert "https://proceeds.test/uk/transparency/verify/" in text


def test_canary_private_fields_never_reach_the_pdf(books):
    for language in ("en", "uk"):
        text = text_of(render_report(books.period, language).pdf)
        flat = " ".join(text.split())
        for canary in (*CANARIES, "Kovalenko", "Dymerka", "123 4567", "Oleshky"):
            assert canary not in flat, (language, canary)


def test_a_quarter_and_a_year_render_too(books):
    quarter = f"{books.aid_month.year}Q{(books.aid_month.month - 1) // 3 + 1}"
    assert render_report(quarter, "en").pages >= 2
    rendered = render_report(str(books.aid_month.year), "en")
    assert f"Period {books.aid_month.year}" in text_of(rendered.pdf)


def test_a_long_line_list_is_rendered_in_chunks_and_numbered_after_merging(books, monkeypatch):
    together = render_report(books.period, "en").pages  # two lines, one page of lines
    for setting, value in (("ROWS_PER_PAGE", 1), ("INTRO_ROWS", 0), ("CHUNK_ROWS", 1)):  # a line a page, a document
        monkeypatch.setattr(f"donations.reports.render.{setting}", value)
        rendered = render_report(books.period, "en")
        assert rendered.pages == together + 1
        text = " ".join(text_of(rendered.pdf).split())
        assert text.count("Month Category Region Description Payee People Amount") == 2  # names on every page
        assert f"Page {rendered.pages} of {rendered.pages}" in text


def test_a_value_too_long_for_its_column_is_cut_but_still_scanned_in_full(books):
    from donations.models import PublicDescription
    from donations.reports.prepublication import check_report

    long_text = "Medicines and medical supplies bought for Olena Kovalenko"
    PublicDescription.objects.filter(code="medicines").update(text=long_text)
    rendered = render_report(books.period, "en")
    assert "Kovalenko" not in text_of(rendered.pdf)  # cut by the column…
    failures = check_report(pdf=rendered.pdf, period=rendered.period, checkpoint=rendered.checkpoint).failures
    assert any("private value" in failure for failure in failures)  # …and refused all the same
