"""The public projection: figures from public leaves only, folded incrementally, equal to the books."""

import datetime

import pytest

from donations import case_aid, checkpoints, disbursements, ledger, public_ledger
from donations.models import PublicSnapshot
from donations.money import Money
from tests.donations import finance

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 8, 1)


@pytest.fixture
def team():
    finance.ensure_vocabulary()
    return finance.finance_team()


@pytest.fixture(autouse=True)
def _forget_folds():
    public_ledger._STATES.clear()
    yield
    public_ledger._STATES.clear()


def figures(**kwargs) -> public_ledger.PublicFigures:
    checkpoints.make_checkpoint()
    return public_ledger.public_figures(today=TODAY, **kwargs)


def test_totals_equal_the_books(team):
    finance.sell("1001", 50_000, day=3)
    finance.sell("1002", 20_000, day=4)
    finance.refund("1002", 5_000)
    finance.posted(team, concerns_case=False, payee_public=True, amount="100.00")
    result = figures()
    assert result.totals["net_proceeds"] == Money(65_000, "EUR")
    assert result.totals["aid_disbursed"] == Money(10_000, "EUR")
    assert result.totals["held"] == -ledger.account_balance("aid-fund", "EUR")
    assert result.orders == 2
    [line] = result.lines
    assert (line.category, line.region, line.payee, line.amount) == (
        "medicine", "occupied", "Pharmacy Zdorovya LLC", Money(10_000, "EUR"),
    )


def test_aid_to_people_appears_only_through_its_monthly_summary(team):
    finance.sell("1001", 5_000_000)
    for _ in range(5):
        finance.posted(team, concerns_case=True, paid_on=datetime.date(2025, 3, 10))
    before = figures()
    assert before.totals["aid_disbursed"] == Money(0, "EUR") and before.lines == []
    case_aid.publish_case_aid_summaries(today=TODAY)
    after = figures()
    assert after.totals["aid_disbursed"] == Money(50_000, "EUR")
    assert after.people_helped == 15
    [cell] = after.aid_cells
    assert (cell.category, cell.region, cell.source, cell.cases) == ("medicine", "occupied", "people", 5)


def test_aid_inside_the_publication_delay_is_still_held(team):
    finance.sell("1001", 50_000)
    finance.posted(team, concerns_case=False, payee_public=True, paid_on=datetime.date(2025, 7, 20))
    result = figures()
    assert result.lines == [] and result.totals["aid_disbursed"] == Money(0, "EUR")
    assert result.totals["held"] == Money(50_000, "EUR")


def test_a_reversed_purchase_leaves_the_lines_and_the_aid(team):
    finance.sell("1001", 50_000)
    disbursement = finance.posted(team, concerns_case=False, payee_public=True)
    disbursements.reverse_disbursement(
        disbursement=disbursement, by=team.approver, reason="paid twice", on=datetime.date(2025, 3, 20)
    )
    result = figures()
    assert result.lines == [] and result.totals["aid_disbursed"] == Money(0, "EUR")


def test_a_fold_grown_from_a_snapshot_equals_a_fold_from_scratch(team):
    finance.sell("1001", 50_000, day=1)
    finance.posted(team, concerns_case=False, payee_public=True)
    checkpoints.make_checkpoint()
    first = public_ledger.folded_state(ledger.tree_head()[0])
    finance.sell("1002", 30_000, day=5)
    finance.refund("1001", 1_000)
    size = ledger.tree_head()[0]
    grown = public_ledger.folded_state(size)
    assert PublicSnapshot.objects.count() == 2 and grown["size"] == size and first["size"] < size
    scratch = public_ledger._new_state()
    for leaf in public_ledger.public_leaves(start=0, end=size):
        public_ledger.fold_leaf(scratch, leaf)
    assert grown == scratch


def test_periods_select_months(team):
    finance.sell("1001", 50_000, day=3)
    result = figures(period=public_ledger.Period(first="2025-03", last="2025-03"))
    assert result.totals["net_proceeds"] == Money(0, "EUR") and result.orders == 0


def test_the_figures_cost_the_same_few_queries_at_any_size(team, django_assert_max_num_queries):
    for number in range(40):
        finance.sell(f"2{number:03d}", 1_000, day=1 + number % 28)
    checkpoints.make_checkpoint()
    public_ledger.public_figures(today=TODAY)  # folds once and keeps the snapshot
    public_ledger._STATES.clear()
    with django_assert_max_num_queries(2):  # the checkpoint, the snapshot
        public_ledger.public_figures(today=TODAY)
    with django_assert_max_num_queries(1):  # the checkpoint; the fold is in memory
        public_ledger.public_figures(today=TODAY)


def test_the_held_balance_of_a_period_is_what_waits_at_its_end(team):
    finance.sell("1001", 50_000, day=3)  # February
    finance.posted(team, concerns_case=False, payee_public=True, amount="100.00")  # paid in March
    march = figures(period=public_ledger.Period(first="2025-03", last="2025-03"))
    assert march.totals["net_proceeds"] == Money(0, "EUR") and march.totals["aid_disbursed"] == Money(10_000, "EUR")
    assert march.totals["held"] == Money(40_000, "EUR")
