"""Monthly case aid summaries: the public's only view of aid to people, checked against the private books."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.db import connection

from donations import case_aid, disbursements
from donations.checkpoints import make_checkpoint
from donations.models import CaseAidCoverage, JournalEntry
from donations.verification import verify_ledger
from tests.donations import finance
from tests.donations.tampering import tamper

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 15)  # with the default 30-day delay: months up to April 2025 are due


@pytest.fixture
def team():
    finance.ensure_vocabulary()
    finance.sell("1001", 5_000_000)
    return finance.finance_team()


def post_cases(team, count: int, *, paid_on: datetime.date, amount: str = "100.00", **overrides):
    return [
        finance.posted(team, paid_on=paid_on, amount=amount, concerns_case=True, **overrides) for _ in range(count)
    ]


def summary_leaf(entry: JournalEntry) -> dict:
    return json.loads(entry.public_leaf)


def test_latest_publishable_month_respects_the_delay():
    assert case_aid.latest_publishable_month_end(datetime.date(2025, 6, 15), 30) == datetime.date(2025, 4, 30)
    assert case_aid.latest_publishable_month_end(datetime.date(2025, 5, 31), 30) == datetime.date(2025, 4, 30)
    assert case_aid.latest_publishable_month_end(datetime.date(2025, 5, 29), 30) == datetime.date(2025, 3, 31)


def test_a_safe_month_is_summarised_once_and_shows_no_single_case(team):
    cases = post_cases(team, 5, paid_on=datetime.date(2025, 3, 10))
    entries = case_aid.publish_case_aid_summaries(today=TODAY)
    assert len(entries) == 1
    leaf = summary_leaf(entries[0])
    assert leaf["kind"] == "case_aid_summary" and leaf["date"] == "2025-03"
    assert leaf["postings"] == sorted(
        [
            {"account": "memo:case-aid:medicine:occupied", "amount": 50_000, "currency": "EUR"},
            {"account": "memo:case-aid-offset", "amount": -50_000, "currency": "EUR"},
        ],
        key=lambda line: line["account"] != "memo:case-aid:medicine:occupied",
    )
    details = leaf["details"]
    assert details["cases"] == 5 and details["people_helped"] == 15
    assert details["covers"] == ",".join(str(d.posted_entry.sequence) for d in cases)
    assert details["from"] == details["to"] == "2025-03"
    for private in ("Oleshky", "Halyna", "CASE-", "Zdorovya", "2025-03-10"):
        assert private not in entries[0].public_leaf
    # Again: nothing new to say.
    assert case_aid.publish_case_aid_summaries(today=TODAY) == []
    assert CaseAidCoverage.objects.count() == 5
    assert verify_ledger().ok


def test_a_month_too_small_to_publish_waits_for_the_next(team):
    post_cases(team, 3, paid_on=datetime.date(2025, 2, 10))
    assert case_aid.publish_case_aid_summaries(today=TODAY) == []
    assert case_aid.withheld_case_entries(today=TODAY) == 3
    post_cases(team, 2, paid_on=datetime.date(2025, 3, 10))
    [entry] = case_aid.publish_case_aid_summaries(today=TODAY)
    details = summary_leaf(entry)["details"]
    assert (details["from"], details["to"], details["cases"]) == ("2025-02", "2025-03", 5)
    assert case_aid.withheld_case_entries(today=TODAY) == 0


def test_cases_inside_the_publication_delay_wait(team):
    post_cases(team, 5, paid_on=datetime.date(2025, 5, 2))
    assert case_aid.publish_case_aid_summaries(today=TODAY) == []
    assert len(case_aid.publish_case_aid_summaries(today=datetime.date(2025, 7, 1))) == 1


def test_organisation_purchases_are_not_summarised(team):
    finance.posted(team, concerns_case=False, payee_public=True)
    assert case_aid.publish_case_aid_summaries(today=TODAY) == []


def test_a_case_reversed_in_the_same_month_counts_for_nothing(team):
    cases = post_cases(team, 6, paid_on=datetime.date(2025, 3, 10))
    disbursements.reverse_disbursement(
        disbursement=cases[0], by=team.approver, reason="paid twice", on=datetime.date(2025, 3, 12)
    )
    [entry] = case_aid.publish_case_aid_summaries(today=TODAY)
    details = summary_leaf(entry)["details"]
    assert details["cases"] == 5
    assert len(details["covers"].split(",")) == 7
    assert verify_ledger().ok


def test_verify_ledger_catches_a_summary_that_misstates_its_cases(team):
    post_cases(team, 5, paid_on=datetime.date(2025, 3, 10))
    [entry] = case_aid.publish_case_aid_summaries(today=TODAY)
    make_checkpoint()
    # One covered case entry quietly swapped for another month's: the cells no longer add up.
    extra = post_cases(team, 1, paid_on=datetime.date(2025, 3, 11), amount="900.00")[0]
    first = CaseAidCoverage.objects.filter(summary_entry=entry).order_by("id")[:1].get()
    tamper(CaseAidCoverage.objects.filter(pk=first.pk), case_entry=extra.posted_entry)
    report = verify_ledger()
    assert not report.ok
    assert any(problem.sequence == entry.sequence for problem in report.problems)


def test_the_command_reports_what_it_posted_and_what_waits(team, capsys):
    post_cases(team, 2, paid_on=datetime.date(2000, 1, 10))
    call_command("publish_case_aid")
    out = capsys.readouterr().out
    assert "0 summaries posted" in out and "2 case entries" in out


def test_a_case_reversed_after_its_month_was_published_lowers_a_later_summary(team):
    cases = post_cases(team, 5, paid_on=datetime.date(2025, 3, 10))
    post_cases(team, 5, paid_on=datetime.date(2025, 4, 10), amount="50.00", category="food",
               public_description="food-packages")
    [march, april] = case_aid.publish_case_aid_summaries(today=TODAY)
    disbursements.reverse_disbursement(
        disbursement=cases[0], by=team.approver, reason="duplicate", on=datetime.date(2025, 5, 3)
    )
    post_cases(team, 5, paid_on=datetime.date(2025, 5, 20), amount="50.00", category="food",
               public_description="food-packages")
    [may] = case_aid.publish_case_aid_summaries(today=datetime.date(2025, 7, 1))
    leaf = summary_leaf(may)
    assert leaf["details"]["cases"] == 5
    offset = next(line for line in leaf["postings"] if line["account"] == "memo:case-aid-offset")
    assert offset["amount"] == -(5 * 5_000 - 10_000)
    assert verify_ledger().ok


@pytest.mark.postgres
def test_postgresql_refuses_to_rewrite_which_summary_covers_a_case(team):
    from django.db import IntegrityError, InternalError, transaction

    post_cases(team, 5, paid_on=datetime.date(2025, 3, 10))
    case_aid.publish_case_aid_summaries(today=TODAY)
    coverage = CaseAidCoverage.objects.first()
    for statement in ("UPDATE donations_caseaidcoverage SET summary_entry_id = case_entry_id WHERE id = %s",
                      "DELETE FROM donations_caseaidcoverage WHERE id = %s"):
        with pytest.raises((IntegrityError, InternalError), match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, [coverage.pk])
