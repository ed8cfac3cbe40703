"""A small ledger for the report tests, dated from today so the publication delay is real.

Sales four and three months ago; aid to people three months ago (medicine and
food cells of five cases each, hygiene and shelter cases merged), one purchase
from an organisation shown with its payee, one whose payee is private, and one
inside the publication delay. Private fields carry canaries. (The same shape
as the transparency tests' books, kept here so that each suite owns its data.)
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from donations import case_aid
from donations.checkpoints import make_checkpoint
from donations.money import Money
from donations.proceeds import OrderProceeds, post_order_proceeds
from tests.donations import finance

CANARIES = ("Olena Kovalenko", "+380 67 123 4567", "Velyka Dymerka")
PRIVATE = {
    "notes": "Olena Kovalenko, +380 67 123 4567, Velyka Dymerka",
    "case_reference": "Velyka Dymerka",
}


def months_ago(today: datetime.date, count: int, day: int = 10) -> datetime.date:
    year, month = divmod(today.year * 12 + today.month - 1 - count, 12)
    return datetime.date(year, month + 1, day)


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def sale(number: str, *, paid_on: datetime.date, merch: int, donation: int = 0, fee: int = 150):
    return post_order_proceeds(OrderProceeds(
        order_number=number, paid_on=paid_on, currency="EUR", merch_gross=eur(merch), donation_gross=eur(donation),
        shipping_charged=eur(600), stripe_fee=eur(fee), cost_of_goods=eur(900), shipping_cost=eur(500),
    ))


@dataclass
class Books:
    today: datetime.date
    aid_month: datetime.date
    team: object
    period: str = ""
    public_purchase: object = None
    private_purchase: object = None
    cases: list = field(default_factory=list)


def cases(team, count: int, *, paid_on: datetime.date, category: str, amount: str, description: str, **overrides):
    return [
        finance.posted(team, paid_on=paid_on, amount=amount, category=category, public_description=description,
                       concerns_case=True, people_helped=2, **overrides)
        for _ in range(count)
    ]


def build_books(*, case_count: int = 5) -> Books:
    finance.ensure_vocabulary()
    today = timezone.localdate()
    team = finance.finance_team()
    sales_month, aid_month = months_ago(today, 4), months_ago(today, 3)
    sale("R-1001", paid_on=sales_month, merch=2_000_000, donation=500_000)
    sale("R-1002", paid_on=aid_month, merch=2900, fee=120)
    books = Books(today=today, aid_month=aid_month, team=team, period=aid_month.strftime("%Y-%m"))
    books.cases += cases(team, case_count, paid_on=aid_month, category="medicine", amount="100.00",
                         description="medicines", **PRIVATE, payee_name="Olena Kovalenko")
    books.cases += cases(team, 5, paid_on=aid_month, category="food", amount="80.00", description="food-packages")
    books.cases += cases(team, 3, paid_on=aid_month, category="hygiene", amount="77.70",
                         description="humanitarian-aid", region="kherson")
    books.cases += cases(team, 2, paid_on=aid_month, category="shelter", amount="77.70",
                         description="humanitarian-aid", region="kherson")
    books.public_purchase = finance.posted(
        team, paid_on=aid_month, amount="1234.50", category="medicine", region="kharkiv", people_helped=40,
        concerns_case=False, payee_name="Pharmacy Zdorovya LLC", payee_is_organisation=True, payee_public=True,
    )
    books.private_purchase = finance.posted(
        team, paid_on=aid_month, amount="250.00", category="food", region="zaporizhzhia", people_helped=12,
        public_description="food-packages", concerns_case=False, payee_is_organisation=True, payee_public=False,
        payee_name="Olena Kovalenko", **PRIVATE,
    )
    finance.posted(
        team, paid_on=today - datetime.timedelta(days=2), amount="432.10", category="medicine", region="odesa",
        people_helped=7, concerns_case=False, payee_name="Pharmacy Recent LLC", payee_is_organisation=True,
        payee_public=True,
    )
    case_aid.publish_case_aid_summaries(today=today)
    make_checkpoint()
    return books


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Each test publishes into its own MEDIA_ROOT and renders in this process (no pool, no thread)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
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
