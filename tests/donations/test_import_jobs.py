"""Spreadsheet imports in the background (donations/import_jobs.py) and the run_imports worker command."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone, translation

from donations import disbursements, import_jobs
from donations.import_jobs import run_import_job, run_queued_imports, start_import
from donations.models import AuditLogEntry, Disbursement, DisbursementImport
from tests.donations.finance import ensure_vocabulary, finance_team
from tests.donations.test_disbursement_csv import csv_bytes, row

Status = DisbursementImport.Status


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


@pytest.fixture
def team(books):
    ensure_vocabulary()
    return finance_team()


def queued(team, rows, **options) -> DisbursementImport:
    upload = SimpleUploadedFile("march.csv", csv_bytes(rows), content_type="text/csv")
    return start_import(upload=upload, by=team.volunteer, **options)


def test_the_upload_is_stored_privately_under_a_random_name(team, settings, tmp_path):
    job = queued(team, [row()])
    path = job.file.path
    assert path.startswith(str(tmp_path / "evidence" / "imports"))
    assert "march" not in path and job.original_name == "march.csv"
    assert not path.startswith(str(settings.MEDIA_ROOT))
    with job.file.open("rb") as handle:
        assert handle.read().startswith(b"paid_on,amount,currency")


def test_a_job_goes_from_queued_through_running_with_progress_to_done(team, monkeypatch):
    monkeypatch.setattr(disbursements, "PROGRESS_EVERY", 2)
    seen = []
    progress = import_jobs._progress

    def watched(job_id, token, done, total):
        progress(job_id, token, done, total)
        job = DisbursementImport.objects.get(pk=job_id)
        seen.append((job.status, job.rows_done, job.rows_total, job.percent))

    monkeypatch.setattr(import_jobs, "_progress", watched)
    job = queued(team, [row() for _ in range(5)], submit=True)
    assert (job.status, job.rows_done, job.percent) == (Status.QUEUED, 0, 0)

    done = run_import_job(job.pk)
    assert seen == [("running", 0, 5, 0), ("running", 2, 5, 40), ("running", 4, 5, 80), ("running", 5, 5, 100)]
    assert (done.status, done.rows_total, done.rows_done, done.recorded_count) == (Status.DONE, 5, 5, 5)
    recorded = list(Disbursement.objects.order_by("id"))
    assert (done.first_disbursement_id, done.last_disbursement_id) == (recorded[0].pk, recorded[-1].pk)
    assert {d.status for d in recorded} == {"submitted"} and done.finished_at and done.started_at
    assert AuditLogEntry.objects.filter(action="imported").count() == 1


def test_a_failing_file_fails_with_its_report_and_writes_nothing(team):
    job = queued(team, [row(), row(amount="1e30"), row(exchange_rate="NaN", currency="UAH")])
    failed = run_import_job(job.pk)
    assert failed.status == Status.FAILED and failed.error_count == 2
    assert [(error[0], error[1]) for error in failed.errors] == [(3, "amount"), (4, "exchange_rate")]
    assert "at most 92\u00a0233\u00a0720\u00a0368\u00a0547\u00a0758.07 EUR" in failed.errors[0][2]
    assert Disbursement.objects.count() == 0 and AuditLogEntry.objects.count() == 0


def test_the_report_is_in_the_language_the_volunteer_uploaded_in(team):
    with translation.override("uk"):
        job = queued(team, [row(amount="1e30")])
    failed = run_import_job(job.pk)
    assert failed.language == "uk"
    assert "Сплачена сума" in failed.errors[0][2]


def test_running_a_job_twice_records_once(team):
    job = queued(team, [row(), row()])
    assert run_import_job(job.pk).status == Status.DONE
    again = run_import_job(job.pk)
    assert again.status == Status.DONE and again.recorded_count == 2
    assert Disbursement.objects.count() == 2 and AuditLogEntry.objects.filter(action="imported").count() == 1


def test_a_job_another_runner_is_running_is_left_alone_until_that_runner_dies(team):
    job = queued(team, [row()])
    alive = import_jobs._claim(job.pk)
    assert alive and import_jobs._claim(job.pk) is None
    assert run_import_job(job.pk).status == Status.RUNNING and Disbursement.objects.count() == 0
    DisbursementImport.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - import_jobs.STALE_AFTER - datetime.timedelta(seconds=1)
    )
    assert run_import_job(job.pk).status == Status.DONE
    # The first runner wakes up and tries to finish: its claim is gone, so nothing more is written.
    assert not import_jobs._mine(job.pk, alive).exists()
    assert Disbursement.objects.count() == 1


def test_the_worker_command_runs_what_waits(team, capsys):
    first, second = queued(team, [row()]), queued(team, [row(amount="-1")])
    call_command("run_imports")
    assert "Ran 2 import(s)." in capsys.readouterr().out
    assert DisbursementImport.objects.get(pk=first.pk).status == Status.DONE
    assert DisbursementImport.objects.get(pk=second.pk).status == Status.FAILED
    assert run_queued_imports() == 0


def test_a_volunteer_who_lost_the_right_to_record_gets_a_failed_import(team):
    job = queued(team, [row()])
    team.volunteer.user_permissions.clear()
    failed = run_import_job(job.pk)
    assert failed.status == Status.FAILED and "no longer record" in failed.errors[0][2]
    assert Disbursement.objects.count() == 0


def test_an_unexpected_error_fails_the_job_and_the_runner_survives(team, monkeypatch):
    job = queued(team, [row()])

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(import_jobs, "record_import", broken)
    failed = run_import_job(job.pk)
    assert failed.status == Status.FAILED and "error on our side" in failed.errors[0][2]
    assert "disk on fire" not in str(failed.errors)
    assert Disbursement.objects.count() == 0


def test_a_thread_runs_the_import_after_the_upload_commits_when_configured(team, settings, monkeypatch):
    settings.IMPORTS_RUN_IN_THREAD = True
    started = []
    monkeypatch.setattr(import_jobs, "_run_in_thread", started.append)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        job = queued(team, [row()])
    assert started == [job.pk]
