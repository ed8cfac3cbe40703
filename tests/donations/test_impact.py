"""What an impact page may say about aid to people (donations/impact.py): no more than the published summaries.

The probe that found the hole: three cases in one month, shelter × Crimea,
4,321.87, 13.37 and 12.11. The public summary merged that cell away, but the
impact page of the order that funded them (a big gift earmarked to the big
case, oldest-first allocation bringing the small ones) showed the cell's
total, one case 99.4% of it.
"""

import datetime
import itertools
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from donations import case_aid, disbursements
from donations.allocation import earmark_disbursement, proceeds_entry_for_order
from donations.impact import order_impact
from donations.models import Disbursement
from donations.money import Money
from shop.payments.impact import impact_link_for
from shop.payments.proceeds import post_proceeds_for_order
from tests.donations.finance import disbursement_input, ensure_vocabulary, finance_team, posted
from tests.shop.payments.test_proceeds_posting import place_order

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
MONTH = (TODAY - datetime.timedelta(days=150)).replace(day=1)  # long past the publication delay
PAID_ON = MONTH + datetime.timedelta(days=9)

# The small cell the summary must merge away, and every figure that would betray it.
SMALL_CELL = ("4321.87", "13.37", "12.11")
BETRAYING = {
    sum((Decimal(amount) for amount in subset), Decimal(0))
    for size in (1, 2, 3) for subset in itertools.combinations(SMALL_CELL, size)
}


@pytest.fixture
def team(db, donation):
    ensure_vocabulary()
    return finance_team()


def paid_gift(amount: str):
    order = place_order(gifts=[amount], shipping="0.00")
    post_proceeds_for_order(order)
    return order


def case(
    team, amount: str, *, category: str = "shelter", region: str = "crimea", earmark_from=None, paid_on=PAID_ON
) -> Disbursement:
    """A case, recorded by the volunteer, earmarked if asked, approved and posted by an approver."""
    description = {"shelter": "temporary-housing", "medicine": "medicines", "food": "food-packages"}[category]
    disbursement = disbursements.record_disbursement(
        recorded_by=team.volunteer,
        **disbursement_input(paid_on=paid_on, amount=amount, category=category, region=region,
                             public_description=description, people_helped=2, concerns_case=True),
    )
    if earmark_from is not None:
        earmark_disbursement(
            disbursement=disbursement, proceeds_entry=proceeds_entry_for_order(earmark_from.number),
            amount=Money.from_decimal(Decimal(amount), "EUR"), by=team.volunteer,
        )
    disbursements.submit_disbursement(disbursement=disbursement, by=team.volunteer)
    disbursements.approve_disbursement(disbursement=disbursement, by=team.approver)
    disbursements.post_disbursement(disbursement=disbursement, by=team.approver)
    return disbursement


def amounts_on(body: str) -> set[Decimal]:
    """Every money figure a page shows, in English (4,321.87) or Ukrainian (4 321,87) form."""
    found = set()
    for match in re.finditer(r"(\d{1,3}(?:[ , \u00a0\u202f]\d{3})*)([.,])(\d{2})(?!\d)", body):
        whole = re.sub(r"[ , \u00a0\u202f]", "", match.group(1))
        found.add(Decimal(f"{whole}.{match.group(3)}"))
    return found


def page(client, order, language: str) -> str:
    with translation.override(language):
        url = reverse("impact", kwargs={"token": impact_link_for(order).token})
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def probe(team):
    """The probe's month: a big gift (the oldest proceeds) funds the small cell and a little more; twenty small
    orders fund the rest of the month."""
    big = paid_gift("4400.00")
    small = [paid_gift("60.00") for _ in range(20)]
    case(team, "4321.87", earmark_from=big)
    case(team, "13.37")
    case(team, "12.11")
    for _ in range(6):
        case(team, "100.00", category="medicine", region="kherson")
    for _ in range(7):
        case(team, "80.00", category="food", region="kharkiv")
    [summary] = case_aid.publish_case_aid_summaries()
    return big, small, summary


def test_the_summary_merged_the_small_cell_away(probe):
    _big, _small, summary = probe
    accounts = summary.public_leaf
    assert "shelter:crimea" not in accounts and "shelter" not in accounts
    assert "memo:case-aid:merged:merged" in accounts


def test_no_impact_page_shows_a_figure_of_the_small_cell_in_either_language(client, probe):
    big, small, _summary = probe
    for order in (big, *small):
        for language in ("en", "uk"):
            body = page(client, order, language)
            shown = amounts_on(body)
            assert not shown & BETRAYING, (order.number, language, shown & BETRAYING)
            for word in ("Crimea", "Крим", "Shelter", "Житло", "Temporary housing"):
                assert word not in body, (order.number, language, word)


def test_no_two_impact_pages_combine_into_a_figure_of_the_small_cell(client, probe):
    big, small, _summary = probe
    pages = [amounts_on(page(client, order, "en")) for order in (big, *small[:6])]
    for first, second in itertools.combinations(pages, 2):
        for a, b in itertools.product(first, second):
            assert a + b not in BETRAYING and abs(a - b) not in BETRAYING, (a, b)


def test_the_big_gift_is_told_truthfully_what_it_helped_pay_for(client, probe):
    big, _small, _summary = probe
    impact = order_impact(big.number)
    [share] = impact.case_aid
    assert share.order_amount is None  # three cases, one dominant: the order's share would betray the cell
    assert (share.first_month, share.last_month) == (MONTH, MONTH)
    merged = [cell for cell in share.cells if cell.category is None]
    assert merged and merged[0].region is None and merged[0].cases >= 5
    body = page(client, big, "en")
    assert "helped pay for part of these published totals" in body
    assert "Aid of several kinds" in body and "regions merged" in body
    # The order's own figures are its own: net, and what is spent or waiting, told as one figure.
    assert impact.net == Money(440_000, "EUR")
    assert impact.untold_or_unspent == impact.net
    assert "€4,400.00" in body


def test_the_published_cells_on_the_page_are_those_of_the_public_log(client, probe):
    _big, small, summary = probe
    published = {Decimal(amount) for amount in re.findall(r'"amount":(\d+)', summary.public_leaf)}
    published = {value / 100 for value in published}
    for order in small:
        for share in order_impact(order.number).case_aid:
            for cell in share.cells:
                assert cell.amount.to_decimal() in published


def test_an_order_funding_enough_cases_evenly_is_told_its_share(team):
    order = paid_gift("1000.00")
    for _ in range(5):
        case(team, "100.00", category="medicine", region="kherson")
    case_aid.publish_case_aid_summaries()
    [share] = order_impact(order.number).case_aid
    assert share.order_amount == Money(50_000, "EUR")
    [cell] = share.cells
    assert (cell.category, cell.region, cell.cases, cell.amount) == ("Medicine", "Kherson oblast", 5,
                                                                      Money(50_000, "EUR"))


def test_case_aid_not_yet_summarised_is_told_as_nothing_but_part_of_one_figure(client, team):
    order = paid_gift("500.00")
    case(team, "123.45", category="medicine", region="kherson")  # one case: no summary can publish it alone
    assert case_aid.publish_case_aid_summaries() == []
    impact = order_impact(order.number)
    assert impact.case_aid == () and impact.untold == Money(12_345, "EUR")
    for language in ("en", "uk"):
        body = page(client, order, language)
        assert Decimal("123.45") not in amounts_on(body) and Decimal("376.55") not in amounts_on(body)
        assert "Kherson" not in body and "Херсон" not in body


def test_purchases_are_still_listed_line_by_line(team):
    order = paid_gift("500.00")
    posted(team, amount="50.00", paid_on=PAID_ON, concerns_case=False, payee_public=True, region="kherson",
           payee_name="Apteka Demo Co-op (fictional)", notes="", case_reference="")
    impact = order_impact(order.number)
    [line] = impact.purchases
    assert (line.month, line.region, line.payee, line.amount) == (
        MONTH, "Kherson oblast", "Apteka Demo Co-op (fictional)", Money(5_000, "EUR"))
    assert impact.untold == Money(0, "EUR") and impact.unspent == Money(45_000, "EUR")


def test_the_query_count_does_not_grow_with_the_summaries(team, django_assert_num_queries):
    order = paid_gift("5000.00")
    for _ in range(5):
        case(team, "100.00", category="medicine", region="kherson")
    case_aid.publish_case_aid_summaries()
    with translation.override("en"):
        order_impact(order.number)  # warm per-process caches
        with django_assert_num_queries(13):
            order_impact(order.number)
    for _ in range(5):
        case(team, "90.00", category="food", region="kharkiv", paid_on=PAID_ON - datetime.timedelta(days=40))
    case_aid.publish_case_aid_summaries()
    with translation.override("en"):
        assert len(order_impact(order.number).case_aid) == 2
        with django_assert_num_queries(13):
            order_impact(order.number)


def test_a_purchase_is_listed_only_once_past_the_publication_delay(team, settings):
    settings.PUBLICATION_DELAY_DAYS = 30
    order = paid_gift("900.00")
    march = datetime.date(2025, 3, 1)
    for day, amount in ((10, "100.00"), (20, "50.00")):
        posted(team, amount=amount, paid_on=march.replace(day=day), concerns_case=False, region="kherson",
               notes="", case_reference="")
    posted(team, amount="10.00", paid_on=datetime.date(2025, 4, 20), concerns_case=False, region="kherson",
           notes="", case_reference="")  # too recent to list on 2025-05-01
    impact = order_impact(order.number, today=datetime.date(2025, 5, 1))
    assert [(line.month, line.amount) for line in impact.purchases] == [(march, Money(15_000, "EUR"))]
    assert impact.purchases_awaiting == Money(1_000, "EUR")
    text = repr(impact)
    for private in ("Oleshky", "Halyna", "CASE-OLESHKY", "Zdorovya", "2025-03-10"):
        assert private not in text
