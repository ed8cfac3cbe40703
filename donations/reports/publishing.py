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
approver publishes (a private value recorded since could now match).

A rendered report is a draft in private storage (``ReportDraftStorage``),
seen only through the finance workspace's preview: it may yet be refused or
superseded, and the public media directory may be served by Django itself
(``SERVE_MEDIA``). Publishing copies the exact bytes to the public storage,
reads the copy back to check its SHA-256, then deletes the draft once the
publication has committed (one copy, the public one, is the report from
then on). Once published nothing about the row or its file changes: every
write below filters on a status that is not "published", the public storage
never overwrites or deletes, and on PostgreSQL a trigger refuses the rest.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
import threading

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from donations.audit import require_permission
from donations.models import PublishedReport
from donations.reports.periods import PeriodError, parse_period, require_closed
from donations.reports.prepublication import PublicationRefusedError, require_publishable
from donations.reports.render import RenderError, render_report
from donations.reports.storage import ReportFileExistsError

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
    for _attempt in range(limit):
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
    stored = _draft_storage().save(name, ContentFile(rendered.pdf))
    PublishedReport.objects.filter(pk=report.pk, status=Status.RENDERING).update(
        status=Status.READY, progress=100, progress_text="Ready to publish", draft_file=stored,
        sha256=rendered.sha256,
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


def _draft_storage():
    return PublishedReport._meta.get_field("draft_file").storage


def _public_storage():
    return PublishedReport._meta.get_field("file").storage


def open_report_file(report: PublishedReport) -> File:
    """The report's PDF as stored now: the public file once published, the private draft before.

    Raises ``FileNotFoundError`` when there is none (queued, rendering, failed, or the file is gone).
    """
    field = report.file if report.status == Status.PUBLISHED else report.draft_file
    if not field:
        raise FileNotFoundError(f"Report {report.pk} has no stored file")
    return field.storage.open(field.name, "rb")


def stored_bytes(report: PublishedReport) -> bytes:
    with open_report_file(report) as handle:
        return handle.read()


def _sha256_of(storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for chunk in handle.chunks():
            digest.update(chunk)
    return digest.hexdigest()


def _copy_to_public(report: PublishedReport, pdf: bytes) -> tuple[str, bool]:
    """Write the approved bytes to the public storage, under the draft's name; (the name, whether written now).

    The public storage never overwrites. A file already under that name is
    accepted only if it is these very bytes: a copy left by a publication
    that crashed before it committed. The copy is read back and its SHA-256
    checked, so what the row cites is what anyone downloads.
    """
    storage = _public_storage()
    name = report.draft_file.name
    try:
        name, written = storage.save(name, ContentFile(pdf)), True
    except ReportFileExistsError:
        written = False
    if _sha256_of(storage, name) != report.sha256:
        if written:
            storage.discard_unpublished(name)
        raise ReportError(
            _("The public copy of report %(id)s is not the rendered file (its SHA-256 differs); nothing was "
              "published. The public file is never replaced: render the report again.") % {"id": report.pk}
        )
    return name, written


def publish_report(*, report: PublishedReport, by) -> PublishedReport:
    """Publish a rendered report: check its draft's bytes again, copy them to the public storage, freeze the row.

    Approvers only. Outermost (``durable``): the public copy is made inside the
    transaction that publishes the row, and removed again if that transaction
    does not commit, so a file under ``MEDIA_ROOT/reports/`` is always a
    published report's (a process killed in between leaves a copy of the
    approved bytes under an unguessable name, which the next attempt reuses).
    """
    require_permission(by, PUBLISH)
    copied = None
    try:
        with transaction.atomic(durable=True):
            locked = PublishedReport.objects.select_for_update().get(pk=report.pk)
            if locked.status == Status.PUBLISHED:
                raise ReportError(f"Report {locked.pk} is published already; a published report never changes.")
            if locked.status != Status.READY:
                raise ReportError(
                    f"Report {locked.pk} is {locked.get_status_display().lower()}, not ready to publish."
                )
            current = _current_published(locked.period, locked.language)
            if current is not None and current.pk != locked.supersedes_id:
                raise ReportError(
                    f"Report {current.pk} is the published {locked.period} report in this language: "
                    "this one must supersede it, with a correction note."
                )
            try:
                pdf = stored_bytes(locked)
            except FileNotFoundError as exc:
                raise ReportError(_("The rendered file of report %(id)s is missing: render it again.")
                                  % {"id": locked.pk}) from exc
            if hashlib.sha256(pdf).hexdigest() != locked.sha256:
                raise ReportError("The stored file is not the one rendered (its SHA-256 differs): render it again.")
            try:
                require_publishable(
                    pdf=pdf, period=parse_period(locked.period), checkpoint=locked.checkpoint,
                    language=locked.language,
                )
            except PublicationRefusedError as exc:
                raise ReportError(str(exc)) from exc
            public_name, written = _copy_to_public(locked, pdf)
            copied = public_name if written else None
            PublishedReport.objects.filter(pk=locked.pk, status=Status.READY).update(
                status=Status.PUBLISHED, published_by=by, published_at=timezone.now(), progress_text="Published",
                file=public_name, draft_file="",
            )
    except BaseException:
        if copied is not None:
            # Not published after all: its copy must not stay reachable under MEDIA_ROOT.
            _public_storage().discard_unpublished(copied)
        raise
    _discard_draft(locked.draft_file.name)
    return _fresh(report)


def _discard_draft(name: str) -> None:
    """The public copy is the report now; a draft left behind (the delete failed) is private and harmless."""
    try:
        _draft_storage().delete(name)
    except OSError:
        logger.warning("Could not delete the draft %s of a published report", name, exc_info=True)


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
