"""Disbursement pages: the filtered list, the detail page, the record and edit forms, and one view per step.

Step views accept POST only and redirect to the detail page with a message:
the services say why a step is refused (the recorder approving their own
disbursement, a draft already submitted, too few unallocated proceeds), and
their messages name ids, states and amounts, never a private field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST

from donations import allocation
from donations.dashboard import selectors
from donations.dashboard.forms import (
    DisbursementForm,
    DisbursementListFilterForm,
    EarmarkForm,
    EvidenceForm,
    RejectForm,
    ReverseForm,
)
from donations.disbursements import (
    EDITABLE,
    approve_disbursement,
    post_disbursement,
    record_disbursement,
    reject_disbursement,
    reverse_disbursement,
    submit_disbursement,
    update_disbursement,
)
from donations.models import Disbursement, Earmark

DETAIL = "finance-dashboard:disbursement-detail"


def disbursement_list(request: HttpRequest) -> HttpResponse:
    form = DisbursementListFilterForm(request.GET)
    page = selectors.disbursement_page(
        request.GET, awaiting_approval_by=form.awaiting_approval_by(request.user), page=request.GET.get("page")
    )
    return render(
        request,
        "donations/dashboard/disbursement_list.html",
        {
            "title": _("Disbursements"),
            "form": form,
            "page_obj": page,
            "paginator": page.paginator,
            "rows": page.object_list,
        },
    )


def disbursement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.disbursement_detail(pk)
    if page is None:
        raise Http404
    disbursement = page.disbursement
    return render(
        request,
        "donations/dashboard/disbursement_detail.html",
        {
            "title": _("Disbursement %(id)s") % {"id": disbursement.pk},
            "page": page,
            "disbursement": disbursement,
            "actions": selectors.disbursement_actions(disbursement, request.user, editors=page.editor_ids),
            "reject_form": RejectForm(),
            "reverse_form": ReverseForm(),
            "earmark_form": EarmarkForm(currency=disbursement.ledger_currency),
            "evidence_form": EvidenceForm(),
        },
    )


def _render_form(request: HttpRequest, form: DisbursementForm, *, title: str, disbursement=None) -> HttpResponse:
    return render(
        request,
        "donations/dashboard/disbursement_form.html",
        {
            "title": title,
            "form": form,
            "disbursement": disbursement,
            "known_currencies": DisbursementForm.known_currencies(),
        },
    )


class DisbursementCreateView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = DisbursementForm(initial={"concerns_case": True, "currency": allocation.ledger_currency()})
        return _render_form(request, form, title=_("Record a disbursement"))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = DisbursementForm(request.POST)
        if form.is_valid():
            try:
                disbursement = record_disbursement(recorded_by=request.user, **form.service_values())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request,
                    _("Disbursement %(id)s is recorded as a draft. Attach its evidence, then submit it for approval.")
                    % {"id": disbursement.pk},
                )
                return redirect(DETAIL, pk=disbursement.pk)
        return _render_form(request, form, title=_("Record a disbursement"))


class DisbursementEditView(View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        disbursement = self.get_draft(request, pk)
        if disbursement is None:
            return redirect(DETAIL, pk=pk)
        form = DisbursementForm(initial=DisbursementForm.initial_for(disbursement))
        return _render_form(request, form, title=self.title(disbursement), disbursement=disbursement)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        disbursement = get_object_or_404(Disbursement, pk=pk)
        form = DisbursementForm(request.POST)
        if form.is_valid():
            was = disbursement.status
            try:
                saved = update_disbursement(disbursement=disbursement, by=request.user, **form.service_values())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                if saved.status != was:
                    messages.warning(
                        request,
                        _("Disbursement %(id)s is saved and back in draft: a change after submission needs a new "
                          "submission, and someone who did not change it must approve it.") % {"id": pk},
                    )
                else:
                    messages.success(request, _("Disbursement %(id)s is saved.") % {"id": pk})
                return redirect(DETAIL, pk=pk)
        return _render_form(request, form, title=self.title(disbursement), disbursement=disbursement)

    @staticmethod
    def get_draft(request: HttpRequest, pk: int) -> Disbursement | None:
        disbursement = get_object_or_404(Disbursement.objects.select_related("category", "public_description"), pk=pk)
        if disbursement.status not in EDITABLE:
            messages.error(
                request,
                _("A disbursement that is posted or rejected cannot be edited; this one is %(status)s.")
                % {"status": disbursement.get_status_display().lower()},
            )
            return None
        return disbursement

    @staticmethod
    def title(disbursement: Disbursement) -> str:
        return _("Edit disbursement %(id)s") % {"id": disbursement.pk}


def _step(request: HttpRequest, pk: int, step: Callable[..., Any], done: Callable[[Any], str]) -> HttpResponse:
    disbursement = get_object_or_404(Disbursement, pk=pk)
    try:
        result = step(disbursement=disbursement, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done(result))
    return redirect(DETAIL, pk=pk)


@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        submit_disbursement,
        lambda _result: _("Disbursement %(id)s is submitted for approval.") % {"id": pk},
    )


@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, approve_disbursement, lambda _result: _("Disbursement %(id)s is approved.") % {"id": pk})


@require_POST
def post(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        post_disbursement,
        lambda entry: (
            _("Disbursement %(id)s is posted to the ledger as entry #%(sequence)s.")
            % {"id": pk, "sequence": entry.sequence}
        ),
    )


class RejectView(View):
    template_name = "donations/dashboard/disbursement_reject.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render(request, get_object_or_404(Disbursement, pk=pk), RejectForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        disbursement = get_object_or_404(Disbursement, pk=pk)
        form = RejectForm(request.POST)
        if form.is_valid():
            try:
                reject_disbursement(disbursement=disbursement, by=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("Disbursement %(id)s is rejected.") % {"id": pk})
                return redirect(DETAIL, pk=pk)
        return self.render(request, disbursement, form)

    def render(self, request: HttpRequest, disbursement: Disbursement, form: RejectForm) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "title": _("Reject disbursement %(id)s") % {"id": disbursement.pk},
                "disbursement": disbursement,
                "form": form,
            },
        )


@require_POST
def reverse(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a posted disbursement with a reversing entry; the reason stays private."""
    disbursement = get_object_or_404(Disbursement, pk=pk)
    form = ReverseForm(request.POST)
    form.is_valid()
    try:
        entry = reverse_disbursement(
            disbursement=disbursement, by=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Disbursement %(id)s is reversed by entry #%(sequence)s; its funding is unallocated again.")
            % {"id": pk, "sequence": entry.sequence},
        )
    return redirect(DETAIL, pk=pk)


class EarmarkView(View):
    template_name = "donations/dashboard/disbursement_earmark.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        disbursement = get_object_or_404(Disbursement, pk=pk)
        return self.render(request, disbursement, EarmarkForm(currency=disbursement.ledger_currency))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        disbursement = get_object_or_404(Disbursement, pk=pk)
        form = EarmarkForm(request.POST, currency=disbursement.ledger_currency)
        if form.is_valid():
            try:
                allocation.earmark_disbursement(
                    disbursement=disbursement,
                    proceeds_entry=form.cleaned_data["proceeds"],
                    amount=form.cleaned_data["amount"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request,
                    _("Earmarked %(amount)s from proceeds entry #%(sequence)s.")
                    % {
                        "amount": form.cleaned_data["amount"],
                        "sequence": form.cleaned_data["proceeds"].sequence,
                    },
                )
                return redirect(DETAIL, pk=pk)
        return self.render(request, disbursement, form)

    def render(self, request: HttpRequest, disbursement: Disbursement, form: EarmarkForm) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "title": _("Earmark proceeds for disbursement %(id)s") % {"id": disbursement.pk},
                "disbursement": disbursement,
                "form": form,
            },
        )


@require_POST
def remove_earmark(request: HttpRequest, pk: int) -> HttpResponse:
    earmark = get_object_or_404(Earmark.objects.select_related("proceeds_entry", "disbursement"), pk=pk)
    try:
        allocation.remove_earmark(earmark=earmark, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The earmark on proceeds entry #%(sequence)s is removed.")
            % {"sequence": earmark.proceeds_entry.sequence},
        )
    return redirect(DETAIL, pk=earmark.disbursement_id)
