"""The Content-Security-Policy: on every kind of page, with a fresh nonce that every inline script carries."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from shop import csp
from shop.payments import stripe_gateway
from tests import factories
from tests.donations.dashboard.conftest import member
from tests.donations.finance import ensure_vocabulary, record
from tests.donations.test_impact_page import page_url, paid_order
from tests.shop.test_checkout import add_to_basket, guest_checkout_to_preview
from tests.shop.test_settings import run_django

pytestmark = pytest.mark.django_db

HEADER = "Content-Security-Policy"


class Markup(HTMLParser):
    """The inline scripts, style elements and inline event handlers of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.inline_scripts: list[dict] = []
        self.styles: list[dict] = []
        self.handlers: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            self.inline_scripts.append(attributes)
        if tag == "style":
            self.styles.append(attributes)
        self.handlers += [(tag, name) for name, _ in attrs if name.startswith("on")]


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def nonce_of(policy: str) -> str | None:
    match = re.search(r"'nonce-([^']+)'", " ".join(directives(policy)["script-src"]))
    return match.group(1) if match else None


@pytest.fixture
def pages(client, tshirt, shipping_methods, django_user_model):
    """Each kind of page by name: a function that fetches it (as whoever must be signed in) and returns the response."""
    parent, children = tshirt
    factories.campaign_page()
    factories.donation_product()
    poster = factories.ProductFactory(title="Poster")
    order = paid_order(poster)
    ensure_vocabulary()
    approver = member("approver", "Finance approvers")
    volunteer = member("volunteer", "Finance volunteers")
    disbursement = record(type("Team", (), {"volunteer": volunteer})())
    staff = django_user_model.objects.create_superuser(username="staff", email="staff@example.org", password="x")

    def as_guest(url):
        client.logout()
        return client.get(url)

    def as_user(user):
        def fetch(url):
            client.force_login(user)
            return client.get(url)
        return fetch

    def checkout_preview(url):
        client.logout()
        add_to_basket(client, parent, child_id=children[0].pk)
        guest_checkout_to_preview(client)
        return client.get(url, follow=True)

    return {
        "home": (as_guest, reverse("campaign:home")),
        "catalogue": (as_guest, reverse("catalogue:index")),
        "product": (as_guest, parent.get_absolute_url()),
        "basket": (as_guest, reverse("basket:summary")),
        "checkout": (checkout_preview, reverse("checkout:shipping-method")),
        "transparency": (as_guest, reverse("transparency")),
        "impact": (as_guest, page_url(order)),
        "dashboard": (as_user(staff), reverse("dashboard:order-list")),
        "product edit": (as_user(staff), reverse("dashboard:catalogue-product", kwargs={"pk": parent.pk})),
        "finance workspace": (as_user(approver), reverse("finance-dashboard:disbursement-list")),
        "finance disbursement": (
            as_user(approver), reverse("finance-dashboard:disbursement-detail", kwargs={"pk": disbursement.pk})
        ),
        "account": (as_user(staff), reverse("customer:profile-update")),
        "404": (as_guest, "/en/no-such-page/"),
    }


PAGE_KINDS = [
    "home", "catalogue", "product", "basket", "checkout", "transparency", "impact",
    "dashboard", "product edit", "finance workspace", "finance disbursement", "account", "404",
]


@pytest.fixture(autouse=True)
def _no_debug_pages(settings):
    # With DEBUG on Django answers a 404 with its technical page, which django-csp leaves alone.
    settings.DEBUG = False


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_every_kind_of_page_sends_a_strict_policy_with_a_fresh_nonce(pages, kind):
    fetch, url = pages[kind]

    first, second = fetch(url), fetch(url)

    assert first.status_code == (404 if kind == "404" else 200), kind
    policy = directives(first[HEADER])
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"][0] == "'self'"
    script_src = policy["script-src"]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert script_src[0] == "'self'" and script_src[1].startswith("'nonce-") and len(script_src) == 2
    assert policy["style-src-elem"][1].startswith("'nonce-")
    nonces = nonce_of(first[HEADER]), nonce_of(second[HEADER])
    assert nonces[0] and nonces[1] and nonces[0] != nonces[1]


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_every_inline_script_and_style_carries_the_requests_nonce_and_no_inline_handler_is_left(pages, kind):
    fetch, url = pages[kind]

    response = fetch(url)

    nonce = nonce_of(response[HEADER])
    markup = Markup(response.content.decode())
    assert nonce
    assert markup.inline_scripts, f"{kind}: Oscar's page start-up script is inline"
    assert [script.get("nonce") for script in markup.inline_scripts] == [nonce] * len(markup.inline_scripts)
    assert [style.get("nonce") for style in markup.styles] == [nonce] * len(markup.styles)
    assert markup.handlers == [], kind


def test_the_product_edit_pages_image_fields_preview_without_inline_handlers(pages):
    fetch, url = pages["product edit"]

    html = fetch(url).content.decode()

    assert "data-image-input-preview" in html  # the empty image fields, through templates/ (FORM_RENDERER)


def test_the_transparency_page_styles_carry_the_nonce(pages):
    fetch, url = pages["transparency"]

    markup = Markup(fetch(url).content.decode())

    assert markup.styles, "the transparency page keeps its styles in a <style> element"


def test_a_cached_product_grid_does_not_keep_an_old_nonce(pages):
    """The grids are cached fragments: a nonce inside one would be stale on the next request."""
    fetch, url = pages["home"]
    fetch(url)  # fills the cache

    response = fetch(url)

    nonce = nonce_of(response[HEADER])
    assert nonce
    assert response.content.decode().count("nonce=") == response.content.decode().count(f'nonce="{nonce}"')


@pytest.mark.parametrize(
    "url", ["/transparency/log/key", "/transparency/ledger.csv", "/static/js/page-actions.js", "/i18n/setlang/"]
)
def test_non_html_responses_carry_the_policy_too(client, url):
    response = client.get(url)

    assert "'none'" in directives(response[HEADER])["object-src"]


def test_a_shop_that_takes_cards_may_send_the_preview_form_to_stripe(client, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_API_BASE = ""

    policy = directives(client.get("/transparency/log/key")[HEADER])

    assert policy["form-action"] == ["'self'", "https://checkout.stripe.com"]


def test_the_offline_stand_in_is_the_form_action_when_it_serves_checkout(client, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_API_BASE = "http://127.0.0.1:12111/"

    policy = directives(client.get("/transparency/log/key")[HEADER])

    assert policy["form-action"] == ["'self'", "http://127.0.0.1:12111"]
    assert stripe_gateway.checkout_page_origin() == "http://127.0.0.1:12111"


def test_without_card_payment_forms_go_nowhere_but_here(client, settings):
    settings.STRIPE_SECRET_KEY = ""

    assert directives(client.get("/transparency/log/key")[HEADER])["form-action"] == ["'self'"]


def test_images_from_s3_are_allowed_from_the_bucket_alone(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "proceeds-media", "custom_domain": "media.example.org", "querystring_auth": False,
            },
        },
    }

    policy = directives(client.get("/transparency/log/key")[HEADER])

    assert policy["img-src"] == ["'self'", "data:", "https://media.example.org"]


def test_images_from_an_s3_endpoint_without_a_custom_domain(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "proceeds-media", "endpoint_url": "https://s3.eu.example.net:9000",
                "region_name": "eu-1", "querystring_auth": False, "access_key": "a", "secret_key": "b",
            },
        },
    }

    img_src = directives(client.get("/transparency/log/key")[HEADER])["img-src"]

    assert img_src[:2] == ["'self'", "data:"]
    assert len(img_src) == 3 and img_src[2].endswith("s3.eu.example.net:9000"), img_src


def test_local_media_adds_no_origin(client, settings):
    settings.MEDIA_URL = "/media/"

    assert directives(client.get("/transparency/log/key")[HEADER])["img-src"] == ["'self'", "data:"]
    assert csp.origin("/media/x.jpg") is None


def test_report_only_mode_sends_the_same_policy_as_a_report(client, settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None

    response = client.get("/transparency/log/key")

    assert HEADER not in response
    assert directives(response["Content-Security-Policy-Report-Only"])["object-src"] == ["'none'"]


@pytest.mark.parametrize(
    ("environment", "enforced", "reported"),
    [({}, True, False), ({"CSP_REPORT_ONLY": "1", "CSP_REPORT_URI": "https://reports.example.org/csp"}, False, True)],
)
def test_the_environment_chooses_enforcing_or_report_only(environment, enforced, reported):
    result = run_django(
        {"DEBUG": "1", **environment},
        "shell", "--verbosity", "0", "-c",
        "from django.conf import settings as s; "
        "print(bool(s.CONTENT_SECURITY_POLICY), bool(s.CONTENT_SECURITY_POLICY_REPORT_ONLY), "
        "(s.CONTENT_SECURITY_POLICY or s.CONTENT_SECURITY_POLICY_REPORT_ONLY)['DIRECTIVES'].get('report-uri'))",
    )

    assert result.returncode == 0, result.stderr
    report_uri = "['https://reports.example.org/csp']" if reported else "None"
    assert result.stdout.split() == [str(enforced), str(reported), report_uri]
