"""The finance workspace's CSV pages: import disbursements from a spreadsheet, download the template, export.

Each view checks its permission itself (anonymous visitors go to the login
page, signed-in users without the permission get 403), so it is safe however
``urls.py`` mounts it. As on the workspace's other pages
(``donations.dashboard.permissions``), the user must be staff as well: a
customer account holding finance rights by mistake opens nothing.
``record_disbursements`` checks the permission again.

An import runs in the background (``donations.import_jobs``): the upload
page stores the file and answers at once with a redirect to the import's
page, which refreshes itself while the import runs and then shows what was
recorded, or every problem found.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from donations.audit import RECORD
from donations.dashboard.filters import awaiting_approval, filter_disbursements
from donations.dashboard.forms import DisbursementListFilterForm
from donations.disbursement_csv import (
    REPEAT,
    DisbursementImportError,
    RowError,
    export_disbursements_csv,
    import_help,
    template_csv,
)
from donations.import_jobs import imports_visible_to, start_import
from donations.models import Disbursement, DisbursementImport

VIEW = "donations.view_disbursement"
# Errors shown on the page at most; the rest are counted. The command prints them all.
SHOWN_ERRORS = 1000
# An import takes seconds: its page looks again this often while it runs.
REFRESH_SECONDS = 1
RECENT_IMPORTS = 5


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
    dry_run = forms.BooleanField(
        label=gettext_lazy("Only check the file: record nothing"),
        required=False,
    )


def _error_context(errors: list[RowError], count: int | None = None) -> dict[str, Any]:
    count = len(errors) if count is None else count
    return {
        "errors": errors[:SHOWN_ERRORS],
        "error_count": count,
        "more_errors": max(count - min(len(errors), SHOWN_ERRORS), 0),
    }


@method_decorator(permission_any(RECORD), name="dispatch")
class DisbursementImportView(View):
    """Upload a filled-in template; it is checked and recorded in the background, every row or none."""

    template_name = "donations/dashboard/disbursement_import.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render(request, DisbursementImportForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = DisbursementImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, form)
        options = {name: form.cleaned_data[name] for name in ("submit", "allow_duplicates", "dry_run")}
        try:
            job = start_import(upload=form.cleaned_data["file"], by=request.user, **options)
        except DisbursementImportError as exc:
            return self.render(request, DisbursementImportForm(initial=options), errors=exc.errors)
        return redirect("finance-dashboard:disbursement-import-job", pk=job.pk)

    def render(self, request: HttpRequest, form: DisbursementImportForm, errors: list | None = None) -> HttpResponse:
        errors = errors or []
        context = {
            "title": _("Import disbursements"),
            "form": form,
            "guide": import_help(),
            "recent": list(imports_visible_to(request.user)[:RECENT_IMPORTS]),
            **_error_context(errors),
        }
        return render(request, self.template_name, context, status=400 if errors else 200)


def _progress_text(job: DisbursementImport) -> str:
    if job.status == DisbursementImport.Status.QUEUED:
        return _("Waiting to start…")
    if not job.rows_total:
        return _("Reading the file…")
    if job.rows_done < job.rows_total:
        return _("Checked %(done)s of %(total)s rows…") % {"done": job.rows_done, "total": job.rows_total}
    if job.dry_run:
        return _("Every row checked; finishing…")
    return ngettext(
        "Every row checked; recording %(count)s disbursement…",
        "Every row checked; recording %(count)s disbursements…",
        job.rows_total,
    ) % {"count": job.rows_total}


# Not in the request's transaction: the page only reads, and on SQLite a transaction would queue for the write
# lock behind the very import it reports on.
@transaction.non_atomic_requests
@permission_any(RECORD)
def disbursement_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """An import's progress while it runs (the page refreshes itself), then what it recorded or refused."""
    job = get_object_or_404(imports_visible_to(request.user), pk=pk)
    busy = job.status in (DisbursementImport.Status.QUEUED, DisbursementImport.Status.RUNNING)
    failed = job.status == DisbursementImport.Status.FAILED
    errors = [RowError(*error) for error in job.errors] if failed else []
    context = {
        "title": _("Import %(id)s") % {"id": job.pk},
        "job": job,
        "busy": busy,
        "refresh_seconds": REFRESH_SECONDS if busy else None,
        "progress_text": _progress_text(job) if busy else "",
        # Upload again from here, the choices kept: after fixing the file, or to confirm likely repeats.
        "form": DisbursementImportForm(initial={"submit": job.submit, "allow_duplicates": job.allow_duplicates})
        if failed else None,
        "repeats": any(error.kind == REPEAT for error in errors),
        **_error_context(errors, job.error_count),
    }
    return render(request, "donations/dashboard/disbursement_import_job.html", context)


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
