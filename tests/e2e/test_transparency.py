"""The public transparency page on a phone, in a real browser: figures, charts, nothing wider than the screen."""

import datetime

import pytest

from donations import case_aid, checkpoints
from donations.checkpoints import encode_signing_key, generate_signing_key
from donations.vocabulary import ensure_vocabulary
from tests.donations import finance

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def books(settings):
    settings.PUBLICATION_DELAY_DAYS = 30
    settings.LEDGER_LOG_ORIGIN = "proceeds.test/ledger"
    settings.LEDGER_SIGNING_KEY = encode_signing_key(generate_signing_key("proceeds.test/ledger"))
    ensure_vocabulary()
    team = finance.finance_team()
    finance.sell("1001", 5_000_000, day=2)
    finance.posted(team, concerns_case=False, payee_public=True, amount="350.00", category="food",
                   public_description="food-packages", region="kharkiv", paid_on=datetime.date(2025, 3, 4),
                   notes="Velyka Dymerka, Olena Kovalenko +380 67 123 4567")
    for _ in range(5):
        finance.posted(team, concerns_case=True, paid_on=datetime.date(2025, 3, 10),
                       case_reference="Olena Kovalenko", notes="Velyka Dymerka +380 67 123 4567")
    case_aid.publish_case_aid_summaries()
    checkpoints.make_checkpoint()


@pytest.mark.parametrize("language", ["en", "uk"])
def test_the_transparency_page_reads_on_a_phone(live_server, browser, screenshots, books, language):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale=language, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/{language}/transparency/")
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 2
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box is not None and 0 < box["width"] <= 390, box
    # Nothing pushes the page sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    text = page.inner_text("body")
    for private in ("Kovalenko", "Dymerka", "123 4567"):
        assert private not in text
    assert "350.00" in text.replace("\u00a0", " ").replace(",", ".")
    page.screenshot(path=str(screenshots / f"transparency-phone-{language}.png"), full_page=True)
    context.close()
