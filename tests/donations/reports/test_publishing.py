"""Requesting, rendering and publishing: render once, store once, never change."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile

from donations.models import PublishedReport
from donations.reports import publishing
from donations.reports.storage import ReportFileExistsError
from tests.donations.reports.conftest import publish


def test_a_requested_report_is_queued_rendered_with_progress_then_published(books, people):
    report = publishing.request_report(period=books.period, language="en", by=people.volunteer)
    assert (report.status, report.progress) == ("queued", 0)
    assert publishing.render_queued_reports() == 1
    report.refresh_from_db()
    assert (report.status, report.progress) == ("ready", 100)
    assert report.tree_size == report.checkpoint.tree_size and report.root_hash == report.checkpoint.root_hash
    stored = publishing.stored_bytes(report)
    assert hashlib.sha256(stored).hexdigest() == report.sha256 and len(stored) == report.size
    assert report.draft_file.name.startswith(f"{books.period}-en-") and not report.file

    published = publishing.publish_report(report=report, by=people.approver)
    assert published.status == "published" and published.published_by == people.approver
    assert publishing.stored_bytes(published) == stored
    assert published.file.name == report.draft_file.name and not published.draft_file


def test_only_an_approver_publishes(books, people):
    report = publishing.request_report(period=books.period, language="en", by=people.volunteer)
    publishing.render_queued_reports()
    for user in (people.volunteer, people.customer):
        with pytest.raises(PermissionDenied):
            publishing.publish_report(report=report, by=user)
    with pytest.raises(PermissionDenied):
        publishing.request_report(period=books.period, language="uk", by=people.customer)


def test_a_published_report_never_changes(books, people):
    report = publish(books, people)
    before = PublishedReport.objects.filter(pk=report.pk).values().get()
    with pytest.raises(publishing.ReportError, match="published already"):
        publishing.publish_report(report=report, by=people.approver)
    with pytest.raises(publishing.ReportError, match="never changes"):
        publishing.retry_report(report=report, by=people.volunteer)
    with pytest.raises(publishing.ReportError, match="supersedes it"):
        publishing.request_report(period=books.period, language="en", by=people.volunteer)
    storage = report.file.storage
    with pytest.raises(ReportFileExistsError):
        storage.save(report.file.name, ContentFile(b"%PDF-forged"))
    with pytest.raises(PermissionError):
        storage.delete(report.file.name)
    assert PublishedReport.objects.filter(pk=report.pk).values().get() == before
    assert hashlib.sha256(publishing.stored_bytes(report)).hexdigest() == report.sha256


def test_a_correction_supersedes_a_published_report_and_says_why(books, people):
    first = publish(books, people)
    with pytest.raises(publishing.ReportError, match="Say what the correction corrects"):
        publishing.request_report(period=books.period, language="en", by=people.volunteer, supersedes=first)
    second = publish(books, people, supersedes=first, note="A purchase was posted in the wrong month.")
    assert second.supersedes == first and second.correction_note.startswith("A purchase")
    assert list(first.superseded_by.all()) == [second]
    with pytest.raises(publishing.ReportError, match="already superseded"):
        publishing.request_report(
            period=books.period, language="en", by=people.volunteer, supersedes=first, correction_note="again"
        )
    # The other language is its own report.
    assert publish(books, people, language="uk").supersedes is None


def test_an_open_period_cannot_be_requested(books, people):
    month = books.today.strftime("%Y-%m")
    with pytest.raises(publishing.ReportError, match="not closed"):
        publishing.request_report(period=month, language="en", by=people.volunteer)
    with pytest.raises(publishing.ReportError):
        publishing.request_report(period=books.period, language="de", by=people.volunteer)


def test_a_report_with_no_checkpoint_fails_with_the_reason(db, people, settings):
    report = publishing.request_report(period="2020-01", language="en", by=people.volunteer)
    publishing.render_queued_reports()
    report.refresh_from_db()
    assert report.status == "failed" and "checkpoint" in report.error
    assert not report.file


def test_the_render_command_renders_queued_reports(books, people):
    from django.core.management import call_command

    report = publishing.request_report(period=books.period, language="uk", by=people.volunteer)
    call_command("render_reports")
    report.refresh_from_db()
    assert report.status == "ready" and report.pages >= 2


@pytest.mark.postgres
def test_postgresql_refuses_to_change_or_delete_a_published_report(books, people):
    from django.db import IntegrityError, InternalError, transaction

    report = publish(books, people)
    for change in (
        lambda: PublishedReport.objects.filter(pk=report.pk).update(sha256="0" * 64),
        lambda: PublishedReport.objects.filter(pk=report.pk).update(correction_note="edited"),
        lambda: PublishedReport.objects.filter(pk=report.pk).delete(),
    ):
        with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
            change()
    assert PublishedReport.objects.get(pk=report.pk).sha256 == report.sha256


@pytest.mark.django_db(transaction=True)
def test_in_development_a_request_renders_at_once_in_a_thread(settings, people):
    import threading

    from tests.donations.public_books import build_books

    books = build_books()
    settings.REPORTS_RENDER_IN_THREAD = True
    report = publishing.request_report(period=books.period, language="en", by=people.volunteer)
    for thread in threading.enumerate():
        if thread.name == f"render-report-{report.pk}":
            thread.join(timeout=60)
    report.refresh_from_db()
    assert report.status == "ready" and report.progress == 100
