"""The public transparency pages: the ledger's figures in both languages, and nothing that could expose a person."""

import re
from xml.etree import ElementTree

import pytest
from django.utils import timezone, translation
from oscar.templatetags.currency_filters import currency

from donations import case_aid, ledger
from donations.checkpoints import make_checkpoint
from donations.models import AidCategory, Checkpoint
from tests.donations import finance
from tests.donations.public_books import CANARY_FRAGMENTS, cases, months_ago, sale

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "uk")
PUBLIC_PAGES = ("/{lang}/transparency/", "/{lang}/transparency/withheld/", "/{lang}/")


def money(amount, lang: str) -> str:
    with translation.override(lang):
        return currency(amount.to_decimal(), amount.currency)


def aid_spent_total() -> int:
    return sum(ledger.account_balance(f"aid-spent:{code}", "EUR").minor for code in finance.CATEGORIES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_shows_the_ledgers_totals_in_both_languages(client, books, lang):
    response = client.get(f"/{lang}/transparency/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}"' in html
    figures = response.context["page"].figures
    totals = figures.totals
    # The public projection agrees with the books' own balances.
    assert totals["gross_sales"] == -ledger.account_balance("merch-sales", "EUR")
    assert totals["donations"] == -ledger.account_balance("donations", "EUR")
    assert totals["stripe_fees"] == ledger.account_balance("stripe-fees", "EUR")
    assert totals["cost_of_merch"] == ledger.account_balance("cost-of-merch", "EUR")
    assert totals["shipping_cost"] == ledger.account_balance("fulfilment-and-shipping", "EUR")
    # The aid fund holds net proceeds less everything disbursed, published or not.
    net = -ledger.account_balance("aid-fund", "EUR").minor + aid_spent_total()
    assert totals["net_proceeds"].minor == net
    recent = books.recent.ledger_amount_minor  # paid inside the delay: not yet published, still held
    assert totals["aid_disbursed"].minor == aid_spent_total() - recent
    assert totals["held"].minor == net - totals["aid_disbursed"].minor
    assert figures.orders == 2
    assert figures.people_helped == 15 * 2 + 40 + 12  # 15 cases of 2 people, then two purchases
    for name in ("gross_sales", "donations", "stripe_fees", "cost_of_merch", "shipping_cost", "net_proceeds",
                 "aid_disbursed", "held"):
        assert f'data-figure="{name}">{money(totals[name], lang)}<' in html, name
    assert 'data-figure="orders">2<' in html
    assert f'data-figure="people_helped">{figures.people_helped}<' in html
    checkpoint = Checkpoint.objects.latest()
    assert 'id="checkpoint-root"' in html and checkpoint.root_hash in html
    assert f'id="checkpoint-size">{checkpoint.tree_size}<' in html
    assert checkpoint.note.splitlines()[2] in html  # the base64 root line of the signed note


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_links_the_log_the_downloads_and_the_other_pages(client, books, lang):
    html = client.get(f"/{lang}/transparency/").content.decode()
    for href in (
        "/transparency/log/checkpoint", "/transparency/log/key", "/transparency/log/entries.jsonl",
        "/transparency/ledger.csv", "/transparency/ledger.json", "/transparency/ledger.beancount",
        "/transparency/iati.xml", f"/{lang}/transparency/reports/", f"/{lang}/transparency/verify/",
        f"/{lang}/transparency/withheld/",
    ):
        assert f'href="{href}"' in html, href
    assert "tools/verify_ledger.py http://testserver/transparency/log/" in html


def test_aid_breakdowns_are_named_in_the_page_language(client, books):
    page = client.get("/uk/transparency/").context["page"]
    by_category = {row.code: row for row in page.by_category}
    assert set(by_category) == {"medicine", "food", "merged"}
    assert by_category["medicine"].amount.minor == 5 * 10_000 + 123_450
    assert by_category["merged"].merged and page.by_category[-1].code == "merged"
    assert {row.code for row in page.by_region} == {"occupied", "kharkiv", "zaporizhzhia", "merged"}
    with translation.override("uk"):
        medicine_uk = AidCategory.objects.get(code="medicine").name_uk or "Medicine"
    assert by_category["medicine"].label == medicine_uk


def test_public_lines_show_the_vocabulary_and_a_public_payee_only(client, books):
    response = client.get("/en/transparency/")
    lines = response.context["page"].lines
    assert [line.sequence for line in lines] == sorted(
        [books.private_purchase.posted_entry.sequence, books.public_purchase.posted_entry.sequence], reverse=True
    )
    by_sequence = {line.sequence: line for line in lines}
    public = by_sequence[books.public_purchase.posted_entry.sequence]
    assert (public.category, public.description, public.region, public.payee) == (
        "Medicine", "Medicines", "Kharkiv oblast", "Pharmacy Zdorovya LLC"
    )
    assert by_sequence[books.private_purchase.posted_entry.sequence].payee is None
    html = response.content.decode()
    assert "bought from Pharmacy Zdorovya LLC" in html
    with translation.override("uk"):
        html_uk = client.get("/uk/transparency/").content.decode()
    assert "Продуктові набори" in html_uk  # the description's own Ukrainian text, from the vocabulary


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_private_detail_reaches_any_public_page(client, books, campaign_page, lang):
    for pattern in PUBLIC_PAGES:
        response = client.get(pattern.format(lang=lang))
        assert response.status_code == 200
        html = response.content.decode()
        for canary in CANARY_FRAGMENTS:
            assert canary not in html, (pattern, canary)
        for private in ("CASE-", "Oleshky", "Halyna"):  # the builders' defaults
            assert private not in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_small_case_cells_are_not_shown_until_merged(client, books, lang):
    """Three hygiene and two shelter cases (77.70 each) show only inside the merged cell."""
    response = client.get(f"/{lang}/transparency/")
    html = response.content.decode()
    page = response.context["page"]
    assert not {"hygiene", "shelter"} & {row.code for row in page.by_category}
    assert "kherson" not in {row.code for row in page.by_region}
    with translation.override(lang):
        names = [str(AidCategory.objects.get(code=code)) for code in ("hygiene", "shelter")]
        uk_names = list(AidCategory.objects.filter(code__in=("hygiene", "shelter"))
                        .values_list("name_uk", flat=True))
    for hidden in (*names, *filter(None, uk_names), "Kherson", "Херсон"):
        assert hidden not in html
    for amount in (23_310, 15_540):  # each small cell's own total
        assert money(finance.eur(amount), lang) not in html
    assert money(finance.eur(5 * 7_770), lang) in html  # the merged cell


def test_a_month_of_too_few_cases_is_held_back_entirely(client, db):
    finance.ensure_vocabulary()
    team = finance.finance_team()
    books_month = months_ago(timezone.localdate(), 3)
    sale("H-1", paid_on=books_month, merch=500_000)
    cases(team, 4, paid_on=books_month, category="evacuation", amount="321.00", description="humanitarian-aid")
    assert case_aid.publish_case_aid_summaries() == []
    make_checkpoint()

    response = client.get("/en/transparency/")

    page = response.context["page"]
    assert page.by_category == [] and page.by_region == [] and page.lines == []
    assert page.figures.totals["aid_disbursed"].minor == 0 and page.figures.people_helped == 0
    html = response.content.decode()
    assert "Evacuation" not in html and "321.00" not in html and "1,284.00" not in html
    assert "No aid has been published yet." in html


def test_aid_inside_the_publication_delay_is_not_listed(client, books):
    response = client.get("/en/transparency/")
    html = response.content.decode()
    assert books.recent.posted_entry.sequence not in {line.sequence for line in response.context["page"].lines}
    assert "Pharmacy Recent LLC" not in html and "432.10" not in html
    assert "Odesa" not in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_charts_are_well_formed_svg_without_script(client, books, lang):
    html = client.get(f"/{lang}/transparency/").content.decode()
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) == 3
    for markup in svgs:
        root = ElementTree.fromstring(markup)  # noqa: S314 -- our own page, not untrusted input
        assert root.get("role") == "img" and root.get("viewBox")
        titles = [element for element in root.iter() if element.tag.endswith(("title", "desc"))]
        assert len(titles) == 2 and all(element.text for element in titles)
        for element in root.iter():
            assert not element.tag.endswith("script")
            assert not any(name.lower().startswith("on") for name in element.attrib)
    assert html.count("<details>") >= 3  # every chart has its figures as a table


def test_before_the_first_checkpoint_the_page_says_nothing_is_signed_yet(client, db):
    response = client.get("/en/transparency/")
    assert response.status_code == 200
    assert response.context["page"] is None
    assert "Nothing has been signed yet." in response.content.decode()
    assert client.get("/uk/transparency/").status_code == 200


def test_the_withheld_page_states_the_rules_in_force(client, db, settings):
    settings.DISCLOSURE_MIN_CASES = 7
    settings.DISCLOSURE_DOMINANCE_PERCENT = 15
    settings.PUBLICATION_DELAY_DAYS = 45
    html = " ".join(client.get("/en/transparency/withheld/").content.decode().split())
    assert "at least 7 cases" in html
    assert "at least 15% of the largest one" in html
    assert "at least 45 days ago" in html
    for lang in LANGUAGES:
        uk_html = client.get(f"/{lang}/transparency/withheld/").content.decode()
        for rule, number in (("rule-min-cases", "7"), ("rule-dominance", "15"), ("rule-delay", "45")):
            item = re.search(rf'id="{rule}">(.*?)</li>', uk_html, flags=re.S).group(1)
            assert number in item


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_home_page_shows_the_headline_and_links_the_page(client, books, campaign_page, lang):
    response = client.get(f"/{lang}/")
    html = response.content.decode()
    headline = response.context["transparency"]
    figures = client.get(f"/{lang}/transparency/").context["page"].figures
    assert (headline.net_proceeds, headline.aid_disbursed, headline.held) == (
        figures.totals["net_proceeds"], figures.totals["aid_disbursed"], figures.totals["held"]
    )
    assert (headline.people_helped, headline.orders) == (figures.people_helped, figures.orders)
    for name in ("net_proceeds", "aid_disbursed", "held"):
        assert f'data-figure="{name}">{money(getattr(headline, name), lang)}<' in html
    assert f'href="/{lang}/transparency/"' in html


def test_the_home_page_before_any_checkpoint_keeps_its_promise(client, campaign_page):
    html = client.get("/en/").content.decode()
    assert "Every cent of every order will be traceable here." in html
    assert 'href="/en/transparency/"' in html


def test_transparency_without_a_language_sends_visitors_to_theirs(client, db):
    response = client.get("/transparency/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert response.status_code == 302 and response["Location"] == "/en/transparency/"
    response = client.get("/transparency/", HTTP_ACCEPT_LANGUAGE="uk-UA,uk;q=0.9")
    assert response["Location"] == "/uk/transparency/"
    response = client.get("/transparency/withheld/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Location"] == "/en/transparency/withheld/"
