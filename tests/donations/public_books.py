"""A small public ledger for the transparency pages and the reports, dated from today so the delay is real.

Sales four and three months ago; aid to people three months ago (medicine and
food cells of five and six cases, plus hygiene and shelter cases too few to
show alone, which are merged); organisation purchases three months ago (one
with a public payee, one whose payee is private); and one purchase paid two
days ago, inside the publication delay. Private fields carry canaries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from donations import case_aid
from donations.checkpoints import make_checkpoint
from donations.money import Money
from donations.proceeds import OrderProceeds, post_order_proceeds
from tests.donations import finance

# What a volunteer might type into a disbursement's private fields: none of it may ever reach a public page.
CANARIES = ("Olena Kovalenko", "+380 67 123 4567", "Velyka Dymerka")
CANARY_FRAGMENTS = (*CANARIES, "Kovalenko", "380 67", "123 4567", "Dymerka", "Olena")
PRIVATE = {
    "notes": "Olena Kovalenko, +380 67 123 4567, Velyka Dymerka",
    "case_reference": "Velyka Dymerka",
}


def months_ago(today: datetime.date, count: int, day: int = 10) -> datetime.date:
    year, month = divmod(today.year * 12 + today.month - 1 - count, 12)
    return datetime.date(year, month + 1, day)


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def sale(number: str, *, paid_on: datetime.date, merch: int, donation: int = 0, shipping: int = 600,
         fee: int = 150, cost: int = 900, shipping_cost: int = 500):
    return post_order_proceeds(OrderProceeds(
        order_number=number, paid_on=paid_on, currency="EUR", merch_gross=eur(merch), donation_gross=eur(donation),
        shipping_charged=eur(shipping), stripe_fee=eur(fee), cost_of_goods=eur(cost),
        shipping_cost=eur(shipping_cost),
    ))


@dataclass
class Books:
    today: datetime.date
    aid_month: datetime.date
    team: object
    period: str = ""  # the aid month, as a report period
    recent: object = None  # the purchase inside the publication delay
    public_purchase: object = None
    private_purchase: object = None
    cases: list = field(default_factory=list)


def cases(team, count: int, *, paid_on: datetime.date, category: str, amount: str, description: str, **overrides):
    return [
        finance.posted(team, paid_on=paid_on, amount=amount, category=category, public_description=description,
                       concerns_case=True, people_helped=2, **overrides)
        for _ in range(count)
    ]


def build_books(*, extra_sales: int = 0, case_count: int = 5) -> Books:
    finance.ensure_vocabulary()
    today = timezone.localdate()
    team = finance.finance_team()
    sales_month, aid_month = months_ago(today, 4), months_ago(today, 3)
    sale("T-1001", paid_on=sales_month, merch=2_000_000, donation=500_000)
    sale("T-1002", paid_on=aid_month, merch=2900, fee=120)
    for number in range(extra_sales):
        sale(f"T-2{number:04d}", paid_on=aid_month, merch=2900 + number)
    books = Books(today=today, aid_month=aid_month, team=team, period=aid_month.strftime("%Y-%m"))
    books.cases += cases(team, case_count, paid_on=aid_month, category="medicine", amount="100.00",
                         description="medicines", **PRIVATE, payee_name="Olena Kovalenko")
    books.cases += cases(team, 5, paid_on=aid_month, category="food", amount="80.00", description="food-packages")
    # Three hygiene and two shelter cases: too few to show alone, safe together.
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
    books.recent = finance.posted(
        team, paid_on=today - datetime.timedelta(days=2), amount="432.10", category="medicine", region="odesa",
        people_helped=7, concerns_case=False, payee_name="Pharmacy Recent LLC", payee_is_organisation=True,
        payee_public=True,
    )
    case_aid.publish_case_aid_summaries(today=today)
    make_checkpoint()
    return books
