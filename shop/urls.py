"""URLs: the storefront under a language prefix (/uk/, /en/), machine endpoints without."""

from django.apps import apps
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from django.views.i18n import set_language
from django.views.static import serve

from donations.views import impact
from donations.views import reports as report_views
from donations.views import transparency as transparency_views
from shop.payments.views import stripe_webhook

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    # Stripe posts here; a stable address outside the language prefix.
    path("checkout/stripe/webhook/", stripe_webhook, name="stripe-webhook"),
    # The public ledger's stable addresses for outside verifiers; never under /uk/ or /en/.
    path("transparency/log/", include("donations.urls")),
    # Open data downloads (ledger.csv, ledger.json, ledger.beancount, iati.xml), each at a signed checkpoint.
    path("transparency/", include("donations.open_data_urls")),
]

urlpatterns += i18n_patterns(
    path("", include("shop.campaign.urls")),
    path("dashboard/campaign/", include("shop.campaign.dashboard")),
    path("dashboard/payments/", include("shop.payments.dashboard")),
    path("dashboard/finance/", include("donations.dashboard.urls")),
    path("", include("shop.payments.urls")),
    path("impact/<str:token>/", impact.impact_page, name="impact"),
    path("transparency/", transparency_views.transparency, name="transparency"),
    path("transparency/withheld/", transparency_views.withheld, name="transparency-withheld"),
    path("transparency/reports/", report_views.report_list, name="transparency-reports"),
    path("transparency/reports/<int:pk>/download/", report_views.report_download, name="transparency-report-download"),
    path("transparency/verify/", report_views.verify, name="transparency-verify"),
    path("", include(apps.get_app_config("oscar").urls[0])),
    prefix_default_language=True,
)

if settings.SERVE_MEDIA:
    urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
