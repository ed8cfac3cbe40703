"""Evidence: upload (several files at once), private viewing, removal from a draft.

Files are never served from a media URL: ``evidence_file`` streams one by its
id through ``open_evidence``, which checks the permission and audits the
viewing. Uploaded file names are private, so they appear only in the page
that answers the upload, never in a message that is stored or logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.http import require_GET, require_POST

from donations.dashboard.forms import EvidenceForm
from donations.evidence import JPEG, PDF, PNG, WEBP, attach_evidence, open_evidence, remove_evidence
from donations.models import Disbursement, DisbursementEvidence

DETAIL = "finance-dashboard:disbursement-detail"
# Types a browser may show in the tab (the contents were checked on upload); anything else is downloaded.
INLINE_TYPES = frozenset({PDF, JPEG, PNG, WEBP})


@dataclass(frozen=True)
class UploadResult:
    name: str
    errors: list[str]


class EvidenceUploadView(View):
    template_name = "donations/dashboard/evidence_upload.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render(request, get_object_or_404(Disbursement, pk=pk), EvidenceForm(), [])

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        disbursement = get_object_or_404(Disbursement, pk=pk)
        form = EvidenceForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, disbursement, form, [])
        # One file at a time, each in its own transaction: a refused file does not undo the good ones.
        results = []
        for upload in form.cleaned_data["files"]:
            try:
                attach_evidence(disbursement=disbursement, upload=upload, by=request.user)
            except ValidationError as exc:
                results.append(UploadResult(upload.name, exc.messages))
            else:
                results.append(UploadResult(upload.name, []))
        added = sum(1 for result in results if not result.errors)
        if added == len(results):
            messages.success(
                request,
                ngettext("%(count)d evidence file added.", "%(count)d evidence files added.", added) % {"count": added},
            )
            return redirect(DETAIL, pk=pk)
        return self.render(request, disbursement, EvidenceForm(), results)

    def render(
        self, request: HttpRequest, disbursement: Disbursement, form: EvidenceForm, results: list[UploadResult]
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "title": _("Add evidence to disbursement %(id)s") % {"id": disbursement.pk},
                "disbursement": disbursement,
                "form": form,
                "results": results,
                "refused": [result for result in results if result.errors],
                "added": [result for result in results if not result.errors],
            },
        )


@require_GET
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """Stream one evidence file to someone allowed to see it; ``?download=1`` asks for an attachment."""
    evidence = get_object_or_404(DisbursementEvidence, pk=pk)
    download = open_evidence(evidence=evidence, by=request.user)
    inline = download.content_type in INLINE_TYPES and request.GET.get("download") != "1"
    response = FileResponse(
        download.file, as_attachment=not inline, filename=download.filename, content_type=download.content_type
    )
    # The browser must not guess another type, and no cache (shared or on disk) may keep a receipt.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def evidence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_object_or_404(DisbursementEvidence, pk=pk)
    try:
        remove_evidence(evidence=evidence, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Evidence file %(id)s is removed.") % {"id": pk})
    return redirect(DETAIL, pk=evidence.disbursement_id)
