"""Requesting, rendering and publishing reports: the only writer of ``PublishedReport``.

A report moves queued → rendering → ready (rendered, checked, stored) →
published, or to failed with the reason. Rendering is slow for a year of
lines, so it runs outside any request: ``manage.py render_reports --forever``
(a worker, like ``process_stripe_events``) picks queued rows, locking each
with SKIP LOCKED so several workers never render the same one. In DEBUG,
``request_report`` also starts a thread after commit so a volunteer running
``make run`` sees the report without a worker.

The pre-publication check runs twice on the very bytes that are published:
after rendering (a report that fails is never stored) and again when an
approver publishes (a private value recorded since could now match). Once
published nothing about the row or its file changes: every write below
filters on a status that is not "published", the file storage never
overwrites or deletes, and on PostgreSQL a trigger refuses the rest.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
import threading

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from donations.audit import require_permission
from donations.models import PublishedReport
from donations.reports.periods import PeriodError, parse_period, require_closed
from donations.reports.prepublication import PublicationRefusedError, require_publishable
from donations.reports.render import RenderError, render_report

logger = logging.getLogger(__name__)

REQUEST = "donations.add_publishedreport"
PUBLISH = "donations.publish_report"
Status = PublishedReport.Status
_OPEN = (Status.QUEUED, Status.RENDERING, Status.READY, Status.FAILED)


class ReportError(ValueError):
    """A request or a publication that the rules refuse; the message says why."""


def _current_published(period: str, language: str) -> PublishedReport | None:
    """The published report of a period and language that no published correction has superseded yet."""
    return (
        PublishedReport.objects.filter(period=period, language=language, status=Status.PUBLISHED)
        .exclude(superseded_by__status=Status.PUBLISHED).order_by("-published_at").first()
    )


def request_report(
    *, period: str, language: str, by, supersedes: PublishedReport | None = None, correction_note: str = "",
    today: datetime.date | None = None,
) -> PublishedReport:
    """Queue a report of a closed period; a correction names the published report it supersedes and why."""
    require_permission(by, REQUEST)
    try:
        report_period = parse_period(period)
        require_closed(report_period, today=today or timezone.localdate())
    except PeriodError as exc:
        raise ReportError(str(exc)) from exc
    if language not in PublishedReport.Language.values:
        raise ReportError(f"Reports are written in Ukrainian (uk) or English (en), not {language!r}.")
    correction_note = correction_note.strip()
    current = _current_published(report_period.code, language)
    if supersedes is not None:
        if supersedes.status != Status.PUBLISHED:
            raise ReportError("Only a published report can be superseded.")
        if (supersedes.period, supersedes.language) != (report_period.code, language):
            raise ReportError("A correction covers the same period, in the same language, as what it supersedes.")
        if current is not None and current.pk != supersedes.pk:
            raise ReportError(f"Report {supersedes.pk} was already superseded by report {current.pk}: correct that.")
        if not correction_note:
            raise ReportError("Say what the correction corrects: the note is published with it.")
    elif current is not None:
        raise ReportError(
            f"The {report_period.code} report in this language is published already (report {current.pk}); "
            "to change it, request a correction that supersedes it."
        )
    report = PublishedReport.objects.create(
        period=report_period.code, language=language, requested_by=by, supersedes=supersedes,
        correction_note=correction_note if supersedes is not None else "", progress_text="Queued",
    )
    if getattr(settings, "REPORTS_RENDER_IN_THREAD", settings.DEBUG):
        transaction.on_commit(lambda: _render_in_thread(report.pk))
    return report


def _render_in_thread(report_id: int) -> None:
    def run() -> None:
        try:
            render_queued_reports(only=report_id)
        finally:
            connection.close()

    threading.Thread(target=run, name=f"render-report-{report_id}", daemon=True).start()


def _claim(only: int | None) -> PublishedReport | None:
    with transaction.atomic():
        queued = PublishedReport.objects.select_for_update(skip_locked=True).filter(status=Status.QUEUED)
        if only is not None:
            queued = queued.filter(pk=only)
        report = queued.order_by("id").first()
        if report is None:
            return None
        PublishedReport.objects.filter(pk=report.pk, status=Status.QUEUED).update(
            status=Status.RENDERING, progress=1, progress_text="Starting"
        )
    report.refresh_from_db()
    return report


def _set_progress(report_id: int, percent: int, text: str) -> None:
    PublishedReport.objects.filter(pk=report_id, status=Status.RENDERING).update(
        progress=max(0, min(100, percent)), progress_text=str(text)[:200]
    )


def render_queued_reports(*, limit: int = 10, only: int | None = None) -> int:
    """Render queued reports, oldest first; returns how many were taken (ready or failed)."""
    done = 0
    for _ in range(limit):
        report = _claim(only)
        if report is None:
            break
        build_report(report)
        done += 1
    return done


def build_report(report: PublishedReport) -> PublishedReport:
    """Render a claimed report, check it, store its file once; a failure is recorded, not raised."""
    try:
        rendered = render_report(
            report.period, report.language, progress=lambda percent, text: _set_progress(report.pk, percent, text)
        )
        _set_progress(report.pk, 96, "Checking before publication")
        require_publishable(
            pdf=rendered.pdf, period=rendered.period, checkpoint=rendered.checkpoint, language=report.language
        )
    except (RenderError, PublicationRefusedError, PeriodError) as exc:
        _fail(report, str(exc))
        return _fresh(report)
    except Exception as exc:  # A worker must survive a broken report and say what broke.
        logger.exception("Rendering report %s failed", report.pk)
        _fail(report, f"Rendering failed: {exc.__class__.__name__}")
        return _fresh(report)
    name = f"{report.period}-{report.language}-{report.pk}-{secrets.token_hex(6)}.pdf"
    stored = PublishedReport._meta.get_field("file").storage.save(name, ContentFile(rendered.pdf))
    PublishedReport.objects.filter(pk=report.pk, status=Status.RENDERING).update(
        status=Status.READY, progress=100, progress_text="Ready to publish", file=stored, sha256=rendered.sha256,
        size=rendered.size, pages=rendered.pages, checkpoint=rendered.checkpoint,
        tree_size=rendered.checkpoint.tree_size, root_hash=rendered.checkpoint.root_hash, error="",
    )
    return _fresh(report)


def _fail(report: PublishedReport, error: str) -> None:
    PublishedReport.objects.filter(pk=report.pk).exclude(status=Status.PUBLISHED).update(
        status=Status.FAILED, progress_text="Failed", error=error[:4000]
    )


def _fresh(report: PublishedReport) -> PublishedReport:
    return PublishedReport.objects.get(pk=report.pk)


def stored_bytes(report: PublishedReport) -> bytes:
    with report.file.open("rb") as handle:
        return handle.read()


def publish_report(*, report: PublishedReport, by) -> PublishedReport:
    """Publish a rendered report: check its stored bytes again, then freeze the row. Approvers only."""
    require_permission(by, PUBLISH)
    with transaction.atomic():
        locked = PublishedReport.objects.select_for_update().get(pk=report.pk)
        if locked.status == Status.PUBLISHED:
            raise ReportError(f"Report {locked.pk} is published already; a published report never changes.")
        if locked.status != Status.READY:
            raise ReportError(f"Report {locked.pk} is {locked.get_status_display().lower()}, not ready to publish.")
        current = _current_published(locked.period, locked.language)
        if current is not None and current.pk != locked.supersedes_id:
            raise ReportError(
                f"Report {current.pk} is the published {locked.period} report in this language: "
                "this one must supersede it, with a correction note."
            )
        pdf = stored_bytes(locked)
        if hashlib.sha256(pdf).hexdigest() != locked.sha256:
            raise ReportError("The stored file is not the one rendered (its SHA-256 differs): render it again.")
        try:
            require_publishable(
                pdf=pdf, period=parse_period(locked.period), checkpoint=locked.checkpoint, language=locked.language
            )
        except PublicationRefusedError as exc:
            raise ReportError(str(exc)) from exc
        PublishedReport.objects.filter(pk=locked.pk, status=Status.READY).update(
            status=Status.PUBLISHED, published_by=by, published_at=timezone.now(), progress_text="Published"
        )
    return _fresh(report)


def retry_report(*, report: PublishedReport, by) -> PublishedReport:
    """Queue a failed report again. A published one is frozen: it is never rendered again or changed."""
    require_permission(by, REQUEST)
    changed = PublishedReport.objects.filter(pk=report.pk, status=Status.FAILED).update(
        status=Status.QUEUED, progress=0, progress_text="Queued", error=""
    )
    if not changed:
        current = _fresh(report)
        if current.status == Status.PUBLISHED:
            raise ReportError(f"Report {report.pk} is published: it never changes. Publish a correction instead.")
        status = current.get_status_display().lower()
        raise ReportError(f"Report {report.pk} is {status}: only a failed report is retried.")
    if getattr(settings, "REPORTS_RENDER_IN_THREAD", settings.DEBUG):
        transaction.on_commit(lambda: _render_in_thread(report.pk))
    return _fresh(report)
