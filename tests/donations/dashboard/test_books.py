"""The ledger, proceeds and audit pages: what the books say, readable by finance approvers."""

from __future__ import annotations

import pytest

from donations import disbursements
from donations.models import AuditLogEntry
from tests.donations.dashboard.conftest import login, url
from tests.donations.finance import posted, record, sell


@pytest.fixture
def books_with_aid(team):
    """Two orders' proceeds (500 + 300 EUR) and a posted case disbursement of 100 EUR funded by the first."""
    first = sell("100001", 50_000, day=1)
    second = sell("100002", 30_000, day=2)
    disbursement = posted(team)
    return {"first": first, "second": second, "disbursement": disbursement, "entry": disbursement.posted_entry}


@pytest.mark.django_db
def test_the_ledger_lists_every_account_with_its_balances_and_the_unallocated_proceeds(client, team, books_with_aid):
    login(client, team.approver)
    response = client.get(url("ledger"))
    overview = response.context["overview"]
    balances = {row.account.code: [str(money) for money in row.balances] for row in overview.accounts}
    assert balances["aid-fund"] == ["-700.00 EUR"]
    assert balances["aid-spent:medicine"] == ["100.00 EUR"]
    assert balances["stripe-balance"] == ["800.00 EUR"]
    assert [money.minor for money in overview.totals] == [0]
    assert str(overview.unallocated) == "700.00 EUR"
    page = response.content.decode()
    assert 'id="unallocated_balance"' in page and "€700.00" in page
    assert url("ledger-account", code="aid-spent:medicine") in page


@pytest.mark.django_db
def test_an_account_page_lists_its_postings_newest_first(client, team, books_with_aid):
    login(client, team.approver)
    response = client.get(url("ledger-account", code="aid-fund"))
    rows = response.context["page_obj"].object_list
    assert [row.entry.sequence for row in rows] == [
        books_with_aid["entry"].sequence,
        books_with_aid["second"].sequence,
        books_with_aid["first"].sequence,
    ]
    assert [(row.amount.minor, row.is_debit) for row in rows] == [(10_000, True), (-30_000, False), (-50_000, False)]
    assert [str(money) for money in response.context["page"].balances] == ["-700.00 EUR"]
    page = response.content.decode()
    assert "order 100002" in page and "Order proceeds" in page and "Disbursement" in page
    assert client.get(url("ledger-account", code="no-such-account")).status_code == 404


@pytest.mark.django_db
def test_an_account_page_is_paginated(client, team):
    for number in range(55):
        sell(f"2000{number:02d}", 1_000)
    login(client, team.approver)
    first = client.get(url("ledger-account", code="aid-fund")).context["page_obj"]
    assert first.paginator.num_pages == 2 and first.object_list[0].entry.sequence == 55
    last = client.get(url("ledger-account", code="aid-fund"), {"page": 2}).context["page_obj"]
    assert [row.entry.sequence for row in last.object_list] == [5, 4, 3, 2, 1]


@pytest.mark.django_db
def test_a_case_entry_page_says_the_public_sees_only_a_commitment(client, team, books_with_aid):
    login(client, team.approver)
    entry = books_with_aid["entry"]
    response = client.get(url("ledger-entry", sequence=entry.sequence))
    page = response.content.decode()
    assert 'id="case_commitment_note"' in page and "only a salted commitment" in page
    assert entry.leaf_hash in page
    assert [(row.posting.account.code, row.amount.minor) for row in response.context["page"].postings] == [
        ("aid-spent:medicine", 10_000),
        ("bank", -10_000),
        ("aid-fund", 10_000),
        ("proceeds-to-aid", -10_000),
    ]
    assert response.context["page"].disbursement_id == books_with_aid["disbursement"].pk
    assert "Insulin" not in page and "CASE-OLESHKY" not in page and entry.commitment_salt not in page

    plain = client.get(url("ledger-entry", sequence=books_with_aid["first"].sequence)).content.decode()
    assert 'id="case_commitment_note"' not in plain
    assert client.get(url("ledger-entry", sequence=999)).status_code == 404


@pytest.mark.django_db
def test_the_allocation_page_shows_each_orders_proceeds_allocated_and_unallocated(client, team, books_with_aid):
    login(client, team.approver)
    response = client.get(url("allocation"))
    overview = response.context["overview"]
    assert [(b.order_number, b.net.minor, b.allocated.minor, b.unallocated.minor) for b in overview.proceeds] == [
        ("100002", 30_000, 0, 30_000),
        ("100001", 50_000, 10_000, 40_000),
    ]
    assert str(overview.unallocated) == "700.00 EUR"
    assert 'id="unallocated_balance"' in response.content.decode()


@pytest.mark.django_db
def test_an_order_search_says_what_the_purchase_funded(client, team, books_with_aid):
    login(client, team.approver)
    response = client.get(url("allocation"), {"order": "100001"})
    funding = response.context["overview"].funding
    assert [(item.disbursement.pk, str(item.amount)) for item in funding] == [
        (books_with_aid["disbursement"].pk, "100.00 EUR")
    ]
    assert url("disbursement-detail", pk=books_with_aid["disbursement"].pk) in response.content.decode()

    assert "have not funded any disbursement yet" in client.get(url("allocation"), {"order": "100002"}).content.decode()
    assert (
        "No proceeds are recorded for order 424242"
        in client.get(url("allocation"), {"order": "424242"}).content.decode()
    )


@pytest.mark.django_db
def test_the_audit_log_is_newest_first_and_filters_by_disbursement_who_and_action(client, team):
    first = record(team)
    second = record(team, by=team.approver)
    disbursements.submit_disbursement(disbursement=first, by=team.volunteer)
    login(client, team.approver)

    def entries(**query):
        response = client.get(url("audit-log"), query)
        assert response.status_code == 200
        return [(entry.disbursement_id, entry.actor.username, entry.action) for entry in response.context["entries"]]

    assert entries() == [
        (first.pk, "volunteer", "submitted"),
        (second.pk, "approver", "recorded"),
        (first.pk, "volunteer", "recorded"),
    ]
    assert entries(disbursement=first.pk) == [(first.pk, "volunteer", "submitted"), (first.pk, "volunteer", "recorded")]
    assert entries(who="approver") == [(second.pk, "approver", "recorded")]
    assert entries(who="volunteer@example.org", action="recorded") == [(first.pk, "volunteer", "recorded")]
    assert entries(action="approved") == []
    assert AuditLogEntry.objects.count() == 3
