"""The report tests' ledger (the shared ``tests.donations.public_books``), media and people."""

from __future__ import annotations

import pytest

from tests.donations import finance
from tests.donations.public_books import build_books


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Each test publishes into its own MEDIA_ROOT, keeps drafts in its own private directory, and renders
    in this process (no pool, no thread)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.REPORT_DRAFTS_ROOT = tmp_path / "report-drafts"
    settings.REPORT_RENDER_PROCESSES = 1
    settings.REPORTS_RENDER_IN_THREAD = False
    settings.SITE_URL = "https://proceeds.test"
    return settings.MEDIA_ROOT


@pytest.fixture
def books(db):
    return build_books()


def member(username: str, group: str | None, *, is_staff: bool = True):
    """A user whose only permissions come from a finance group."""
    from django.contrib.auth.models import User

    from donations.dashboard.groups import ensure_finance_groups

    user = finance.make_user(username)
    user.is_staff = is_staff
    user.save(update_fields=["is_staff"])
    if group:
        user.groups.add(ensure_finance_groups()[group])
    return User.objects.get(pk=user.pk)


@pytest.fixture
def people(db):
    from types import SimpleNamespace

    from donations.dashboard.groups import FINANCE_APPROVERS, FINANCE_VOLUNTEERS

    return SimpleNamespace(
        volunteer=member("report-volunteer", FINANCE_VOLUNTEERS),
        approver=member("report-approver", FINANCE_APPROVERS),
        customer=member("report-customer", None, is_staff=False),
    )


def publish(books, people, *, language: str = "en", supersedes=None, note: str = ""):
    """Request, render and publish a report of the books' aid month, as the workspace does."""
    from donations.reports import publishing

    report = publishing.request_report(
        period=books.period, language=language, by=people.volunteer, supersedes=supersedes, correction_note=note,
    )
    publishing.render_queued_reports(only=report.pk)
    report.refresh_from_db()
    assert report.status == "ready", report.error
    return publishing.publish_report(report=report, by=people.approver)
