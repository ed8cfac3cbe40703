"""Who reaches the finance workspace: staff with the page's permission, and nobody else."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from donations.allocation import earmark_disbursement
from donations.dashboard.groups import FINANCE_APPROVERS, FINANCE_GROUPS, FINANCE_VOLUNTEERS, ensure_finance_groups
from donations.dashboard.permissions import PERMISSIONS
from donations.evidence import attach_evidence
from donations.models import Disbursement, PublishedReport
from tests.donations.dashboard.conftest import login, member, url
from tests.donations.finance import eur, record, sell

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def rows(team):
    """One of everything a workspace URL names."""
    proceeds = sell("100001", 50_000)
    disbursement = record(team)
    evidence = attach_evidence(
        disbursement=disbursement, upload=SimpleUploadedFile("receipt.pdf", PDF_BYTES), by=team.volunteer
    )
    earmark = earmark_disbursement(
        disbursement=disbursement, proceeds_entry=proceeds, amount=eur(1000), by=team.volunteer
    )
    report = PublishedReport.objects.create(period="2025-01", language="en", requested_by=team.volunteer)
    return {
        "disbursement": disbursement, "evidence": evidence, "earmark": earmark, "entry": proceeds, "report": report,
    }


def workspace_urls(rows) -> list[tuple[str, str]]:
    """(method, URL) for every page the permission map guards."""
    pk = rows["disbursement"].pk
    arguments = {
        "disbursement-detail": {"pk": pk},
        "disbursement-edit": {"pk": pk},
        "disbursement-submit": {"pk": pk},
        "disbursement-approve": {"pk": pk},
        "disbursement-reject": {"pk": pk},
        "disbursement-post": {"pk": pk},
        "disbursement-reverse": {"pk": pk},
        "disbursement-earmark": {"pk": pk},
        "evidence-upload": {"pk": pk},
        "earmark-remove": {"pk": rows["earmark"].pk},
        "evidence-view": {"pk": rows["evidence"].pk},
        "evidence-remove": {"pk": rows["evidence"].pk},
        "ledger-account": {"code": "aid-fund"},
        "ledger-entry": {"sequence": rows["entry"].sequence},
        **{name: {"pk": rows["report"].pk} for name in ("report-detail", "report-publish", "report-retry",
                                                         "report-preview")},
    }
    posts = {
        "disbursement-submit", "disbursement-approve", "disbursement-post", "disbursement-reverse", "earmark-remove",
        "evidence-remove", "report-request", "report-publish", "report-retry",
    }
    result = []
    for name in PERMISSIONS:
        address = url(name, **arguments.get(name, {}))
        result.append(("get", address))
        if name in posts or name in {
            "disbursement-create",
            "disbursement-edit",
            "disbursement-reject",
            "disbursement-earmark",
            "evidence-upload",
        }:
            result.append(("post", address))
    return result


def assert_nothing_changed(rows):
    disbursement = Disbursement.objects.get(pk=rows["disbursement"].pk)
    assert disbursement.status == Disbursement.Status.DRAFT
    assert disbursement.evidence.count() == 1
    assert disbursement.earmarks.count() == 1
    assert PublishedReport.objects.get().status == PublishedReport.Status.QUEUED


@pytest.mark.django_db
def test_visitors_are_sent_to_the_login_page_from_every_workspace_page(client, rows):
    for method, address in workspace_urls(rows):
        response = getattr(client, method)(address)
        assert response.status_code == 302, (method, address)
        assert "/accounts/login/" in response["Location"], (method, address)
    assert_nothing_changed(rows)


@pytest.mark.django_db
def test_customers_and_staff_without_finance_permissions_get_403_everywhere(client, rows, customer):
    shop_staff = member("shop-staff", None)
    for user in (customer, shop_staff):
        login(client, user)
        for method, address in workspace_urls(rows):
            assert getattr(client, method)(address).status_code == 403, (user, method, address)
    assert_nothing_changed(rows)


@pytest.mark.django_db
def test_finance_permissions_without_staff_status_open_nothing(client, rows):
    """A customer account that was given a group by mistake still cannot reach Oscar's dashboard pages."""
    not_staff = member("not-staff", FINANCE_APPROVERS, is_staff=False)
    login(client, not_staff)
    for method, address in workspace_urls(rows):
        assert getattr(client, method)(address).status_code == 403, (method, address)


@pytest.mark.django_db
def test_evidence_files_are_never_served_to_visitors_customers_or_volunteers(client, rows, team, customer):
    address = url("evidence-view", pk=rows["evidence"].pk)
    response = client.get(address)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for user in (customer, team.volunteer):
        login(client, user)
        assert client.get(address).status_code == 403
        assert client.get(address + "?download=1").status_code == 403


@pytest.mark.django_db
def test_a_volunteer_reaches_the_disbursement_pages_but_not_the_books(client, rows, team):
    login(client, team.volunteer)
    pk = rows["disbursement"].pk
    for name, kwargs in [
        ("disbursement-list", {}),
        ("disbursement-detail", {"pk": pk}),
        ("disbursement-create", {}),
        ("disbursement-edit", {"pk": pk}),
    ]:
        assert client.get(url(name, **kwargs)).status_code == 200, name
    for name in ("ledger", "allocation", "audit-log"):
        assert client.get(url(name)).status_code == 403, name


@pytest.mark.django_db
def test_an_approver_reaches_every_page(client, rows, team):
    login(client, team.approver)
    for name in ("disbursement-list", "ledger", "allocation", "audit-log"):
        assert client.get(url(name)).status_code == 200, name
    assert client.get(url("ledger-account", code="aid-fund")).status_code == 200
    assert client.get(url("ledger-entry", sequence=rows["entry"].sequence)).status_code == 200


@pytest.mark.django_db
def test_the_dashboard_menu_shows_finance_pages_by_permission(client, rows, team):
    login(client, team.approver)
    menu = client.get(reverse("dashboard:index")).content.decode()
    assert "Finance" in menu
    for name in ("disbursement-list", "ledger", "allocation", "audit-log"):
        assert url(name) in menu, name

    login(client, team.volunteer)
    menu = client.get(reverse("dashboard:index")).content.decode()
    assert url("disbursement-list") in menu
    assert url("ledger") not in menu and url("audit-log") not in menu and url("allocation") not in menu

    login(client, member("shop-staff", None))
    menu = client.get(reverse("dashboard:index")).content.decode()
    assert "fa-hand-holding-heart" not in menu and url("disbursement-list") not in menu


@pytest.mark.django_db
def test_the_migration_creates_both_groups_and_any_missing_permission():
    """As on a fresh database, where post_migrate has not yet created the permissions the groups need."""
    Group.objects.filter(name__in=list(FINANCE_GROUPS)).delete()
    Permission.objects.filter(content_type__app_label="donations", codename="view_disbursement_evidence").delete()
    state = MigrationLoader(connection).project_state(("donations", "0007_finance_groups"))

    migration().create_finance_groups(state.apps, None)
    reports = importlib.import_module("donations.migrations.0009_published_reports")
    after_reports = MigrationLoader(connection).project_state(("donations", "0009_published_reports"))
    reports.grant_report_permissions(after_reports.apps, None)

    found = {
        group.name: set(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.filter(name__in=list(FINANCE_GROUPS))
    }
    assert found == {name: set(codenames) for name, codenames in FINANCE_GROUPS.items()}


@pytest.mark.django_db
def test_ensure_finance_groups_recreates_them_after_a_flush_and_is_idempotent():
    Group.objects.filter(name__in=list(FINANCE_GROUPS)).delete()
    ensure_finance_groups()
    ensure_finance_groups()
    assert Group.objects.filter(name__in=list(FINANCE_GROUPS)).count() == 2
    assert set(Group.objects.get(name=FINANCE_VOLUNTEERS).permissions.values_list("codename", flat=True)) == {
        "add_disbursement",
        "change_disbursement",
        "view_disbursement",
        "add_publishedreport",
        "view_publishedreport",
    }


def migration():
    return importlib.import_module("donations.migrations.0007_finance_groups")


def test_the_migration_holds_the_same_groups_as_the_code():
    """The migration's frozen copy and ``FINANCE_GROUPS`` agree today (a later change needs a new migration)."""
    reports = importlib.import_module("donations.migrations.0009_published_reports").REPORT_PERMISSIONS
    frozen = {name: {*codenames, *reports.get(name, ())} for name, codenames in migration().FINANCE_GROUPS.items()}
    assert frozen == {name: set(codenames) for name, codenames in FINANCE_GROUPS.items()}


def test_every_workspace_url_is_in_the_permission_map():
    from donations.dashboard import urls

    guarded_names = {pattern.name for pattern in urls.urlpatterns} - {
        "disbursement-import",
        "disbursement-template",
        "disbursement-export",
        "disbursement-import-job",  # csv_views checks its own.
    }
    assert guarded_names == set(PERMISSIONS)
