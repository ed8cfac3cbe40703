"""Settings for Proceeds, read from environment variables.

Development needs nothing set but ``DEBUG=1`` (the Makefile sets it). With
``DEBUG`` off the process refuses to start unless it has a real ``SECRET_KEY``
and ``ALLOWED_HOSTS``: a shop that takes money must never run on a default key.
Every variable read here is documented in README.md.
"""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from pathlib import Path

import dj_database_url
import dj_email_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from oscar.defaults import *  # noqa: F403 -- Oscar's documented way to start from its defaults

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)

_DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-never-use-in-production"  # noqa: S105 -- DEBUG only
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off Proceeds refuses to start without "
            "a secret key of at least 50 random characters (set DEBUG=1 for development)."
        )
    SECRET_KEY = _DEVELOPMENT_SECRET_KEY
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use at least 50 random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'."
    )

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. With DEBUG off list the site's host names, comma-separated."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

SITE_ID = 1
ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.humanize",
    "django.forms",  # Django's own widget templates, for FORM_RENDERER below
    "csp",  # only for its system checks (a policy set in the pre-4.0 format, a string of excluded prefixes)
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "shop.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "shop.shipping.apps.ShippingConfig",
    "shop.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "shop.partner.apps.PartnerConfig",
    "shop.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "shop.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "shop.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
    "shop.campaign.apps.CampaignConfig",
    "shop.payments.apps.PaymentsConfig",
    "donations.apps.DonationsConfig",
]

# These forks change behaviour only (product page, basket options, shipping), not
# models, so their migrations stay Oscar's own: an Oscar upgrade brings them
# without copying them here. The partner fork adds a column and owns its
# migrations, as oscar_fork_app sets up.
MIGRATION_MODULES = {
    "catalogue": "oscar.apps.catalogue.migrations",
    "basket": "oscar.apps.basket.migrations",
    "shipping": "oscar.apps.shipping.migrations",
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, which answers static files without calling what follows it.
    "shop.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Oscar's, settling a payment the supporter walked away from before the basket is loaded.
    "shop.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.core.context_processors.metadata",
                "shop.campaign.context_processors.campaign",
            ],
        },
    }
]

# Widgets render through TEMPLATES, so templates/ can override a widget's template
# (Oscar's image field, whose inline onload/onerror the Content-Security-Policy blocks).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

AUTHENTICATION_BACKENDS = [
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"

# --- Database, cache, sessions ---------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Oscar's checkout relies on one transaction per request.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite locks the whole file: take the write lock when a transaction starts,
    # so a webhook and the return page queue for it instead of failing midway.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    # WAL: a page that only reads (an import's progress page) is not blocked while a
    # long write (recording 10,000 imported rows) holds the lock; writers wait up to
    # 20 s for each other instead of the default 5.
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["timeout"] = 20

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "proceeds",
        }
    }
    # Sessions are written to the database and cached in Redis: losing Redis
    # must never lose a supporter's basket or checkout.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "proceeds",
            # Thumbnail metadata lives here too: keep a catalogue's worth.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Email ------------------------------------------------------------------

_email = dj_email_url.parse(os.environ.get("EMAIL_URL") or ("console://" if DEBUG else "smtp://localhost:25"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT") or 10
if _email.get("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Territories are people <shop@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
OSCAR_FROM_EMAIL = DEFAULT_FROM_EMAIL

# --- Static and media files -------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")

S3_BUCKET = os.environ.get("S3_BUCKET", "")
if S3_BUCKET:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "custom_domain": os.environ.get("S3_CUSTOM_DOMAIN") or None,
            "querystring_auth": False,
            "file_overwrite": False,
            "default_acl": None,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Serve media from the Django process only in development; production media is
# on S3 or behind the load balancer (see README, "Running several processes").
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)

# --- Internationalisation ---------------------------------------------------

LANGUAGE_CODE = "uk"
LANGUAGES = [("uk", "Українська"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Kyiv"

# --- Security (``manage.py check --deploy`` is silent with DEBUG off) -------

SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("TRUST_X_FORWARDED_PROTO", False) else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp), on every response, static files included.
# Scripts run only from this site or inline with the request's nonce
# (``nonce="{{ request.csp_nonce }}"``): no inline event handlers, no eval, so a
# script that slips into a page through stored text does not run. shop/csp.py
# adds, from the settings of the moment, the Stripe Checkout origin to
# form-action and the media origin (S3, an absolute MEDIA_URL) to img-src.
#
# Styles: a <style> element needs the nonce (style-src-elem), but inline style
# *attributes* are allowed (style-src-attr 'unsafe-inline'). Oscar's own
# templates hide parts of the basket, checkout and dashboard with
# style="display:none" and TinyMCE, select2 and the datetimepicker write style
# attributes as they build their widgets; blocking them would break those pages
# or mean forking a dozen Oscar templates and three libraries. A style attribute
# cannot run script, and img-src still limits where it can load anything from.
# style-src carries the same 'unsafe-inline' only for browsers without CSP 3's
# split directives (before 2022), so there it fails open for styles, never scripts.
# CSP_REPORT_ONLY=1 sends the same policy as Content-Security-Policy-Report-Only,
# for trying a change in production; CSP_REPORT_URI is where browsers report.
_CSP_REPORT_URI = os.environ.get("CSP_REPORT_URI", "").strip()
_CSP = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "style-src-elem": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        **({"report-uri": [_CSP_REPORT_URI]} if _CSP_REPORT_URI else {}),
    }
}
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY = None
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP
    CONTENT_SECURITY_POLICY_REPORT_ONLY = None

# --- Logging ----------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Search -----------------------------------------------------------------

# Browsing the catalogue never touches the search engine (see shop/search).
# Free-text search uses the database unless SEARCH_URL names a real engine.
SEARCH_URL = os.environ.get("SEARCH_URL", "")
if SEARCH_URL.startswith(("solr://", "solrs://")):
    HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "haystack.backends.solr_backend.SolrEngine",
            "URL": SEARCH_URL.replace("solr", "http", 1),
            "INCLUDE_SPELLING": True,
        }
    }
    HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.RealtimeSignalProcessor"
elif SEARCH_URL.startswith(("elasticsearch://", "elasticsearchs://")):
    _scheme, _, _rest = SEARCH_URL.partition("://")
    _host, _, _index = _rest.partition("/")
    HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "haystack.backends.elasticsearch7_backend.Elasticsearch7SearchEngine",
            "URL": ("https://" if _scheme.endswith("s") else "http://") + _host,
            "INDEX_NAME": _index or "proceeds",
        }
    }
    HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.RealtimeSignalProcessor"
elif SEARCH_URL:
    raise ImproperlyConfigured(
        f"SEARCH_URL must start with solr://, solrs://, elasticsearch:// or elasticsearchs://, "
        f"not {SEARCH_URL!r}"
    )
else:
    HAYSTACK_CONNECTIONS = {
        "default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}
    }
    HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"

# --- Oscar ------------------------------------------------------------------

SHOP_CURRENCY = os.environ.get("SHOP_CURRENCY", "EUR").strip().upper()
if len(SHOP_CURRENCY) != 3 or not SHOP_CURRENCY.isalpha():
    raise ImproperlyConfigured(f"SHOP_CURRENCY must be an ISO 4217 code such as EUR, not {SHOP_CURRENCY!r}")

OSCAR_SHOP_NAME = _("Territories are people")
OSCAR_SHOP_TAGLINE = _("Merch that helps people under occupation")
OSCAR_HOMEPAGE = reverse_lazy("campaign:home")
OSCAR_DEFAULT_CURRENCY = SHOP_CURRENCY
OSCAR_ALLOW_ANON_CHECKOUT = True
OSCAR_ALLOW_ANON_REVIEWS = False
OSCAR_MODERATE_REVIEWS = True
OSCAR_PRODUCTS_PER_PAGE = 20
# Reviews and wish lists are not what supporters come for; hiding them keeps
# product pages lean and stores nothing more about visitors.
OSCAR_HIDDEN_FEATURES = ["reviews", "wishlists"]
OSCAR_REQUIRED_ADDRESS_FIELDS = ("first_name", "last_name", "line1", "line4", "postcode", "country")
# An order is placed only once its payment is confirmed, so it starts as paid;
# staff move it on in the dashboard. Supporters see these in plain, translated
# words (shop/order_status.py, which holds the same codes).
OSCAR_INITIAL_ORDER_STATUS = "Paid"
OSCAR_ORDER_STATUS_PIPELINE = {
    "Paid": ("Sent", "Cancelled"),
    "Sent": ("Delivered",),
    "Delivered": (),
    "Cancelled": (),
}


def _finance(user, url_name, *args):
    """Show a finance workspace page in the menu to those who may open it (imported late: models load after)."""
    from donations.dashboard.permissions import may_open

    return may_open(user, url_name)


OSCAR_DASHBOARD_NAVIGATION = OSCAR_DASHBOARD_NAVIGATION + [  # noqa: F405
    {
        "label": _("Campaign"),
        "icon": "fas fa-bullhorn",
        "children": [
            {
                "label": _("Campaign page"),
                "url_name": "campaign-dashboard:page",
                "access_fn": lambda user, *args: user.is_staff,
            },
            {
                "label": _("Catalogue in Ukrainian"),
                "url_name": "campaign-dashboard:translations",
                "access_fn": lambda user, *args: user.is_staff,
            },
        ],
    },
    {
        "label": _("Payments"),
        "icon": "fas fa-undo",
        "children": [
            {
                # Refund an order from its page; this lists every refund, including those made in Stripe.
                "label": _("Refunds"),
                "url_name": "payments-dashboard:refund-list",
                "access_fn": lambda user, *args: user.is_staff,
            },
        ],
    },
    {
        # The finance workspace: each page needs staff status and its permission (donations.dashboard.permissions).
        "label": _("Finance"),
        "icon": "fas fa-hand-holding-heart",
        "children": [
            {"label": _("Disbursements"), "url_name": "finance-dashboard:disbursement-list", "access_fn": _finance},
            {"label": _("Ledger"), "url_name": "finance-dashboard:ledger", "access_fn": _finance},
            {"label": _("Proceeds & allocation"), "url_name": "finance-dashboard:allocation", "access_fn": _finance},
            {"label": _("Audit log"), "url_name": "finance-dashboard:audit-log", "access_fn": _finance},
            {"label": _("Reports"), "url_name": "finance-dashboard:report-list", "access_fn": _finance},
        ],
    },
]
THUMBNAIL_DEBUG = False
THUMBNAIL_PRESERVE_FORMAT = True

# --- Stripe -----------------------------------------------------------------

# Read at call time by shop/payments/stripe_gateway.py, the one module that talks
# to Stripe. STRIPE_API_BASE is unset in production; in development and tests it
# points at a local Stripe-compatible server on loopback.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
# Off: the webhook places the order before answering (no worker needed). On: the
# webhook only stores the event and answers at once; `manage.py
# process_stripe_events --forever` (one or more workers) applies them.
STRIPE_WEBHOOK_QUEUE = env_bool("STRIPE_WEBHOOK_QUEUE", False)
if STRIPE_API_BASE and STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_")):
    raise ImproperlyConfigured("STRIPE_API_BASE must not be set with a live Stripe key: live payments go to Stripe.")

# "Find my order" (shop/payments/order_lookup.py): tries allowed per client address,
# and per order number, in each window.
ORDER_LOOKUP_MAX_TRIES = env_int("ORDER_LOOKUP_MAX_TRIES", 5)
ORDER_LOOKUP_WINDOW_MINUTES = env_int("ORDER_LOOKUP_WINDOW_MINUTES", 15)
if ORDER_LOOKUP_MAX_TRIES < 1 or ORDER_LOOKUP_WINDOW_MINUTES < 1:
    raise ImproperlyConfigured("ORDER_LOOKUP_MAX_TRIES and ORDER_LOOKUP_WINDOW_MINUTES must be at least 1")

# --- Campaign ---------------------------------------------------------------

# Amount limits for a gift of the supporter's choosing, in the shop currency.
DONATION_MIN_AMOUNT = os.environ.get("DONATION_MIN_AMOUNT", "2.00")
DONATION_MAX_AMOUNT = os.environ.get("DONATION_MAX_AMOUNT", "5000.00")
try:
    _limits = (Decimal(DONATION_MIN_AMOUNT), Decimal(DONATION_MAX_AMOUNT))
except InvalidOperation as exc:
    raise ImproperlyConfigured("DONATION_MIN_AMOUNT and DONATION_MAX_AMOUNT must be amounts such as 2.00") from exc
if not Decimal("0") < _limits[0] < _limits[1]:
    raise ImproperlyConfigured("DONATION_MIN_AMOUNT must be above zero and below DONATION_MAX_AMOUNT")
# The public address of the site, for share links and Open Graph tags when a
# page is rendered outside a request (emails); requests use their own host.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Development only: ``make run`` creates this staff account (see seed_demo).
DEMO_STAFF_EMAIL = "staff@example.org"

# --- Ledger -----------------------------------------------------------------

# The public log's checkpoints are signed with an Ed25519 key: a PRIVATE+KEY+…
# string (``manage.py ledger_signing_key`` prints one) or the base64 of a 32-byte
# seed. With DEBUG off and neither key set, system check donations.E001 stops
# the process; a server that only serves and verifies the log may hold the
# public verifier key alone. DEBUG without a key signs with a labelled,
# publicly known development key.
LEDGER_SIGNING_KEY = os.environ.get("LEDGER_SIGNING_KEY", "")
LEDGER_VERIFIER_KEY = os.environ.get("LEDGER_VERIFIER_KEY", "")
LEDGER_LOG_ORIGIN = os.environ.get("LEDGER_LOG_ORIGIN", "proceeds.territoriesarepeople.example/ledger")
# Sign a checkpoint as soon as a transaction that posted entries commits (one
# per webhook, disbursement or command run). Off: only `manage.py
# make_checkpoint` signs, e.g. from cron on the machine that holds the key.
LEDGER_AUTO_CHECKPOINT = env_bool("LEDGER_AUTO_CHECKPOINT", True)
# The books' currency; empty means the shop's currency.
LEDGER_CURRENCY = os.environ.get("LEDGER_CURRENCY", "").strip().upper()
# The campaign's IATI organisation identifier (reporting-org/@ref and the prefix of
# each activity identifier in /transparency/iati.xml). Register a real one (a
# registration agency prefix and number, see org-id.guide) before publishing to
# the IATI Registry; the default is a placeholder in the XI-EXAMPLE namespace.
IATI_ORGANISATION_REF = os.environ.get("IATI_ORGANISATION_REF", "XI-EXAMPLE-TERRITORIES-ARE-PEOPLE")

# --- Disbursements ----------------------------------------------------------

# Evidence files (receipts, invoices) can name people who received aid: they
# live in a private directory that no web server serves, never under
# MEDIA_ROOT (donations.storage refuses that), and are seen only through the
# finance workspace. With several web processes, mount it on shared storage.
EVIDENCE_ROOT = Path(os.environ.get("EVIDENCE_ROOT") or BASE_DIR / "var" / "evidence")
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
# Disbursements show outside the finance workspace (a supporter's impact link,
# public reports) only this many days after they were paid.
PUBLICATION_DELAY_DAYS = env_int("PUBLICATION_DELAY_DAYS", 30)
# PDF reports (donations/reports): rendered by `manage.py render_reports --forever`
# workers, or in DEBUG by a thread of the web process at once. Line lists render
# in chunks across up to REPORT_RENDER_PROCESSES processes (0: the cores, at most 4).
REPORTS_RENDER_IN_THREAD = env_bool("REPORTS_RENDER_IN_THREAD", DEBUG)
# Rendered reports wait for an approver in this private directory, never under
# MEDIA_ROOT (donations.reports.storage refuses that): a draft may yet be
# refused, and MEDIA_ROOT may be served (SERVE_MEDIA). Shared storage when
# the render workers and the web processes run on different machines.
REPORT_DRAFTS_ROOT = Path(os.environ.get("REPORT_DRAFTS_ROOT") or BASE_DIR / "var" / "report-drafts")
# Spreadsheet imports from the dashboard (donations.import_jobs): checked and
# recorded by `manage.py run_imports --forever` workers, or in DEBUG by a thread
# of the web process at once. Its own switch: a site may run one kind of worker
# and not the other.
IMPORTS_RUN_IN_THREAD = env_bool("IMPORTS_RUN_IN_THREAD", DEBUG)
REPORT_RENDER_PROCESSES = env_int("REPORT_RENDER_PROCESSES", 0)
# The largest file anyone may upload to the public verification page.
REPORT_VERIFY_MAX_BYTES = env_int("REPORT_VERIFY_MAX_BYTES", 20 * 1024 * 1024)
# Statistical disclosure control for anything public about aid to people: a
# cell (month × category × region) is published only with at least
# DISCLOSURE_MIN_CASES cases and when no single case dominates it (p% rule:
# the rest, less the second-largest case, must exceed this percentage of the
# largest); otherwise it is merged into a coarser cell, or held back.
DISCLOSURE_MIN_CASES = env_int("DISCLOSURE_MIN_CASES", 5)
DISCLOSURE_DOMINANCE_PERCENT = env_int("DISCLOSURE_DOMINANCE_PERCENT", 10)
if DISCLOSURE_MIN_CASES < 3 or not 0 <= DISCLOSURE_DOMINANCE_PERCENT <= 100:
    raise ImproperlyConfigured(
        "DISCLOSURE_MIN_CASES must be at least 3 and DISCLOSURE_DOMINANCE_PERCENT between 0 and 100"
    )
