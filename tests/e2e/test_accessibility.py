"""Every public page meets WCAG 2.1 AA as axe-core measures it, in both languages, on a phone and a desktop.

axe-core is pinned in tests/e2e/axe/package-lock.json and installed by
``make test`` (``npm ci --prefix tests/e2e/axe``). One shop is set up for the
whole module (the demo catalogue and ledger, a basket walked to the preview, a
paid order), so each page test only opens a page and runs axe: about a second
each. The module keeps its data until its last test, so its tests carry no
``django_db`` mark and do not use pytest-django's ``live_server`` (either
would flush the database after each test): the module starts its own server,
unblocks the database for its tests, and flushes it at its end instead.

Run the lot with ``.venv/bin/pytest -p no:xdist tests/e2e/test_accessibility.py``;
screenshots of every page land in test-output/e2e/accessibility/.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from donations import ledger
from tests import factories
from tests.shop.payments.test_standin import SECRET_KEY, WEBHOOK_SECRET, start_standin, stop

pytestmark = [pytest.mark.e2e]

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA: the level the issue promises supporters.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
BLOCKING = ("serious", "critical")
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
LANGUAGES = ("en", "uk")
GUEST = "supporter@example.org"
# The checkout's own buttons (the site header has buttons too: the language switch).
GATEWAY_SUBMIT = "form:has(input[name=username]) button[type=submit]"
ADDRESS_SUBMIT = "#new_shipping_address button[type=submit]"
SHIPPING_METHOD_SUBMIT = "form[action$='/checkout/shipping-method/'] button[type=submit]"
ADDRESS = (("first_name", "Olena"), ("last_name", "Test"), ("line1", "Khreshchatyk 1"),
           ("line4", "Kyiv"), ("postcode", "01001"))


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install axe-core: `make test` runs npm ci --prefix tests/e2e/axe (needs npm)")
        pytest.skip("axe-core is not installed: npm ci --prefix tests/e2e/axe (or make test)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def database(django_db_setup, django_db_blocker):
    """The test database, open to this module's tests and its server until the module ends, then emptied."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        # pytest-django creates the test database only for tests that ask for one
        # by mark or fixture, which these tests cannot do without being flushed.
        own = None
        if connection.settings_dict["NAME"] != connection.creation._get_test_db_name():
            own = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        ledger.open_accounts()  # a transactional test before this module flushed them
        yield
        # What a transactional test does after itself: later tests expect an empty database.
        call_command("flush", interactive=False, verbosity=0)
        if own is not None:
            teardown_databases(own, verbosity=0)


@pytest.fixture(scope="module")
def site_server(database):
    """A live server for this module alone (pytest-django's own would make every test here transactional)."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost")
    server._live_server_modified_settings.enable()  # its host in ALLOWED_HOSTS, as pytest-django does per test
    yield server
    server._live_server_modified_settings.disable()
    server.stop()


@pytest.fixture(scope="module")
def standin(database, site_server):
    running = start_standin(site_server.url + "/checkout/stripe/webhook/")
    with override_settings(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                           STRIPE_API_BASE=running.url):
        yield running
    stop(running.process)


@dataclass(frozen=True)
class Shop:
    product_path: str  # without the language prefix
    at_preview: dict  # browser storage state: a basket with a hoodie, walked to the preview
    paid: dict  # storage state after paying: the thank-you page shows the order
    order_status_path: str
    impact_path: str


def _language_neutral(url: str, base: str) -> str:
    return re.sub(r"^/(en|uk)/", "/", url.removeprefix(base))


@pytest.fixture(scope="module")
def shop(database, site_server, browser, standin) -> Shop:
    from oscar.core.loading import get_model

    with override_settings(DEBUG=True):  # pytest-django turns DEBUG off; seed_demo refuses to run without it
        call_command("seed_demo", stdout=io.StringIO())
    # A second way to ship to Ukraine, so the shipping step lists a choice as well as Nova Poshta's branch field.
    factories.WeightBasedFactory(code="ua-courier", name="Ukraine — courier to the door",
                                 countries=[get_model("address", "Country").objects.get(iso_3166_1_a2="UA")],
                                 bands=[("5", "9.00")])
    Product = get_model("catalogue", "Product")
    hoodie = Product.objects.filter(structure="parent", slug__startswith="hoodie").first()
    product_path = _language_neutral(hoodie.get_absolute_url(), "")

    def walk_to_preview():
        context = browser.new_context(viewport=WIDTHS["desktop"], locale="en-GB")
        page = context.new_page()
        page.goto(f"{site_server.url}/en{product_path}")
        page.select_option("select[name=child_id]", index=1)
        page.locator("#add_to_basket_form button[type=submit]").click()
        page.goto(site_server.url + "/en/checkout/")
        page.fill("input[name=username]", GUEST)
        page.check("input[name=options][value=anonymous]")
        page.locator(GATEWAY_SUBMIT).click()
        page.wait_for_url("**/checkout/shipping-address/")
        for name, value in ADDRESS:
            page.fill(f"input[name={name}]", value)
        if page.locator("select[name=country]").count():  # asked only when more than one country ships
            page.select_option("select[name=country]", "UA")
        page.locator(ADDRESS_SUBMIT).click()
        page.wait_for_url(re.compile(r".*/checkout/(shipping-method|preview)/$"))
        if "shipping-method" in page.url:
            if page.locator("input[name=pickup_point]").count():  # Nova Poshta: its branch number, then Enter
                page.fill("input[name=pickup_point]", "25")
                page.press("input[name=pickup_point]", "Enter")
            else:
                page.locator(SHIPPING_METHOD_SUBMIT).first.click()
            page.wait_for_url("**/checkout/preview/")
        return context, page

    context, page = walk_to_preview()
    at_preview = context.storage_state()
    context.close()

    context, page = walk_to_preview()
    page.locator("#place-order").click()
    page.wait_for_url(standin.url + "/checkout/pay/**")
    page.locator("button[name=card][value=visa]").click()
    page.wait_for_url("**/checkout/thank-you/")
    order_status_path = _language_neutral(page.locator("a[href*='order-status']").first.get_attribute("href"), "")
    impact_path = _language_neutral(page.locator("#impact_link").get_attribute("href"), "")
    # The browser that paid sees its order's status at once (the session knows the order's email).
    page.goto(f"{site_server.url}/en{order_status_path}")
    page.wait_for_selector("#order-status")
    paid = context.storage_state()
    context.close()
    return Shop(product_path=product_path, at_preview=at_preview, paid=paid,
                order_status_path=order_status_path, impact_path=impact_path)


# Each page: (path without the language prefix, or a function of the Shop; which stored browser state).
PAGES = {
    "home": ("/", None),
    "catalogue": ("/catalogue/", None),
    "product": (lambda shop: shop.product_path, None),
    "basket": ("/basket/", "at_preview"),
    "checkout-email": ("/checkout/", "at_preview"),
    "checkout-address": ("/checkout/shipping-address/", "at_preview"),
    "checkout-shipping": ("/checkout/shipping-method/", "at_preview"),
    "checkout-preview": ("/checkout/preview/", "at_preview"),
    "thank-you": ("/checkout/thank-you/", "paid"),
    "order-status-email": (lambda shop: shop.order_status_path.replace("order-status", "order-status-form"), None),
    "order-status": (lambda shop: shop.order_status_path, "paid"),
    "impact": (lambda shop: shop.impact_path, None),
    "transparency": ("/transparency/", None),
    "reports": ("/transparency/reports/", None),
    "verify": ("/transparency/verify/", None),
    "withheld": ("/transparency/withheld/", None),
}


def serious_violations(page, axe_source: str) -> list[dict]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page as it is now.

    axe is evaluated through Playwright (the DevTools protocol), which the
    page's Content-Security-Policy does not govern: injecting it as a <script>
    tag would need the response's nonce, and a context with bypass_csp=True
    would test a page the supporter never gets. So the page under test keeps
    the policy it is served with.
    """
    page.evaluate(axe_source)
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [violation for violation in results["violations"] if violation["impact"] in BLOCKING]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")[:200]
            lines.append(f"    {' '.join(map(str, node['target']))}  — {summary}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", PAGES)
def test_the_page_has_no_serious_accessibility_violations(
    site_server, browser, screenshots, axe_source, shop, name, language, width
):
    path, state = PAGES[name]
    path = path(shop) if callable(path) else path
    context = browser.new_context(
        viewport=WIDTHS[width], locale="uk-UA" if language == "uk" else "en-GB",
        is_mobile=width == "phone", storage_state=getattr(shop, state) if state else None,
    )
    page = context.new_page()
    response = page.goto(f"{site_server.url}/{language}{path}")
    assert response is not None and response.ok, (response and response.status, page.url)
    assert page.url.rstrip("/").endswith(path.rstrip("/")), f"{name} redirected to {page.url}"
    violations = serious_violations(page, axe_source)
    folder = screenshots / "accessibility"
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-{language}-{width}.png"), full_page=True)
    context.close()
    assert not violations, f"{name} /{language}/ at {WIDTHS[width]['width']} px:\n{describe(violations)}"


# --- The checkout with the keyboard alone ------------------------------------------------------

FOCUS_STYLE = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    return {
        tag: element.tagName.toLowerCase(),
        name: (element.innerText || element.value || element.name || "").trim().slice(0, 40),
        visible: outlined || style.boxShadow !== "none",
    };
}"""


class Keyboard:
    """Moves focus with Tab (or Shift+Tab) only, and notes any stop that shows no focus indicator."""

    def __init__(self, page):
        self.page = page
        self.unmarked: list[str] = []

    def tab_to(self, selector: str, *, backwards: bool = False, limit: int = 120) -> None:
        for _ in range(limit):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            focus = self.page.evaluate(FOCUS_STYLE)
            # Past the last control Tab leaves the page (focus on <body>) and comes round again.
            if not focus["visible"] and focus["tag"] != "body":
                self.unmarked.append(f"{self.page.url}: <{focus['tag']}> {focus['name']!r}")
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"{selector} never took the focus on {self.page.url}")

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.type(text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_supporter_buys_a_hoodie_with_the_keyboard_alone(site_server, browser, screenshots, shop, standin, language):
    """Product → size → basket → checkout as a guest → address → shipping → preview → pay → thank-you, no mouse."""
    from oscar.core.loading import get_model

    Order = get_model("order", "Order")
    context = browser.new_context(viewport=WIDTHS["desktop"], locale="uk-UA" if language == "uk" else "en-GB")
    page = context.new_page()
    keys = Keyboard(page)
    page.goto(f"{site_server.url}/{language}{shop.product_path}")

    keys.tab_to("select[name=child_id]")
    first = page.eval_on_selector("select[name=child_id]", "select => select.value")
    page.keyboard.press("ArrowDown")  # the next size, as a keyboard user picks it
    chosen = page.eval_on_selector("select[name=child_id]", "select => select.value")
    assert chosen != first
    keys.tab_to("#add_to_basket_form button[type=submit]")
    page.screenshot(path=str(screenshots / f"keyboard-focus-add-to-basket-{language}.png"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    keys.tab_to(".site-nav__basket")
    with page.expect_navigation(url=f"**/{language}/basket/"):
        page.keyboard.press("Enter")
    keys.tab_to("a[href$='/checkout/']")
    with page.expect_navigation(url=f"**/{language}/checkout/"):
        page.keyboard.press("Enter")

    keys.type_into("input[name=username]", GUEST)
    keys.tab_to("input[name=options]")
    for _ in range(4):  # a radio group: arrows move the choice
        if page.is_checked("input[name=options][value=anonymous]"):
            break
        page.keyboard.press("ArrowUp")
    assert page.is_checked("input[name=options][value=anonymous]")
    keys.tab_to(GATEWAY_SUBMIT)
    with page.expect_navigation(url="**/checkout/shipping-address/"):
        page.keyboard.press("Enter")

    for name, value in ADDRESS:
        keys.type_into(f"input[name={name}]", value)
    keys.tab_to(ADDRESS_SUBMIT)
    page.screenshot(path=str(screenshots / f"keyboard-focus-address-{language}.png"))
    with page.expect_navigation(url="**/checkout/shipping-method/"):
        page.keyboard.press("Enter")

    keys.type_into("input[name=pickup_point]", "25")  # Nova Poshta's branch, then its own Choose button
    keys.tab_to("form:has(input[name=pickup_point]) button[type=submit]")
    with page.expect_navigation(url="**/checkout/preview/"):
        page.keyboard.press("Enter")

    keys.tab_to("#place-order")
    page.screenshot(path=str(screenshots / f"keyboard-focus-pay-{language}.png"))
    with page.expect_navigation(url=standin.url + "/checkout/pay/**"):
        page.keyboard.press("Enter")

    keys.tab_to("button[name=card][value=visa]")
    page.screenshot(path=str(screenshots / f"keyboard-focus-stand-in-{language}.png"))
    page.keyboard.press("Space")  # the stand-in returns through the shop's processing page
    page.wait_for_url("**/checkout/thank-you/")
    order = Order.objects.order_by("-id").first()
    assert order.number in page.inner_text("body")
    assert [line.product_id for line in order.lines.all()] == [int(chosen)]  # the size picked with the arrow key
    context.close()
    assert not keys.unmarked, "No visible focus indicator on:\n" + "\n".join(keys.unmarked)
