import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from donations import ledger
from tests import factories


def pytest_collection_modifyitems(config, items):
    """Deselect (not skip) ``@pytest.mark.postgres`` tests unless the default database is PostgreSQL.

    They prove what only PostgreSQL's triggers enforce; on SQLite they could
    only be skipped noise. CI runs the suite on both databases.
    """
    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    deselected = [item for item in items if item.get_closest_marker("postgres")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]


@pytest.fixture(autouse=True)
def _chart_of_accounts(request):
    """Every test that can reach the database finds the chart of accounts.

    Paying an order posts its proceeds to the books, and a transactional test
    (``transaction=True``, a live server) flushes every table on its way out,
    the accounts the migrations opened included.
    """
    uses_db = {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    if not uses_db and request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    ledger.open_accounts()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Tests never see each other's cached pages or thumbnails."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english():
    """URLs reversed in tests are the English ones, and messages read in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def ukraine(db):
    return factories.CountryFactory(iso_3166_1_a2="UA")


@pytest.fixture
def shipping_methods(db, ukraine):
    germany = factories.CountryFactory(iso_3166_1_a2="DE")
    factories.WeightBasedFactory(code="ua", name="Ukraine — Nova Poshta", countries=[ukraine])
    factories.WeightBasedFactory(
        code="eu", name="European Union — tracked post", countries=[germany],
        bands=[("0.5", "6.00"), ("5", "18.00")],
    )
    return {"UA": ukraine, "DE": germany}


@pytest.fixture
def tshirt(db):
    """A t-shirt with three sizes, one of them sold out."""
    parent = factories.ParentProductFactory(title="T-shirt Territories are people")
    factories.ProductImageFactory(product=parent, caption="Black t-shirt, front")
    factories.ProductImageFactory(product=parent, caption="", display_order=1)
    children = [
        factories.ChildProductFactory(parent=parent, title=f"Size {size}",
                                      stock={"num_in_stock": 0 if size == "XL" else 10})
        for size in ("M", "L", "XL")
    ]
    return parent, children


@pytest.fixture
def donation(db):
    return factories.donation_product()


@pytest.fixture
def campaign_page(db):
    return factories.campaign_page()
