"""The campaign home page: the message first, in both languages, shareable."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from shop.catalogue.freshness import bump_catalogue_version
from tests import factories

CAMPAIGN_TEXT = Path(__file__).resolve().parents[3] / "shared" / "campaign" / "territories-are-people.txt"


def visible_text(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html)
    for entity, char in (("&#x27;", "'"), ("&quot;", '"'), ("&amp;", "&"), ("&#39;", "'")):
        text = text.replace(entity, char)
    return " ".join(text.split())


def campaign_paragraphs() -> list[str]:
    """The campaign's own paragraphs that the home page must carry, from the published text."""
    start = CAMPAIGN_TEXT.read_text(encoding="utf-8").split("Join our campaign")[0]
    paragraphs = []
    for line in start.splitlines():
        line = line.strip().lstrip("•").strip()
        if len(line) > 60:
            paragraphs.append(" ".join(line.split()))
    return paragraphs


def test_root_sends_visitors_to_their_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="uk-UA,uk;q=0.9")
    assert response["Location"] == "/uk/"


@pytest.mark.django_db
def test_english_home_carries_every_paragraph_of_the_campaign(client, campaign_page):
    html = client.get("/en/").content.decode()
    page = visible_text(html)
    paragraphs = campaign_paragraphs()
    assert len(paragraphs) >= 12
    for paragraph in paragraphs:
        assert paragraph in page, paragraph[:80]
    for email in ("info@helpingtoleave.org", "partners@helpingtoleave.org", "pr@helpingtoleave.org"):
        assert f'href="mailto:{email}"' in html
    assert "#territoriesarepeople" in page


@pytest.mark.django_db
def test_ukrainian_home_is_in_ukrainian(client, campaign_page):
    html = client.get("/uk/").content.decode()
    assert '<html lang="uk"' in html
    assert campaign_page.headline_uk in html
    assert campaign_page.sections.first().title_uk in html
    assert "Мерч, який допомагає" in html  # a template string, translated
    assert campaign_page.lead_en not in html


@pytest.mark.django_db
def test_home_shows_merch_and_the_gift_form(client, campaign_page, donation):
    poster = factories.ProductFactory(title="Poster Speak up")
    html = client.get("/en/").content.decode()
    assert poster.get_absolute_url() in html
    assert "Poster Speak up" in html
    assert reverse("basket:add", kwargs={"pk": donation.pk}) in html
    assert 'id="transparency"' in html


@pytest.mark.django_db
def test_home_is_shareable(client, campaign_page):
    html = client.get("/en/").content.decode()
    assert '<meta property="og:title" content="Territories are people">' in html
    assert re.search(r'<meta property="og:image" content="http://testserver/static/img/og-campaign\.png">', html)
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<link rel="alternate" hreflang="uk" href="http://testserver/uk/">' in html
    assert "https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2Ftestserver%2Fen%2F" in html
    assert "hashtags=territoriesarepeople" in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html


@pytest.mark.django_db
def test_language_switcher_keeps_the_page(client, campaign_page):
    html = client.get("/en/catalogue/").content.decode()
    assert '<input name="next" type="hidden" value="/catalogue/">' in html
    response = client.post("/i18n/setlang/", {"language": "uk", "next": "/catalogue/"})
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == "/uk/catalogue/"
    with translation.override("uk"):
        assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_home_query_count_is_bounded(client, django_assert_max_num_queries, campaign_page, donation):
    for _ in range(12):
        factories.ProductImageFactory(product=factories.ProductFactory())
    client.get("/en/")  # warm thumbnails
    bump_catalogue_version()  # measure the uncached grid
    # 13 for the page, plus at most 2 for the public ledger's headline (checkpoint, snapshot).
    with django_assert_max_num_queries(15):
        assert client.get("/en/").status_code == 200
