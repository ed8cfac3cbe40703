"""donations.transparency_selectors: names from the vocabulary, even months, and queries that do not grow."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from donations import public_ledger, transparency_selectors
from donations.checkpoints import make_checkpoint
from donations.money import Money
from donations.public_ledger import MonthRow
from tests.donations.public_books import build_books, sale

pytestmark = pytest.mark.django_db

# The selectors' results are cached per checkpoint, language and published month, for everyone alike.
# Cached: the latest checkpoint. Cold (the snapshot at this checkpoint exists): the checkpoint, the
# snapshot, category names, descriptions; the headline needs the first two.
CACHED, COLD, HEADLINE_COLD = 1, 4, 2
# The whole page for an anonymous visitor: the selector's queries and the storefront's own (basket, site).
PAGE_OVERHEAD = 2
# The first request after a new checkpoint also folds the leaves since the last snapshot and stores the
# fold: one streamed query for the leaves and a savepoint around one insert.
FOLD_QUERIES = 4


def queries(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


def forget() -> None:
    """Cold: neither the page cache nor this process's copy of the fold (it reads its snapshot)."""
    cache.clear()
    public_ledger._STATES.clear()


def counts(client) -> dict[str, int]:
    result = {}
    for name, call in (
        ("selector", transparency_selectors.transparency_page),
        ("headline", transparency_selectors.headline),
    ):
        forget()
        result[f"{name} cold"] = queries(call)
        result[f"{name} cached"] = queries(call)
    client.get("/en/transparency/")
    result["page cached"] = queries(lambda: client.get("/en/transparency/"))
    forget()
    result["page cold"] = queries(lambda: client.get("/en/transparency/"))
    return result


def grow(count: int) -> None:
    """``count`` more sales in the aid month, then a new checkpoint."""
    today = datetime.date.today()
    for number in range(count):
        sale(f"G-{number:05d}", paid_on=today.replace(day=1) - datetime.timedelta(days=70), merch=1500 + number)
    make_checkpoint()


def test_query_counts_do_not_grow_with_the_ledger(client, django_assert_max_num_queries):
    build_books()
    client.get("/en/transparency/")  # folds this checkpoint once
    small = counts(client)
    grow(200)
    with django_assert_max_num_queries(COLD + PAGE_OVERHEAD + FOLD_QUERIES):
        assert client.get("/en/transparency/").status_code == 200  # folds the 200 new leaves
    large = counts(client)
    assert small == large == {
        "selector cold": COLD, "selector cached": CACHED, "headline cold": HEADLINE_COLD, "headline cached": CACHED,
        "page cached": CACHED + PAGE_OVERHEAD, "page cold": COLD + PAGE_OVERHEAD,
    }
    for url in ("/uk/transparency/", "/en/transparency/withheld/"):
        with django_assert_max_num_queries(COLD + PAGE_OVERHEAD):
            assert client.get(url).status_code == 200


def test_the_cache_follows_the_checkpoint(client):
    """A new checkpoint is a new key: the page never shows figures older than the latest signed head."""
    build_books()
    before = transparency_selectors.transparency_page(language="en")
    grow(3)
    after = transparency_selectors.transparency_page(language="en")
    assert after.figures.tree_size == before.figures.tree_size + 3
    assert after.figures.orders == before.figures.orders + 3
    assert transparency_selectors.headline().orders == after.figures.orders


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def test_quiet_months_are_filled_with_zeros_so_the_chart_is_even():
    rows = [
        MonthRow(month="2025-11", gross_sales=eur(1), donations=eur(0), net_proceeds=eur(1), aid_disbursed=eur(0),
                 orders=1),
        MonthRow(month="2026-02", gross_sales=eur(2), donations=eur(0), net_proceeds=eur(2), aid_disbursed=eur(1),
                 orders=1),
    ]
    filled = transparency_selectors.contiguous_months(rows, "EUR")
    assert [row.month for row in filled] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert filled[1].net_proceeds == eur(0) and filled[1].orders == 0
    assert filled[0] is rows[0] and filled[-1] is rows[1]
    assert transparency_selectors.contiguous_months([], "EUR") == []


def test_regions_and_merged_cells_are_named_never_shown_as_codes():
    with translation.override("en"):
        assert transparency_selectors.region_name("kharkiv") == "Kharkiv oblast"
        assert transparency_selectors.region_name("merged") == "Merged regions (for privacy)"
        assert transparency_selectors.region_name("unknown") == "Not stated"
        assert transparency_selectors.region_name(None) == "Not stated"
