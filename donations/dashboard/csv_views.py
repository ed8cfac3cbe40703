"""The finance workspace's CSV pages: import disbursements from a spreadsheet, download the template, export.

Each view checks its permission itself (anonymous visitors go to the login
page, signed-in users without the permission get 403), so it is safe however
``urls.py`` mounts it. As on the workspace's other pages
(``donations.dashboard.permissions``), the user must be staff as well: a
customer account holding finance rights by mistake opens nothing.
``record_disbursement`` checks the permission again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from donations.audit import RECORD
from donations.dashboard.filters import awaiting_approval, filter_disbursements
from donations.dashboard.forms import DisbursementListFilterForm
from donations.disbursement_csv import (
    DisbursementImportError,
    export_disbursements_csv,
    import_disbursements,
    import_help,
    template_csv,
)
from donations.models import Disbursement

VIEW = "donations.view_disbursement"
# Errors shown on the page at most; the rest are counted. The command prints them all.
SHOWN_ERRORS = 1000


def permission_any(*permissions: str) -> Callable:
    """Let through a staff user holding any of ``permissions``: log in first if anonymous, else 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), resolve_url("customer:login"))
            user = request.user
            if not (user.is_staff and any(user.has_perm(permission) for permission in permissions)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return checked

    return decorator


class DisbursementImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))
    submit = forms.BooleanField(
        label=gettext_lazy("Submit them for approval straight away (otherwise they stay drafts you can still edit)"),
        required=False,
    )
    allow_duplicates = forms.BooleanField(
        label=gettext_lazy(
            "Rows that look like payments already recorded are really new payments: import them anyway"
        ),
        required=False,
    )


@method_decorator(permission_any(RECORD), name="dispatch")
class DisbursementImportView(View):
    """Upload a filled-in template; every row is recorded, or none and the page lists each problem."""

    template_name = "donations/dashboard/disbursement_import.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(request, DisbursementImportForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = DisbursementImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, form)
        try:
            result = import_disbursements(
                form.cleaned_data["file"], recorded_by=request.user, submit=form.cleaned_data["submit"],
                allow_duplicates=form.cleaned_data["allow_duplicates"],
            )
        except DisbursementImportError as exc:
            return self.render(
                request, DisbursementImportForm(initial={"submit": form.cleaned_data["submit"]}), errors=exc.errors
            )
        count = len(result.disbursements)
        if result.submitted:
            message = ngettext(
                "Recorded %(count)d disbursement and submitted it for approval.",
                "Recorded %(count)d disbursements and submitted them for approval.",
                count,
            )
        else:
            message = ngettext(
                "Recorded %(count)d disbursement as a draft.", "Recorded %(count)d disbursements as drafts.", count
            )
        messages.success(request, message % {"count": count})
        return redirect("finance-dashboard:disbursement-list")

    def render(self, request: HttpRequest, form: DisbursementImportForm, errors: list | None = None) -> HttpResponse:
        errors = errors or []
        context = {
            "title": _("Import disbursements"),
            "form": form,
            "guide": import_help(),
            "errors": errors[:SHOWN_ERRORS],
            "error_count": len(errors),
            "more_errors": max(len(errors) - SHOWN_ERRORS, 0),
        }
        return render(request, self.template_name, context, status=400 if errors else 200)


@permission_any(VIEW, RECORD)
def disbursement_template_csv(request: HttpRequest) -> HttpResponse:
    """The empty template (heading row only) as a download."""
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="disbursements-template.csv"'
    return response


@permission_any(VIEW, RECORD)
def disbursement_export_csv(request: HttpRequest) -> HttpResponse:
    """The disbursements the list shows for the same query string, streamed as CSV (private: staff only)."""
    filters = DisbursementListFilterForm(request.GET)
    if not filters.is_valid():
        # An export that silently dropped a bad filter would hold more rows than the volunteer asked for.
        return HttpResponseBadRequest(
            _("Check the filters: %(fields)s.") % {"fields": ", ".join(sorted(filters.errors))},
            content_type="text/plain; charset=utf-8",
        )
    selected = filter_disbursements(Disbursement.objects.all(), request.GET)
    awaiting = filters.awaiting_approval_by(request.user)
    if awaiting is not None:  # "needs my approval", as the list applies it
        selected = awaiting_approval(selected, awaiting)
    rows = export_disbursements_csv(selected)
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    filename = f"disbursements-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # Private data: no copy in a shared cache or the browser's.
    return response
