"""setup_shop on a fresh database: it refuses demo data without DEBUG and names the site after SITE_URL."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")


def seed_demo() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_refuses_without_debug(settings):
    """Without DEBUG nothing is loaded: no demo products, no account with a known password."""
    settings.DEBUG = False

    with pytest.raises(CommandError):
        seed_demo()

    assert not Product.objects.exists()
    assert not get_user_model().objects.filter(email=settings.DEMO_STAFF_EMAIL).exists()


@pytest.mark.django_db
def test_setup_shop_names_the_site_after_site_url(settings):
    from django.contrib.sites.models import Site

    settings.SITE_URL = "https://shop.territoriesarepeople.example"
    call_command("setup_shop", stdout=StringIO())
    assert Site.objects.get_current().domain == "shop.territoriesarepeople.example"


@pytest.mark.django_db
def test_a_development_site_follows_site_url_but_a_real_domain_stays(settings):
    """``make run PORT=8011`` sets SITE_URL to :8011: the links in emails must follow, a real name must not."""
    from django.contrib.sites.models import Site

    settings.SITE_URL = "http://127.0.0.1:8000"
    call_command("setup_shop", stdout=StringIO())
    settings.SITE_URL = "http://127.0.0.1:8011"
    call_command("setup_shop", stdout=StringIO())
    assert Site.objects.get_current().domain == "127.0.0.1:8011"

    Site.objects.filter(pk=settings.SITE_ID).update(domain="shop.territoriesarepeople.example")
    Site.objects.clear_cache()
    call_command("setup_shop", stdout=StringIO())
    assert Site.objects.get_current().domain == "shop.territoriesarepeople.example"
