"""The books as the workspace reads them: ledger, proceeds and their allocation, the audit log. Read-only."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from donations.dashboard import selectors
from donations.dashboard.forms import AuditFilterForm, OrderSearchForm


def ledger(request: HttpRequest) -> HttpResponse:
    overview = selectors.ledger_overview()
    return render(request, "donations/dashboard/ledger.html", {"title": _("Ledger"), "overview": overview})


def ledger_account(request: HttpRequest, code: str) -> HttpResponse:
    page = selectors.account_detail(code, page=request.GET.get("page"))
    if page is None:
        raise Http404
    return render(
        request,
        "donations/dashboard/ledger_account.html",
        {
            "title": _("Account %(code)s") % {"code": page.account.code},
            "page": page,
            "page_obj": page.postings,
            "paginator": page.postings.paginator,
        },
    )


def ledger_entry(request: HttpRequest, sequence: int) -> HttpResponse:
    page = selectors.entry_detail(sequence)
    if page is None:
        raise Http404
    return render(
        request,
        "donations/dashboard/ledger_entry.html",
        {
            "title": _("Journal entry #%(sequence)s") % {"sequence": sequence},
            "page": page,
        },
    )


def allocation(request: HttpRequest) -> HttpResponse:
    form = OrderSearchForm(request.GET)
    overview = selectors.allocation_overview(page=request.GET.get("page"), order_number=form.order_number())
    return render(
        request,
        "donations/dashboard/allocation.html",
        {
            "title": _("Proceeds and allocation"),
            "form": form,
            "overview": overview,
            "page_obj": overview.proceeds,
            "paginator": overview.proceeds.paginator,
        },
    )


def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    page = selectors.audit_page(page=request.GET.get("page"), **form.filters())
    return render(
        request,
        "donations/dashboard/audit_log.html",
        {
            "title": _("Audit log"),
            "form": form,
            "page_obj": page,
            "paginator": page.paginator,
            "entries": page.object_list,
        },
    )
