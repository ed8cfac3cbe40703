"""The public reports page, downloads, the verification page, and the workspace's report pages."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from donations.models import PublishedReport
from donations.reports import publishing
from tests.donations.reports.conftest import publish


def download(client, report) -> bytes:
    response = client.get(reverse("transparency-report-download", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def test_the_reports_page_lists_published_reports_with_their_hash_and_corrections(client, books, people):
    first = publish(books, people)
    second = publish(books, people, supersedes=first, note="Corrected a category.")
    draft = publishing.request_report(period=books.period, language="uk", by=people.volunteer)
    page = client.get(reverse("transparency-reports")).content.decode()
    assert first.sha256 in page and second.sha256 in page
    assert "Corrected a category." in page and f"Superseded by report {second.pk}" in page
    assert f'id="report-{draft.pk}"' not in page


def test_a_download_is_the_stored_file_byte_for_byte_every_time(client, books, people):
    report = publish(books, people)
    once, twice = download(client, report), download(client, report)
    assert once == twice
    assert hashlib.sha256(once).hexdigest() == report.sha256 == PublishedReport.objects.get(pk=report.pk).sha256


def test_unpublished_reports_cannot_be_downloaded(client, books, people):
    report = publishing.request_report(period=books.period, language="en", by=people.volunteer)
    publishing.render_queued_reports()
    assert client.get(reverse("transparency-report-download", args=[report.pk])).status_code == 404


def verify(client, **data):
    return client.post(reverse("transparency-verify"), data)


def test_the_verify_page_recognises_a_published_pdf_and_rejects_a_modified_one(client, books, people):
    report = publish(books, people)
    pdf = download(client, report)
    response = verify(client, file=SimpleUploadedFile("r.pdf", pdf, content_type="application/pdf"))
    assert response.context["verdict"].matches and response.context["verdict"].report == report
    assert 'data-matches="yes"' in response.content.decode()

    modified = pdf.replace(b"Pharmacy", b"Pharmacx", 1) if b"Pharmacy" in pdf else pdf + b"\n% appended"
    response = verify(client, file=SimpleUploadedFile("r.pdf", modified, content_type="application/pdf"))
    assert not response.context["verdict"].matches
    assert 'data-matches="no"' in response.content.decode()

    assert verify(client, text=report.sha256.upper()).context["verdict"].matches
    assert not verify(client, text="0" * 64).context["verdict"].matches


def test_the_verify_page_refuses_large_uploads_and_stores_nothing(client, books, settings, tmp_path):
    settings.REPORT_VERIFY_MAX_BYTES = 1024
    response = verify(client, file=SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 4096))
    assert response.status_code == 413 and "larger than" in response.content.decode()
    assert not PublishedReport.objects.exists()


def test_the_verify_page_says_when_it_does_not_know_a_file(client, db):
    response = verify(client, text="hello, world")
    assert response.status_code == 200 and response.context["verdict"].kind in {"unknown"} | {
        "csv", "json", "beancount", "iati"}
    assert not response.context["verdict"].matches


@pytest.mark.parametrize("how", ["file", "text"])
def test_the_verify_page_answers_a_deeply_nested_json_upload_without_an_error(client, db, how):
    deep = b'{"checkpoint":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    data = {"file": SimpleUploadedFile("ledger.json", deep)} if how == "file" else {"text": deep.decode()}
    response = verify(client, **data)
    assert response.status_code == 200
    assert response.context["verdict"].kind == "unknown" and not response.context["verdict"].matches


def test_the_verify_page_checks_csrf(client, db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("transparency-verify"), {"text": "0" * 64}).status_code == 403
    assert client.get(reverse("transparency-verify")).status_code == 200


# --- The finance workspace ----------------------------------------------------------


def url(name, **kwargs):
    return reverse(f"finance-dashboard:{name}", kwargs=kwargs or None)


def test_who_may_request_and_publish(client, books, people):
    assert client.get(url("report-list")).status_code == 302  # anonymous: to the login page
    client.force_login(people.customer)
    assert client.get(url("report-list")).status_code in (302, 403)

    client.force_login(people.volunteer)
    response = client.post(url("report-request"), {"period": books.period, "language": "en"})
    report = PublishedReport.objects.get()
    assert response.status_code == 302 and response["Location"] == url("report-detail", pk=report.pk)
    page = client.get(url("report-detail", pk=report.pk)).content.decode()
    assert 'http-equiv="refresh"' in page  # queued: the page refreshes itself
    publishing.render_queued_reports()
    page = client.get(url("report-detail", pk=report.pk)).content.decode()
    assert 'http-equiv="refresh"' not in page and "publish_button" not in page
    assert client.post(url("report-publish", pk=report.pk)).status_code == 403
    assert client.get(url("report-preview", pk=report.pk)).status_code == 200

    client.force_login(people.approver)
    assert "publish_button" in client.get(url("report-detail", pk=report.pk)).content.decode()
    client.post(url("report-publish", pk=report.pk))
    report.refresh_from_db()
    assert report.status == "published" and report.published_by == people.approver


def test_an_open_period_is_refused_with_the_reason(client, books, people):
    client.force_login(people.volunteer)
    response = client.post(url("report-request"), {"period": books.today.strftime("%Y-%m"), "language": "en"})
    assert response.status_code == 400 and "not closed" in response.content.decode()
    assert not PublishedReport.objects.exists()


@pytest.mark.parametrize("username", ["volunteer", "approver"])
def test_the_finance_menu_shows_reports(client, people, username):
    client.force_login(getattr(people, username))
    page = client.get(url("report-list")).content.decode()
    assert url("report-list") in page


def test_the_reports_list_costs_two_queries_however_many_reports(db, people, django_assert_num_queries):
    from django.utils import timezone

    from donations.checkpoints import make_checkpoint
    from donations.reports.selectors import published_reports

    checkpoint = make_checkpoint()
    previous = None
    for number in range(5):  # rows written directly: only the selector's query count is under test
        previous = PublishedReport.objects.create(
            period="2025-01", language="en", status="published", checkpoint=checkpoint, tree_size=0,
            file=f"f{number}.pdf", sha256=f"{number:064d}", published_at=timezone.now(),
            published_by=people.approver, supersedes=previous, correction_note="fix" if previous else "",
        )
    with django_assert_num_queries(2):
        rows = list(published_reports())
        assert sum(len(row.corrections) for row in rows) == 4
        assert sum(1 for row in rows if row.supersedes) == 4
