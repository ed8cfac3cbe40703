"""The disclosure rules on their own: k cases, the p% dominance rule, merging and secondary suppression."""

from hypothesis import given
from hypothesis import strategies as st

from donations.disclosure import MERGED, CaseContribution, Rules, disclose, is_sensitive

RULES = Rules(min_cases=5, dominance_percent=10)


def cases(category: str, region: str, *amounts: int, currency: str = "EUR") -> list[CaseContribution]:
    return [CaseContribution(category, region, currency, amount, people=2) for amount in amounts]


def test_fewer_than_k_cases_is_sensitive():
    assert is_sensitive(cases("food", "occupied", 100, 100, 100, 100), RULES)
    assert not is_sensitive(cases("food", "occupied", 100, 100, 100, 100, 100), RULES)


def test_one_dominant_case_is_sensitive_whatever_the_count():
    # 10,000 + 4 × 100: the rest after the two largest is 300, under 10% of 10,000.
    assert is_sensitive(cases("medicine", "kherson", 10_000, 100, 100, 100, 100), RULES)
    # 10,000 + 500 + 500 + 500 + 100: a rest of 1,100, over 10%: the largest can no longer be estimated.
    assert not is_sensitive(cases("medicine", "kherson", 10_000, 500, 500, 500, 100), RULES)


def test_a_reversal_is_not_a_case():
    items = cases("food", "occupied", 100, 100, 100, 100) + [
        CaseContribution("food", "occupied", "EUR", -100, people=0, counts_as_case=False)
    ]
    assert is_sensitive(items, RULES)


def test_safe_cells_are_published_as_they_are():
    result = disclose(cases("food", "occupied", *[100] * 5) + cases("medicine", "kherson", *[200] * 6), RULES)
    assert not result.held
    assert [(cell.category, cell.region, cell.cases, cell.amount_minor) for cell in result.cells] == [
        ("food", "occupied", 5, 500),
        ("medicine", "kherson", 6, 1200),
    ]


def test_small_regions_merge_within_their_category():
    items = cases("food", "occupied", *[100] * 5) + cases("food", "kherson", 100, 100, 100) + cases(
        "food", "zaporizhzhia", 100, 100
    )
    result = disclose(items, RULES)
    assert [(cell.category, cell.region, cell.cases) for cell in result.cells] == [
        ("food", MERGED, 5),
        ("food", "occupied", 5),
    ]


def test_a_lone_small_cell_is_never_left_for_subtraction_to_reveal():
    # Three medicine cases cannot stand alone, and the total minus the food cell would show them:
    # the food cell is folded in with them (secondary suppression).
    items = cases("food", "occupied", *[100] * 6) + cases("medicine", "occupied", 700, 800, 900)
    result = disclose(items, RULES)
    assert [(cell.category, cell.region, cell.cases) for cell in result.cells] == [(MERGED, MERGED, 9)]


def test_too_few_cases_in_the_whole_period_holds_it_back():
    result = disclose(cases("food", "occupied", 100, 100, 100, 100), RULES)
    assert result.held and result.cells == []


def test_currencies_are_never_added_together():
    items = cases("food", "occupied", *[100] * 5) + cases("food", "occupied", *[100] * 5, currency="UAH")
    result = disclose(items, RULES)
    assert sorted((cell.currency, cell.amount_minor) for cell in result.cells) == [("EUR", 500), ("UAH", 500)]


contribution = st.builds(
    CaseContribution,
    category=st.sampled_from(["food", "medicine", "evacuation"]),
    region=st.sampled_from(["occupied", "kherson", "zaporizhzhia", "donetsk"]),
    currency=st.just("EUR"),
    amount_minor=st.integers(min_value=1, max_value=1_000_000),
    people=st.integers(min_value=1, max_value=9),
)


@given(st.lists(contribution, max_size=60))
def test_every_published_cell_and_the_merged_remainder_pass_and_nothing_is_lost(items):
    result = disclose(items, RULES)
    if result.held:
        assert result.cells == []
        return
    assert sum(cell.amount_minor for cell in result.cells) == sum(item.amount_minor for item in items)
    assert sum(cell.cases for cell in result.cells) == len(items)
    for cell in result.cells:
        assert not is_sensitive(cell.contributions, RULES)
