"""Who may open which workspace page: one map from URL name to permission, as Oscar's dashboard apps keep.

Oscar's dashboard is for staff, so a workspace user needs ``is_staff`` *and*
the page's permission: staff status alone opens nothing here (shop staff are
not finance volunteers), and a permission without staff status opens nothing
either (it would be a customer account holding finance rights by mistake).
The groups in ``donations.dashboard.groups`` hold the permissions; staff
status is set on the user.

Services check the permission again (``donations.audit.require_permission``),
so a page added without an entry here still cannot approve or post.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url

from donations.audit import APPROVE, EDIT, POST, RECORD, VIEW_EVIDENCE

VIEW = "donations.view_disbursement"
VIEW_BOOKS = "donations.view_journalentry"
VIEW_ALLOCATION = "donations.view_allocation"
VIEW_AUDIT = "donations.view_auditlogentry"
VIEW_REPORTS = "donations.view_publishedreport"
REQUEST_REPORT = "donations.add_publishedreport"
PUBLISH_REPORT = "donations.publish_report"

# "Approve" and "post" (pay out of the books) are separate rights, as Open Collective keeps "approve" and "pay".
PERMISSIONS: dict[str, str] = {
    "disbursement-list": VIEW,
    "disbursement-detail": VIEW,
    "disbursement-create": RECORD,
    "disbursement-edit": EDIT,
    "disbursement-submit": RECORD,
    "disbursement-approve": APPROVE,
    "disbursement-reject": APPROVE,
    "disbursement-post": POST,
    "disbursement-reverse": POST,
    "disbursement-earmark": RECORD,
    "earmark-remove": RECORD,
    "evidence-upload": RECORD,
    "evidence-remove": RECORD,
    "evidence-view": VIEW_EVIDENCE,
    "ledger": VIEW_BOOKS,
    "ledger-account": VIEW_BOOKS,
    "ledger-entry": VIEW_BOOKS,
    "allocation": VIEW_ALLOCATION,
    "audit-log": VIEW_AUDIT,
    "report-list": VIEW_REPORTS,
    "report-detail": VIEW_REPORTS,
    "report-request": REQUEST_REPORT,
    "report-publish": PUBLISH_REPORT,
    "report-retry": REQUEST_REPORT,
    "report-preview": VIEW_REPORTS,
}


def may_open(user, url_name: str) -> bool:
    """Whether ``user`` may open the page; ``url_name`` with or without the ``finance-dashboard:`` namespace."""
    permission = PERMISSIONS[url_name.rpartition(":")[2]]
    return bool(user.is_active and user.is_staff and user.has_perm(permission))


def guarded(url_name: str, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a view: visitors go to the login page, signed-in users without the permission get 403."""
    PERMISSIONS[url_name]  # noqa: B018 -- a page missing from the map fails at import, not at request time.

    @wraps(view)
    def check(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), resolve_url("customer:login"))
        if not may_open(request.user, url_name):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return check
