"""seed_demo and setup_shop: a complete, browsable shop that is loaded once however often they run.

seed_demo takes tens of seconds (six months of demo books), so the module seeds once, inside a transaction
that is rolled back when the module ends, and each test runs in a savepoint within it, as Django's
TestCase.setUpTestData does. Fresh-database behaviour (no DEBUG, the site's name) is in test_setup_shop.py.
"""

from dataclasses import dataclass
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from oscar.core.loading import get_model

from donations import ledger
from shop.campaign.models import CampaignPage
from shop.donation import DONATION_PRODUCT_CLASS_SLUG

Category = get_model("catalogue", "Category")
Country = get_model("address", "Country")
Product = get_model("catalogue", "Product")
ProductImage = get_model("catalogue", "ProductImage")
StockRecord = get_model("partner", "StockRecord")
WeightBased = get_model("shipping", "WeightBased")

COUNTED_MODELS = (Product, StockRecord, ProductImage, Category, WeightBased, Country, CampaignPage)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED_MODELS}


def seed_demo() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@dataclass(frozen=True)
class FirstRun:
    output: str
    rows: dict[str, int]
    books: dict[str, int]


@pytest.fixture(scope="module")
def first_run(django_db_setup, django_db_blocker):
    """One seed_demo for the whole module, never committed."""
    # pytest-django turns DEBUG off for tests; seed_demo only runs with it on.
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        # As tests/conftest.py's _chart_of_accounts does per test: an earlier transactional test may
        # have flushed the accounts the migrations opened.
        ledger.open_accounts()
        run = FirstRun(seed_demo(), row_counts(), ledger_size())
        yield run
        transaction.set_rollback(True)
    Site.objects.clear_cache()
    cache.clear()


@pytest.fixture
def debug(first_run, settings):
    settings.DEBUG = True
    return first_run


@pytest.mark.django_db
def test_second_run_creates_nothing(debug):
    """Running seed_demo twice leaves every counted table exactly as the first run left it."""
    second_output = seed_demo()

    assert row_counts() == debug.rows
    assert "Created:" in debug.output
    assert "Nothing to create" in second_output
    assert "password proceeds-demo" in second_output


@pytest.mark.django_db
def test_setup_shop_after_seed_demo_creates_nothing(debug):
    """setup_shop is safe to run on a database that already has everything."""
    before = row_counts()
    out = StringIO()

    call_command("setup_shop", stdout=out)

    assert row_counts() == before
    assert "Nothing to create" in out.getvalue()


@pytest.mark.django_db
def test_catalogue_is_browsable_with_images(debug):
    """At least eight products are browsable and every one of them has an image."""
    browsable = Product.objects.browsable()

    assert browsable.count() >= 8
    assert list(browsable.filter(images__isnull=True)) == []


@pytest.mark.django_db
def test_parent_products_have_stocked_public_children(debug):
    """Each parent offers at least two public variants, each priced by one stock record."""
    parents = Product.objects.filter(structure=Product.PARENT)

    assert parents.count() == 3
    for parent in parents:
        children = parent.children.public()
        assert children.count() >= 2, parent
        for child in children:
            assert child.stockrecords.count() == 1, child
            assert {value.attribute.code for value in child.get_attribute_values()} >= {"size", "colour", "weight"}


@pytest.mark.django_db
def test_exactly_one_variant_is_sold_out(debug):
    """The demo shows a sold-out variant on purpose, and only one."""
    sold_out = StockRecord.objects.filter(num_in_stock=0)

    assert [record.product.structure for record in sold_out] == [Product.CHILD]


@pytest.mark.django_db
def test_donation_product_has_one_stock_record_and_needs_no_shipping(debug, settings):
    """The donation has the one stock record Oscar's basket needs, at the aid fund, and ships nothing."""
    donation = Product.objects.get(upc="DONATION")

    assert donation.product_class.slug == DONATION_PRODUCT_CLASS_SLUG
    assert donation.product_class.requires_shipping is False
    assert donation.is_discountable is False
    [record] = donation.stockrecords.all()
    assert record.partner.code == "aid-fund"
    assert record.price == Decimal(settings.DONATION_MIN_AMOUNT)
    assert record.num_in_stock is None
    assert donation.images.exists()


@pytest.mark.django_db
def test_shipping_reaches_ukraine_europe_and_world_but_not_russia(debug):
    """UA, DE and US each have a shipping method; RU and BY have none and are not shipping countries."""
    assert list(WeightBased.objects.filter(countries="UA").values_list("code", flat=True)) == ["ua"]
    assert list(WeightBased.objects.filter(countries="DE").values_list("code", flat=True)) == ["eu"]
    assert list(WeightBased.objects.filter(countries="US").values_list("code", flat=True)) == ["world"]
    assert not WeightBased.objects.filter(countries__in=["RU", "BY"]).exists()
    assert not Country.objects.filter(iso_3166_1_a2__in=["RU", "BY"], is_shipping_country=True).exists()
    assert Country.objects.first().iso_3166_1_a2 == "UA"


@pytest.mark.django_db
def test_staff_edits_survive_a_second_run(debug):
    """A re-run neither rewrites the campaign page nor a shipping zone staff changed."""
    CampaignPage.objects.update(headline_en="Edited by staff")
    eu = WeightBased.objects.get(code="eu")
    eu.bands.all().delete()
    eu.countries.remove("FR")

    seed_demo()

    assert CampaignPage.objects.get().headline_en == "Edited by staff"
    assert not eu.bands.exists()
    assert not eu.countries.filter(iso_3166_1_a2="FR").exists()


@pytest.mark.django_db
def test_demo_staff_account_can_sign_in(debug, settings):
    """The demo staff account exists as a superuser with the documented password."""
    user = get_user_model().objects.get(email=settings.DEMO_STAFF_EMAIL)

    assert user.is_staff and user.is_superuser and user.is_active
    assert user.check_password("proceeds-demo")


@pytest.mark.django_db
def test_the_printed_links_point_at_site_url(debug, settings):
    settings.SITE_URL = "http://127.0.0.1:8011"
    printed = seed_demo()
    assert "Staff sign-in: http://127.0.0.1:8011/en/dashboard/" in printed
    assert "http://127.0.0.1:8011/en/impact/" in printed
    assert ":8000" not in printed


# --- The demo ledger ---------------------------------------------------------------------


def ledger_size() -> dict[str, int]:
    from donations.models import Allocation, AuditLogEntry, Checkpoint, Disbursement, JournalEntry, Posting
    from shop.payments.models import OrderImpactLink, PaymentAttempt, Refund

    models = (
        JournalEntry,
        Posting,
        Allocation,
        Checkpoint,
        Disbursement,
        AuditLogEntry,
        Refund,
        PaymentAttempt,
        OrderImpactLink,
        get_model("order", "Order"),
        get_model("order", "Line"),
    )
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
def test_a_second_run_adds_nothing_to_the_books(debug):
    """The books are append-only: a second seed_demo finds the demo ledger and leaves its size as it was."""
    from donations.models import LogHead

    first_output, after_first = debug.output, debug.books
    seed_demo()

    assert ledger_size() == after_first
    assert after_first["Order"] >= 140 and after_first["JournalEntry"] > after_first["Order"]
    assert LogHead.objects.get().size == after_first["JournalEntry"]
    assert "demo orders" in first_output and "/impact/" in first_output


@pytest.mark.django_db
def test_the_demo_ledger_verifies_and_shows_every_state(debug):
    """Months of orders, refunds and aid in four currencies and every category; the books verify."""
    from donations import allocation
    from donations.models import AidCategory, Checkpoint, Disbursement, JournalEntry
    from shop.payments.models import Refund

    out = StringIO()
    call_command("verify_ledger", stdout=out)

    assert "ledger verified" in out.getvalue()
    assert allocation.verify_allocations() == []
    assert Checkpoint.objects.latest("id").tree_size == JournalEntry.objects.count()
    disbursements = Disbursement.objects.all()
    by_status = {status: disbursements.filter(status=status) for status in Disbursement.Status.values}
    assert by_status["submitted"].count() == 3 and by_status["draft"].count() == 1
    assert [reason != "" for reason in by_status["rejected"].values_list("rejection_reason", flat=True)] == [True]
    posted = by_status["posted"]
    assert posted.count() >= 15
    assert set(disbursements.values_list("currency", flat=True)) >= {"UAH", "EUR", "USD", "PLN"}
    assert set(posted.values_list("category__code", flat=True)) == set(
        AidCategory.objects.values_list("code", flat=True)
    )
    assert posted.filter(concerns_case=True).exists() and posted.filter(payee_public=True).exists()
    assert len(set(posted.values_list("region", flat=True))) >= 4
    assert posted.exclude(currency="EUR").filter(rate_source="").count() == 0
    # Never more spent than came in, and what awaits approval can still be posted.
    pending = sum(by_status["submitted"].values_list("ledger_amount_minor", flat=True))
    assert allocation.unallocated_balance().minor >= pending > 0
    assert Refund.objects.filter(status=Refund.Status.SUCCEEDED, payment_event__isnull=False).count() >= 3
    assert JournalEntry.objects.filter(kind="refund").count() == Refund.objects.count()
    months = {
        date.strftime("%Y-%m")
        for date in JournalEntry.objects.filter(kind="order_proceeds").values_list("effective_date", flat=True)
    }
    assert len(months) >= 6
    # Invented people only, and labelled so.
    for name in disbursements.values_list("payee_name", flat=True):
        assert "(fictional)" in name, name
