"""The workspace's selectors: fixed query counts, whatever the rows; the buttons each state and person get."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from donations import disbursements
from donations.dashboard import selectors
from donations.models import Disbursement
from tests.donations.finance import approved, posted, record, sell


@pytest.fixture
def books(team):
    for number in range(3):
        sell(f"10000{number}", 20_000, day=number + 1)
    return posted(team)


@pytest.mark.django_db
def test_query_counts(team, books, django_assert_num_queries):
    sequence = books.posted_entry.sequence
    with django_assert_num_queries(2):
        page = selectors.disbursement_page(QueryDict("status=posted"))
        assert [row.disbursement.category.code for row in page.object_list] == ["medicine"]
        assert [row.disbursement.recorded_by.username for row in page.object_list] == ["volunteer"]
    with django_assert_num_queries(6):
        detail = selectors.disbursement_detail(books.pk)
        assert detail.disbursement.posted_entry.sequence and detail.funding and detail.audit
        assert [row.earmark for row in detail.earmarks] == []
    with django_assert_num_queries(4):
        account = selectors.account_detail("aid-fund")
        assert [row.entry.sequence for row in account.postings.object_list] == [4, 3, 2, 1]
    with django_assert_num_queries(4):
        assert len(selectors.entry_detail(sequence).postings) == 4
    with django_assert_num_queries(2):
        assert len(selectors.audit_page(disbursement=books.pk).object_list) == 4
    with django_assert_num_queries(8):
        overview = selectors.ledger_overview()
        assert overview.log_size == 4 and str(overview.unallocated) == "500.00 EUR"
    with django_assert_num_queries(13):
        overview = selectors.allocation_overview()
        assert [balance.order_number for balance in overview.proceeds] == ["100002", "100001", "100000"]
    with django_assert_num_queries(16):
        assert [item.disbursement for item in selectors.allocation_overview(order_number="100000").funding] == [books]


@pytest.mark.django_db
def test_missing_rows_are_none(team):
    assert selectors.disbursement_detail(404) is None
    assert selectors.account_detail("nope") is None
    assert selectors.entry_detail(404) is None


@pytest.mark.django_db
def test_a_proceeds_entry_is_found_by_order_number_or_sequence(team):
    entry = sell("100042", 1_000)
    assert selectors.proceeds_entry_by_reference(" 100042 ") == entry
    assert selectors.proceeds_entry_by_reference(f"#{entry.sequence}") == entry
    assert selectors.proceeds_entry_by_reference("100043") is None


def buttons(disbursement: Disbursement, user) -> set[str]:
    actions = selectors.disbursement_actions(disbursement, user)
    return {name for name, value in vars(actions).items() if value is True}


@pytest.mark.django_db
def test_the_buttons_follow_the_state_and_never_let_the_recorder_judge(team):
    draft = record(team)
    assert buttons(draft, team.volunteer) == {"edit", "submit", "earmark", "add_evidence", "remove_evidence"}
    submitted = disbursements.submit_disbursement(disbursement=draft, by=team.volunteer)
    assert buttons(submitted, team.volunteer) == {
        "edit", "edit_reopens", "earmark", "add_evidence", "recorded_by_you"
    }
    assert buttons(submitted, team.approver) == {
        "edit", "edit_reopens", "approve", "reject", "earmark", "add_evidence", "view_evidence"
    }

    own = disbursements.submit_disbursement(disbursement=record(team, by=team.approver), by=team.approver)
    assert buttons(own, team.approver) == {
        "edit", "edit_reopens", "earmark", "add_evidence", "view_evidence", "recorded_by_you"
    }
    assert {"approve", "reject"} <= buttons(own, team.second_approver)

    ready = approved(team)
    assert buttons(ready, team.second_approver) == {
        "edit", "edit_reopens", "reject", "post", "earmark", "add_evidence", "view_evidence"
    }
    rejected = disbursements.reject_disbursement(disbursement=ready, by=team.second_approver, reason="duplicate")
    assert buttons(rejected, team.second_approver) == {"view_evidence"}


@pytest.mark.django_db
def test_whoever_changed_a_disbursement_is_offered_neither_approve_nor_post(team):
    draft = record(team)
    disbursements.update_disbursement(disbursement=draft, by=team.approver, people_helped=8)
    submitted = disbursements.submit_disbursement(disbursement=draft, by=team.volunteer)
    assert not {"approve", "reject"} & buttons(submitted, team.approver)
    assert "recorded_by_you" in buttons(submitted, team.approver)
    decided = disbursements.approve_disbursement(disbursement=submitted, by=team.second_approver)
    assert "post" not in buttons(decided, team.approver)
    assert "post" in buttons(decided, team.second_approver)

