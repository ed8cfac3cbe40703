"""In a real browser: the Content-Security-Policy stops a script that got into a page, and nothing else.

Every stored text is escaped today, so tests/e2e/csp_urls.py adds two
test-only pages that render one unescaped inside the real layouts (a product
title on a public page, a disbursement's notes in the finance workspace): the
template bug the policy is there for.
"""

from decimal import Decimal

import pytest

from tests import factories
from tests.donations.finance import ensure_vocabulary, finance_team, record
from tests.shop.payments.test_proceeds_posting import place_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.e2e.csp_urls")]

PAYLOAD = (
    '<script>window.__pwned = "inline script"</script>'
    '<img src="/no-such-image" onerror="window.__pwned = \'event handler\'">'
)
STAFF_PASSWORD = "staff-pass-123"
# Every violation the page reports, recorded before any of its own scripts run.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
    window.__violations.push({directive: event.effectiveDirective, blocked: event.blockedURI, sample: event.sample});
});
"""


class Watched:
    """A browser page whose CSP violations and console messages are kept."""

    def __init__(self, context):
        self.page = context.new_page()
        self.page.add_init_script(RECORD_VIOLATIONS)
        self.console: list[str] = []
        self.page.on("console", lambda message: self.console.append(message.text))

    def goto(self, url: str) -> None:
        self.console.clear()
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")

    def violations(self) -> list[dict]:
        return self.page.evaluate("window.__violations")

    def csp_console(self) -> list[str]:
        return [text for text in self.console if "Content Security Policy" in text]


@pytest.fixture
def shop(db, django_user_model):
    ukraine = factories.CountryFactory(iso_3166_1_a2="UA")
    factories.WeightBasedFactory(code="ua", name="Ukraine — Nova Poshta", countries=[ukraine])
    factories.campaign_page()
    factories.donation_product()
    parent = factories.ParentProductFactory(title="T-shirt Territories are people")
    factories.ProductImageFactory(product=parent)
    factories.ChildProductFactory(parent=parent, title="Size M")
    poster = factories.ProductFactory(title="Poster", stock={"price": Decimal("29.00"), "cost_price": Decimal("9.50")})
    order = place_order(merch=[(poster, 1)])
    ensure_vocabulary()
    disbursement = record(finance_team(), notes="Receipt kept. " + PAYLOAD)
    # The campaign's coordinator: staff with every permission (Oscar's order pages, the finance workspace).
    django_user_model.objects.create_superuser(
        username="staff@example.org", email="staff@example.org", password=STAFF_PASSWORD
    )
    return {"tshirt": parent, "order": order, "disbursement": disbursement}


def sign_in(watched: Watched, live_server) -> None:
    watched.goto(live_server.url + "/en/accounts/login/")
    watched.page.fill("input[name=login-username]", "staff@example.org")
    watched.page.fill("input[name=login-password]", STAFF_PASSWORD)
    watched.page.get_by_role("button", name="Log In").click()
    watched.page.wait_for_load_state("networkidle")


def assert_only_the_injected_script_was_refused(watched: Watched) -> None:
    assert watched.page.evaluate("window.__pwned") is None
    refused = sorted((v["directive"], v["blocked"]) for v in watched.violations())
    # The <script> element and the onerror attribute, and nothing of the page's own.
    assert refused == [("script-src-attr", "inline"), ("script-src-elem", "inline")], refused
    assert len(watched.csp_console()) == 2, watched.console
    assert all("Executing inline" in text and "violates" in text for text in watched.csp_console()), watched.console


def test_a_script_in_a_product_title_does_not_run_on_a_public_page(live_server, browser, screenshots, shop):
    product = factories.ProductFactory(title="Poster " + PAYLOAD)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True)
    watched = Watched(context)

    watched.goto(f"{live_server.url}/en/csp-probe/product/{product.pk}/")

    assert "Poster" in watched.page.inner_text("#stored-text")
    assert watched.page.locator("#stored-text script").count() == 1  # it is in the page, and did not run
    assert_only_the_injected_script_was_refused(watched)
    watched.page.screenshot(path=str(screenshots / "csp-probe-public-phone.png"), full_page=True)
    context.close()


def test_a_script_in_disbursement_notes_does_not_run_in_the_finance_workspace(live_server, browser, screenshots,
                                                                              shop):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    watched = Watched(context)
    sign_in(watched, live_server)

    watched.goto(f"{live_server.url}/en/dashboard/finance/csp-probe/{shop['disbursement'].pk}/")

    assert "Receipt kept." in watched.page.inner_text("#stored-text")
    assert_only_the_injected_script_was_refused(watched)
    watched.page.screenshot(path=str(screenshots / "csp-probe-finance.png"), full_page=True)
    context.close()


@pytest.mark.parametrize(("width", "height", "label"), [(390, 844, "phone"), (1280, 900, "desktop")])
def test_the_public_pages_run_their_own_scripts_with_no_violation(live_server, browser, screenshots, shop,
                                                                  width, height, label):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    watched = Watched(context)

    watched.goto(live_server.url + "/en/")
    # The donation form's own inline script (it carries the nonce) fills in a suggested amount.
    watched.page.locator(".donation-amounts button[data-amount='50']").click()
    assert watched.page.input_value("input[name=donation-amount]") == "50"
    watched.page.screenshot(path=str(screenshots / f"csp-home-{label}.png"), full_page=False)
    assert watched.violations() == [] and watched.csp_console() == [], watched.console

    for path, name in (
        (shop["tshirt"].get_absolute_url(), "product"),
        ("/en/basket/", "basket"),
        ("/en/transparency/", "transparency"),
        ("/en/no-such-page/", "404"),
    ):
        watched.goto(live_server.url + path)
        assert watched.page.evaluate("typeof window.oscar") == "object", path  # Oscar's scripts loaded
        assert watched.violations() == [] and watched.csp_console() == [], (path, watched.console)
        if label == "desktop" or name == "product":
            watched.page.screenshot(path=str(screenshots / f"csp-{name}-{label}.png"), full_page=True)
    context.close()


def test_staff_pages_run_oscars_dashboard_scripts_with_no_violation(live_server, browser, screenshots, shop):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    watched = Watched(context)
    sign_in(watched, live_server)
    order, tshirt, disbursement = shop["order"], shop["tshirt"], shop["disbursement"]

    for path, name in (
        ("/en/dashboard/orders/", "orders"),
        (f"/en/dashboard/orders/{order.number}/", "order"),
        (f"/en/dashboard/catalogue/products/{tshirt.pk}/", "product-edit"),
        ("/en/dashboard/finance/disbursements/", "finance-disbursements"),
        (f"/en/dashboard/finance/disbursements/{disbursement.pk}/", "finance-disbursement"),
        ("/en/dashboard/finance/ledger/", "finance-ledger"),
    ):
        watched.goto(live_server.url + path)
        # oscar.dashboard.init(), run by the layout's inline start-up script, turns selects into select2 widgets.
        if watched.page.locator("select").count():
            assert watched.page.locator(".select2-container").count() > 0, path
        if name == "product-edit":
            # TinyMCE (loaded from static, started by the same inline script) edits the description.
            watched.page.wait_for_selector(".tox-tinymce")
        assert watched.violations() == [] and watched.csp_console() == [], (path, watched.console)
        watched.page.screenshot(path=str(screenshots / f"csp-dashboard-{name}.png"), full_page=True)
    context.close()
