"""The supporter's impact page: what one order funded, in public terms only, behind an unguessable link."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from donations.money import Money
from shop.payments.impact import impact_link_for
from shop.payments.proceeds import post_proceeds_for_order, post_refund_for_order
from tests import factories
from tests.donations.finance import ensure_vocabulary, finance_team, posted
from tests.shop.payments.test_proceeds_posting import place_order

pytestmark = pytest.mark.django_db

# What a volunteer might type into a disbursement's private fields: none of it may ever reach the page.
CANARIES = ("Olena Kovalenko", "+380 67 123 4567", "Velyka Dymerka")
CANARY_FRAGMENTS = (*CANARIES, "Kovalenko", "380 67", "123 4567", "Dymerka", "Olena")


@pytest.fixture
def team(db):
    ensure_vocabulary()  # a flush by an earlier transactional test removes what migration 0004 seeded
    return finance_team()


@pytest.fixture
def poster(db):
    return factories.ProductFactory(stock={"price": Decimal("29.00"), "cost_price": Decimal("9.50")})


def paid_order(poster, *, quantity=10, gifts=()):
    """Ten 29.00 posters (9.50 each to make) and 6.00 shipping, no fee known yet: 195.00 EUR net for aid."""
    order = place_order(merch=[(poster, quantity)], gifts=gifts)
    post_proceeds_for_order(order)
    return order


def page_url(order, language="en"):
    token = impact_link_for(order).token
    with translation.override(language):
        return reverse("impact", kwargs={"token": token})


def text(response) -> str:
    return response.content.decode()


def test_before_any_aid_the_page_shows_the_proceeds_all_waiting(client, poster):
    order = paid_order(poster)

    response = client.get(page_url(order))

    assert response.status_code == 200
    assert response.context["impact"].net == Money(19500, "EUR")
    assert response.context["impact"].unspent == Money(19500, "EUR")
    assert response.context["impact"].allocated == Money(0, "EUR")
    assert f"Order {order.number}" in text(response)
    assert "Nothing has been published as paid for by this order yet" in text(response)


def test_after_a_purchase_is_posted_the_page_shows_what_it_funded(client, poster, team):
    order = paid_order(poster)
    posted(team, amount="120.00", category="medicine", public_description="medicines", concerns_case=False,
           region="kherson", notes="", case_reference="")

    response = client.get(page_url(order))

    impact = response.context["impact"]
    [line] = impact.purchases
    assert (line.month, line.category, line.description) == (datetime.date(2025, 3, 1), "Medicine", "Medicines")
    assert line.amount == Money(12000, "EUR")
    assert (impact.allocated, impact.unspent, impact.untold) == (
        Money(12000, "EUR"), Money(7500, "EUR"), Money(0, "EUR"))
    body = text(response)
    assert "March 2025" in body
    assert "Medicine: Medicines" in body
    assert "Kherson oblast" in body
    assert "Purchases it paid for" in body
    assert "Still waiting to be spent" in body


def test_aid_to_people_not_yet_summarised_is_not_described_nor_counted_apart(client, poster, team):
    """A case reaches the page only through a published summary (tests/donations/test_impact.py)."""
    order = paid_order(poster)
    posted(team, amount="120.00", category="medicine", public_description="medicines")  # a case

    response = client.get(page_url(order))

    impact = response.context["impact"]
    assert (impact.purchases, impact.case_aid) == ((), ())
    assert impact.untold_or_unspent == impact.net == Money(19500, "EUR")
    body = text(response)
    assert "120.00" not in body and "75.00" not in body
    assert "Medicine" not in body and "Still waiting to be spent" not in body
    assert "Your order has paid for aid to people in recent weeks" in body


def test_a_public_organisation_and_its_region_are_shown_for_a_purchase(client, poster, team):
    order = paid_order(poster)
    posted(
        team,
        amount="50.00",
        concerns_case=False,
        payee_name="Apteka Demo Co-op (fictional)",
        payee_is_organisation=True,
        payee_public=True,
        region="kherson",
        notes="",
        case_reference="",
    )

    body = text(client.get(page_url(order)))

    assert "bought from Apteka Demo Co-op (fictional)" in body
    assert "Kherson oblast" in body


def test_private_fields_never_reach_the_page(client, poster, team):
    """The canary: names, a phone number and a village in notes, case reference and payee appear nowhere."""
    order = paid_order(poster)
    canary = ", ".join(CANARIES)
    posted(
        team,
        amount="40.00",
        notes=f"Insulin for {canary}",
        case_reference="Velyka Dymerka / Kovalenko",
        payee_name="Olena Kovalenko",
        payee_is_organisation=False,
        concerns_case=True,
        region="kyiv",
    )
    posted(
        team,
        amount="30.00",
        notes=canary,
        case_reference="",
        concerns_case=False,
        region="kharkiv",
        category="food",
        public_description="food-packages",
        payee_name="Velyka Dymerka shop of Olena Kovalenko",
        payee_is_organisation=True,
        payee_public=False,
    )
    posted(
        team,
        amount="20.00",
        notes=canary,
        case_reference="Velyka Dymerka",
        concerns_case=True,
        payee_name="Velyka Dymerka Aid Hub",
        payee_is_organisation=True,
        payee_public=True,
        region="kyiv",
    )

    for language in ("en", "uk"):
        response = client.get(page_url(order, language))
        body = text(response)
        assert len(response.context["impact"].purchases) == 1
        for fragment in CANARY_FRAGMENTS:
            assert fragment not in body, (language, fragment)
        assert "2025-03-10" not in body and "10 March" not in body and "March 10" not in body  # the day of aid
        assert "Kyiv oblast" not in body and "Київська область" not in body  # a case's region is never shown


def test_a_case_beside_a_purchase_alike_in_month_and_kind_leaves_only_the_purchase_listed(client, poster, team):
    order = paid_order(poster)
    posted(team, amount="40.00")  # a case: medicines, March 2025, not summarised
    posted(team, amount="30.00", concerns_case=False, region="kherson", notes="", case_reference="")

    impact = client.get(page_url(order)).context["impact"]

    assert [line.amount for line in impact.purchases] == [Money(3000, "EUR")]
    assert impact.untold == Money(4000, "EUR")


def test_an_unknown_token_is_a_plain_404(client, poster):
    order = paid_order(poster)
    real = page_url(order)
    token = impact_link_for(order).token
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")

    for url in (
        real.replace(token, wrong),
        real.replace(token, "short"),
        real.replace(token, "x" * 300),
        real.replace(token, "%27%20OR%201=1--"),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert order.number not in text(response)
        assert "195" not in text(response)


def test_the_page_is_neither_cached_nor_referred_nor_indexed(client, poster):
    order = paid_order(poster)

    response = client.get(page_url(order))

    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex"
    body = text(response)
    assert '<meta name="robots" content="noindex">' in body
    # The address with its token is not repeated for link previews.
    assert 'property="og:url"' not in body and 'rel="canonical"' not in body
    assert client.post(page_url(order)).status_code == 405


def test_a_fully_refunded_order_says_it_was_refunded(client, poster, team):
    order = paid_order(poster, quantity=1)
    post_refund_for_order(order, refund_id="re_1", refunded=Money(3500, "EUR"), refunded_on=datetime.date.today())

    response = client.get(page_url(order))

    assert response.context["impact"].fully_refunded
    assert "This order was refunded." in text(response)
    assert "Net proceeds for aid" not in text(response)


def test_a_partly_refunded_order_says_so_and_shows_what_remains(client, poster):
    order = paid_order(poster, quantity=2)  # 58.00 + 6.00 shipping
    post_refund_for_order(order, refund_id="re_1", refunded=Money(2900, "EUR"), refunded_on=datetime.date.today())

    response = client.get(page_url(order))

    impact = response.context["impact"]
    assert not impact.fully_refunded
    assert impact.refunded == Money(2900, "EUR")
    assert "Part of this order was refunded" in text(response)


def test_merch_and_a_gift_are_shown_apart(client, poster, donation):
    order = paid_order(poster, quantity=1, gifts=["25.00"])

    response = client.get(page_url(order))

    impact = response.context["impact"]
    assert impact.donation_net == Money(2500, "EUR")
    assert impact.merch_net == Money(2900 - 950, "EUR")
    assert "from your gift, after the card fee" in text(response)


def test_a_purchase_inside_the_publication_delay_is_counted_but_not_described(client, poster, team):
    order = paid_order(poster)
    posted(team, amount="60.00", paid_on=datetime.date.today() - datetime.timedelta(days=3), concerns_case=False,
           region="kherson", notes="", case_reference="")

    response = client.get(page_url(order))

    impact = response.context["impact"]
    assert impact.purchases == ()
    assert impact.allocated == impact.purchases_awaiting == Money(6000, "EUR")
    assert "A further €60.00 of your order paid for purchases in recent weeks" in text(response)
    assert "Kherson" not in text(response) and "Nothing has been published" not in text(response)


def test_an_order_whose_proceeds_are_not_in_the_books_says_so(client, poster):
    order = place_order(merch=[(poster, 1)])

    response = client.get(page_url(order))

    assert response.status_code == 200
    assert not response.context["impact"].recorded
    assert "not in the public ledger yet" in text(response)


def test_the_ukrainian_page_reads_in_ukrainian(client, poster, team):
    order = paid_order(poster)
    posted(
        team,
        amount="120.00",
        category="medicine",
        public_description="medicines",
        concerns_case=False,
        region="kherson",
        payee_name="Apteka Demo",
        payee_is_organisation=True,
    )

    body = text(client.get(page_url(order, "uk")))

    assert "На що пішли кошти вашого замовлення" in body
    assert "Ліки: Ліки" in body
    assert "Березень 2025" in body
    assert "Херсонська область" in body


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_what_the_order_funded(client, poster, team, django_assert_max_num_queries):
    """Three queries for the funding whatever it holds: one disbursement or ten read the same."""
    order = paid_order(poster)
    url = page_url(order)
    posted(team, amount="10.00")  # a case, not yet summarised: one query to find it is not
    client.get(url)  # warm what is cached per process (site, content types)
    with django_assert_max_num_queries(13):
        client.get(url)
    one = _count_queries(client, url)
    for index in range(9):
        posted(
            team,
            amount="10.00",
            category="food",
            public_description="food-packages",
            region="kherson",
            concerns_case=False,
            paid_on=datetime.date(2025, 1 + index, 5),
        )
    response = client.get(url)
    assert len(response.context["impact"].purchases) == 9

    assert _count_queries(client, url) == one
