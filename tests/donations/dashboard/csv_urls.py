"""The shop's URLs plus the CSV views under the namespace the finance dashboard gives them.

A stand-in for ``donations/dashboard/urls.py`` so these tests do not wait for
it: the disbursement list is a stub page. Listed first, so this namespace wins
over one the shop's URLs may mount later.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from donations.dashboard import csv_views
from shop.urls import urlpatterns as shop_urlpatterns


def disbursement_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("disbursement list")


finance_patterns = [
    path("disbursements/", disbursement_list, name="disbursement-list"),
    path("disbursements/import/", csv_views.DisbursementImportView.as_view(), name="disbursement-import"),
    path("disbursements/import/<int:pk>/", csv_views.disbursement_import_job, name="disbursement-import-job"),
    path("disbursements/template.csv", csv_views.disbursement_template_csv, name="disbursement-template"),
    path("disbursements/export.csv", csv_views.disbursement_export_csv, name="disbursement-export"),
]

urlpatterns = [
    path("dashboard/finance/", include((finance_patterns, "finance-dashboard"))),
    *shop_urlpatterns,
]
