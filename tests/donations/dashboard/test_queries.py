"""Workspace pages make a number of queries that does not grow with their rows (a new N+1 fails here)."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from donations import disbursements
from donations.evidence import attach_evidence
from tests.donations.dashboard.conftest import login, url
from tests.donations.finance import record, sell

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

# Whole requests: session, user, permissions and Oscar's menu included; the page's own reads are a handful.
LIST_QUERIES = 11
LEDGER_QUERIES = 14
ACCOUNT_QUERIES = 10
AUDIT_QUERIES = 8
ALLOCATION_QUERIES = 22
DETAIL_QUERIES = 12  # the page's six (selectors.disbursement_detail) and the session, user, messages


def disbursements_with_evidence(team, count: int) -> list:
    rows = []
    for day in range(count):
        disbursement = record(team, paid_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=day))
        attach_evidence(disbursement=disbursement, upload=SimpleUploadedFile("r.pdf", PDF_BYTES), by=team.volunteer)
        rows.append(disbursement)
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 30])
def test_the_disbursement_list(client, team, count, django_assert_max_num_queries):
    disbursements_with_evidence(team, count)
    login(client, team.approver)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(url("disbursement-list"), {"category": "medicine", "mine": ""})
    assert len(response.context["rows"]) == count


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 30])
def test_the_ledger_and_an_account(client, team, count, django_assert_max_num_queries):
    for number in range(count):
        sell(f"1000{number:02d}", 1_000 + number)
    login(client, team.approver)
    with django_assert_max_num_queries(LEDGER_QUERIES):
        client.get(url("ledger"))
    with django_assert_max_num_queries(ACCOUNT_QUERIES):
        response = client.get(url("ledger-account", code="aid-fund"))
    assert len(response.context["page_obj"].object_list) == count


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 30])
def test_the_audit_log(client, team, count, django_assert_max_num_queries):
    for disbursement in disbursements_with_evidence(team, count):
        disbursements.submit_disbursement(disbursement=disbursement, by=team.volunteer)
    login(client, team.approver)
    with django_assert_max_num_queries(AUDIT_QUERIES):
        response = client.get(url("audit-log"))
    assert len(response.context["entries"]) == min(3 * count, 50)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 30])
def test_the_allocation_page(client, team, count, django_assert_max_num_queries):
    for number in range(count):
        sell(f"1000{number:02d}", 1_000)
    login(client, team.approver)
    with django_assert_max_num_queries(ALLOCATION_QUERIES):
        response = client.get(url("allocation"), {"order": "100001"})
    assert len(response.context["page_obj"].object_list) == count


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 8])
def test_a_disbursement_page_with_its_evidence_and_log(client, team, count, django_assert_max_num_queries):
    disbursement = record(team)
    for _ in range(count):
        attach_evidence(disbursement=disbursement, upload=SimpleUploadedFile("r.pdf", PDF_BYTES), by=team.volunteer)
    login(client, team.approver)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(url("disbursement-detail", pk=disbursement.pk))
    assert len(response.context["page"].evidence) == count
