"""The finance workspace's addresses, under ``/<lang>/dashboard/finance/``.

Every page goes through ``guarded``, which asks ``permissions.PERMISSIONS``
for its permission by URL name. The CSV pages (``csv_views``) check their own
permissions.
"""

from django.urls import path

from donations.dashboard import csv_views
from donations.dashboard.permissions import guarded
from donations.dashboard.views import books, disbursements, evidence
from donations.dashboard.views import reports as report_views

app_name = "finance-dashboard"


def page(route: str, view, name: str):
    return path(route, guarded(name, view), name=name)


urlpatterns = [
    page("disbursements/", disbursements.disbursement_list, "disbursement-list"),
    page("disbursements/new/", disbursements.DisbursementCreateView.as_view(), "disbursement-create"),
    path("disbursements/import/", csv_views.DisbursementImportView.as_view(), name="disbursement-import"),
    path("disbursements/import/<int:pk>/", csv_views.disbursement_import_job, name="disbursement-import-job"),
    path("disbursements/import/template.csv", csv_views.disbursement_template_csv, name="disbursement-template"),
    path("disbursements/export.csv", csv_views.disbursement_export_csv, name="disbursement-export"),
    page("disbursements/<int:pk>/", disbursements.disbursement_detail, "disbursement-detail"),
    page("disbursements/<int:pk>/edit/", disbursements.DisbursementEditView.as_view(), "disbursement-edit"),
    page("disbursements/<int:pk>/submit/", disbursements.submit, "disbursement-submit"),
    page("disbursements/<int:pk>/approve/", disbursements.approve, "disbursement-approve"),
    page("disbursements/<int:pk>/reject/", disbursements.RejectView.as_view(), "disbursement-reject"),
    page("disbursements/<int:pk>/post/", disbursements.post, "disbursement-post"),
    page("disbursements/<int:pk>/reverse/", disbursements.reverse, "disbursement-reverse"),
    page("disbursements/<int:pk>/earmark/", disbursements.EarmarkView.as_view(), "disbursement-earmark"),
    page("disbursements/<int:pk>/evidence/", evidence.EvidenceUploadView.as_view(), "evidence-upload"),
    page("earmarks/<int:pk>/remove/", disbursements.remove_earmark, "earmark-remove"),
    page("evidence/<int:pk>/", evidence.evidence_file, "evidence-view"),
    page("evidence/<int:pk>/remove/", evidence.evidence_remove, "evidence-remove"),
    page("ledger/", books.ledger, "ledger"),
    page("ledger/accounts/<str:code>/", books.ledger_account, "ledger-account"),
    page("ledger/entries/<int:sequence>/", books.ledger_entry, "ledger-entry"),
    page("allocation/", books.allocation, "allocation"),
    page("audit/", books.audit_log, "audit-log"),
    page("reports/", report_views.report_list, "report-list"),
    page("reports/request/", report_views.report_request, "report-request"),
    page("reports/<int:pk>/", report_views.report_detail, "report-detail"),
    page("reports/<int:pk>/publish/", report_views.report_publish, "report-publish"),
    page("reports/<int:pk>/retry/", report_views.report_retry, "report-retry"),
    page("reports/<int:pk>/preview.pdf", report_views.report_preview, "report-preview"),
]
