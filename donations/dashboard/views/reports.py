"""Report pages of the finance workspace: request a report, watch it render, preview it, publish it.

Rendering runs in ``manage.py render_reports`` (or, in DEBUG, a thread), so the
detail page only reads the row; while the report renders it refreshes itself
every few seconds with ``<meta http-equiv="refresh">``, no JavaScript needed.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from donations.dashboard.permissions import PUBLISH_REPORT
from donations.models import PublishedReport
from donations.reports import publishing, selectors

DETAIL = "finance-dashboard:report-detail"
REFRESH_SECONDS = 3


class ReportRequestForm(forms.Form):
    period = forms.CharField(
        label=gettext_lazy("Period"), max_length=7,
        help_text=gettext_lazy("A month (2026-10), a quarter (2026Q3) or a year (2026); it must be closed."),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=PublishedReport.Language.choices)
    supersedes = forms.ModelChoiceField(
        label=gettext_lazy("Corrects (supersedes) the published report"), required=False,
        queryset=PublishedReport.objects.none(),
    )
    correction_note = forms.CharField(
        label=gettext_lazy("What the correction corrects (public)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supersedes"].queryset = PublishedReport.objects.filter(
            status=PublishedReport.Status.PUBLISHED
        ).order_by("-period", "language")
        self.fields["supersedes"].label_from_instance = lambda report: (
            f"#{report.pk} {report.period} ({report.language}, {report.published_at:%Y-%m-%d})"
        )


def report_list(request: HttpRequest) -> HttpResponse:
    return render(request, "donations/dashboard/reports.html", {
        "title": _("Reports"),
        "reports": selectors.workspace_reports()[:200],
        "form": ReportRequestForm(),
        "may_request": request.user.has_perm("donations.add_publishedreport"),
    })


@require_POST
def report_request(request: HttpRequest) -> HttpResponse:
    form = ReportRequestForm(request.POST)
    if form.is_valid():
        try:
            report = publishing.request_report(
                period=form.cleaned_data["period"], language=form.cleaned_data["language"], by=request.user,
                supersedes=form.cleaned_data["supersedes"], correction_note=form.cleaned_data["correction_note"],
            )
        except publishing.ReportError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Report requested: it renders in the background."))
            return redirect(DETAIL, pk=report.pk)
    return render(request, "donations/dashboard/reports.html", {
        "title": _("Reports"), "reports": selectors.workspace_reports()[:200], "form": form, "may_request": True,
    }, status=400)


def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(selectors.workspace_reports(), pk=pk)
    busy = report.status in (PublishedReport.Status.QUEUED, PublishedReport.Status.RENDERING)
    return render(request, "donations/dashboard/report_detail.html", {
        "title": _("Report %(period)s (%(language)s)") % {"period": report.period, "language": report.language},
        "report": report,
        "refresh_seconds": REFRESH_SECONDS if busy else None,
        "may_publish": request.user.has_perm(PUBLISH_REPORT) and report.status == PublishedReport.Status.READY,
        "may_retry": request.user.has_perm("donations.add_publishedreport")
        and report.status == PublishedReport.Status.FAILED,
    })


# Outside ATOMIC_REQUESTS' transaction: publishing commits on its own (durable), so the
# public copy it writes and the row that cites it are never out of step.
@transaction.non_atomic_requests
@require_POST
def report_publish(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(PublishedReport, pk=pk)
    try:
        publishing.publish_report(report=report, by=request.user)
    except publishing.ReportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Published. The file and its SHA-256 never change from now on."))
    return redirect(DETAIL, pk=pk)


@require_POST
def report_retry(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(PublishedReport, pk=pk)
    try:
        publishing.retry_report(report=report, by=request.user)
    except publishing.ReportError as exc:
        messages.error(request, str(exc))
    return redirect(DETAIL, pk=pk)


def report_preview(request: HttpRequest, pk: int) -> FileResponse:
    """The rendered file before (and after) publication, for the volunteers who check it: the exact bytes."""
    report = get_object_or_404(
        PublishedReport, pk=pk, status__in=[PublishedReport.Status.READY, PublishedReport.Status.PUBLISHED]
    )
    try:
        handle = publishing.open_report_file(report)
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, filename=f"report-{report.period}-{report.language}-{report.pk}.pdf",
                            content_type="application/pdf")
    # A draft is private until published: no cache, shared or on disk, may keep it; no type guessing.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
