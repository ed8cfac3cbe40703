import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader


def test_render_report_writes_a_pdf_without_publishing(books, tmp_path, capsys):
    output = tmp_path / "report.pdf"
    call_command("render_report", "--period", books.period, "--lang", "uk", "--output", str(output), "--check")
    reader = PdfReader(output)
    assert len(reader.pages) >= 2
    out = capsys.readouterr().out
    assert "SHA-256" in out and "pre-publication check passes" in out
    from donations.models import PublishedReport

    assert not PublishedReport.objects.exists()


def test_render_report_refuses_a_bad_period(books, tmp_path):
    with pytest.raises(CommandError, match="Not a period"):
        call_command("render_report", "--period", "2026-13", "--lang", "en", "--output", str(tmp_path / "x.pdf"))
