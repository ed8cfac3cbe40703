"""Spreadsheet imports from the dashboard, run in the background: queued → running → done, or failed.

Checking and recording thousands of rows takes seconds, and a web request
killed by gunicorn's 30 s timeout would leave the volunteer with a 500 and no
idea whether anything was written. So the import page only stores the file
(privately, like evidence) and queues a ``DisbursementImport``; then
``run_import_job`` does the work: in a thread of the web process when
``IMPORTS_RUN_IN_THREAD`` (development's default), otherwise in
``manage.py run_imports --forever`` workers. The page shows the row's
progress and then its result.

``run_import_job`` is a plain function of an id, so a task queue can call it
later, and it is safe to run twice, even at once:

- a runner claims the job with one conditional UPDATE (queued → running,
  with a fresh random token); a second runner finds it running and leaves it,
  unless its heartbeat is older than ``STALE_AFTER`` (the first runner died),
  in which case it takes over with a new token;
- the write (disbursements, audit entries, the job marked done) is one
  transaction that starts by updating the job row *where the claim is still
  its own*. That row lock makes a second writer wait, then find the job done
  and write nothing. A failure in between rolls everything back.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import threading

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from donations.audit import APPROVE, RECORD, require_permission
from donations.disbursement_csv import (
    MAX_FILE_BYTES,
    DisbursementImportError,
    RowError,
    check_import,
    record_import,
)
from donations.models import DisbursementImport

logger = logging.getLogger(__name__)
Status = DisbursementImport.Status

STALE_AFTER = datetime.timedelta(minutes=5)
# Problems kept for the page (it shows at most this many; the count says how many there were).
KEPT_ERRORS = 1000


def imports_run_in_thread() -> bool:
    return bool(getattr(settings, "IMPORTS_RUN_IN_THREAD", settings.DEBUG))


def start_import(
    *, upload: UploadedFile, by, submit: bool = False, allow_duplicates: bool = False, dry_run: bool = False,
) -> DisbursementImport:
    """Store the uploaded file privately and queue its import; the messages will be in the current language.

    Refuses at once (``PermissionDenied``, or ``DisbursementImportError`` for a
    file over the size limit) rather than queueing what cannot succeed.
    """
    require_permission(by, RECORD)
    if upload.size is not None and upload.size > MAX_FILE_BYTES:
        raise DisbursementImportError([RowError(None, "", _(
            "The file is larger than %(megabytes)d MB: split it into smaller files."
        ) % {"megabytes": MAX_FILE_BYTES // (1024 * 1024)})])
    job = DisbursementImport(
        created_by=by, submit=submit, allow_duplicates=allow_duplicates, dry_run=dry_run,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        original_name=(upload.name or "")[:200], size=upload.size or 0,
    )
    # A random name: the volunteer's file name may name a place or a person.
    job.file.save(f"{secrets.token_hex(16)}.csv", upload, save=False)
    job.save()
    if imports_run_in_thread():
        transaction.on_commit(lambda: _run_in_thread(job.pk))
    return job


def _run_in_thread(job_id: int) -> None:
    def run() -> None:
        try:
            run_import_job(job_id)
        finally:
            connection.close()

    threading.Thread(target=run, name=f"disbursement-import-{job_id}", daemon=True).start()


def _claim(job_id: int) -> str | None:
    """Take the job if it waits, or if its runner stopped giving signs of life; the new claim's token."""
    now = timezone.now()
    token = secrets.token_hex(16)
    claimed = DisbursementImport.objects.filter(
        Q(status=Status.QUEUED) | Q(status=Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER), pk=job_id
    ).update(status=Status.RUNNING, claim=token, started_at=now, heartbeat_at=now, rows_done=0)
    return token if claimed else None


def _mine(job_id: int, token: str) -> QuerySet[DisbursementImport]:
    return DisbursementImport.objects.filter(pk=job_id, status=Status.RUNNING, claim=token)


def _progress(job_id: int, token: str, done: int, total: int) -> None:
    _mine(job_id, token).update(rows_done=min(done, total), rows_total=total, heartbeat_at=timezone.now())


def _fail(job_id: int, token: str, errors: list[RowError]) -> None:
    _mine(job_id, token).update(
        status=Status.FAILED, finished_at=timezone.now(), error_count=len(errors),
        errors=[[error.row, error.column, str(error.message), error.kind] for error in errors[:KEPT_ERRORS]],
    )


def run_import_job(job_id: int) -> DisbursementImport:
    """Check the job's file and record it, all rows or none; the job row says how it went. Safe to run twice."""
    token = _claim(job_id)
    if token is None:  # Done, failed, or another runner is at it.
        return DisbursementImport.objects.get(pk=job_id)
    job = DisbursementImport.objects.select_related("created_by").get(pk=job_id)
    with translation.override(job.language):
        try:
            with job.file.open("rb") as handle:
                data = handle.read()
            checked = check_import(
                data, recorded_by=job.created_by, submit=job.submit, allow_duplicates=job.allow_duplicates,
                progress=lambda done, total: _progress(job_id, token, done, total),
            )
            with transaction.atomic():
                # First, so a second runner waits here and then finds the job no longer its own.
                if not _mine(job_id, token).update(heartbeat_at=timezone.now()):
                    return DisbursementImport.objects.get(pk=job_id)
                recorded = [] if job.dry_run else record_import(checked, recorded_by=job.created_by)
                _mine(job_id, token).update(
                    status=Status.DONE, finished_at=timezone.now(), rows_total=checked.rows, rows_done=checked.rows,
                    recorded_count=len(recorded),
                    first_disbursement_id=recorded[0].pk if recorded else None,
                    last_disbursement_id=recorded[-1].pk if recorded else None,
                )
        except DisbursementImportError as exc:
            _fail(job_id, token, exc.errors)
        except PermissionDenied:
            refused = _("You may no longer record disbursements: nothing was recorded.")
            _fail(job_id, token, [RowError(None, "", refused)])
        except Exception:  # A worker must survive a broken job and say that it broke.
            logger.exception("Disbursement import %s failed", job_id)
            _fail(job_id, token, [RowError(None, "", _(
                "The import stopped because of an error on our side; nothing was recorded. Try again later, and "
                "tell the site's administrators if it happens again."
            ))])
    return DisbursementImport.objects.get(pk=job_id)


def run_queued_imports(*, limit: int = 5) -> int:
    """Run waiting imports (and those whose runner died), oldest first; how many this runner took."""
    stale = timezone.now() - STALE_AFTER
    waiting = DisbursementImport.objects.filter(
        Q(status=Status.QUEUED) | Q(status=Status.RUNNING, heartbeat_at__lt=stale)
    ).order_by("created_at", "id").values_list("pk", flat=True)[:limit]
    taken = 0
    for job_id in list(waiting):
        job = run_import_job(job_id)
        taken += job.status in (Status.DONE, Status.FAILED)
    return taken


def imports_visible_to(user) -> QuerySet[DisbursementImport]:
    """A volunteer sees their own imports; an approver sees everyone's."""
    jobs = DisbursementImport.objects.select_related("created_by")
    return jobs if user.has_perm(APPROVE) else jobs.filter(created_by=user)
