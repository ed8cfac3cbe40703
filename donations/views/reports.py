"""Public report pages: the list of published reports, their downloads, and the verification page.

``verify`` is CSRF-exempt only on the outside: CsrfViewMiddleware would read
``request.POST`` before the view, which fixes the upload handlers. The view
first installs an in-memory handler with a size limit (an upload is never
written to disk, and never stored), then runs the CSRF check itself
(``csrf_protect`` on the inner view), as Django's documentation prescribes for
changing upload handlers.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from donations.models import PublishedReport
from donations.reports import selectors
from donations.reports.verification import verify_submission

DEFAULT_VERIFY_MAX_BYTES = 20 * 1024 * 1024


def verify_max_bytes() -> int:
    return int(getattr(settings, "REPORT_VERIFY_MAX_BYTES", DEFAULT_VERIFY_MAX_BYTES))


def report_list(request: HttpRequest) -> HttpResponse:
    return render(request, "donations/reports/public_list.html", {"reports": selectors.published_reports()})


def report_download(request: HttpRequest, pk: int) -> FileResponse:
    """The stored file itself, byte for byte; only once published."""
    report = get_object_or_404(PublishedReport, pk=pk, status=PublishedReport.Status.PUBLISHED)
    try:
        handle = report.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=f"report-{report.period}-{report.language}-{report.pk}.pdf",
        content_type="application/pdf",
    )
    response["ETag"] = f'"{report.sha256}"'
    response["Cache-Control"] = "public, max-age=31536000, immutable"  # a published file never changes
    return response


class _LimitedMemoryUpload(FileUploadHandler):
    """Keep an upload in memory, never on disk; drop it (and say so) past the size limit."""

    def __init__(self, request=None, limit: int = DEFAULT_VERIFY_MAX_BYTES) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_big = False

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if start + len(raw_data) > self.limit:
            self.too_big = True
            raise SkipFile
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            self.buffer, self.field_name, self.file_name, self.content_type, file_size, self.charset,
        )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    handler = _LimitedMemoryUpload(request, limit=verify_max_bytes())
    request.upload_handlers = [handler]
    return _verify(request, handler)


@csrf_protect
def _verify(request: HttpRequest, handler: _LimitedMemoryUpload) -> HttpResponse:
    context: dict = {"max_mb": verify_max_bytes() // (1024 * 1024)}
    if request.method == "POST":
        upload = request.FILES.get("file")
        text = request.POST.get("text", "")
        if handler.too_big:
            context["error"] = _("The file is larger than %(mb)s MB: it cannot be a report or export of ours.") % {
                "mb": context["max_mb"]}
        elif upload is not None:
            context["verdict"] = verify_submission(upload.read())
        elif text.strip():
            data = text.encode()
            if len(data) > verify_max_bytes():
                context["error"] = _("The text is too long to check here.")
            else:
                context["verdict"] = verify_submission(data)
        else:
            context["error"] = _("Paste a SHA-256 or an export, or choose a file.")
    status = 413 if context.get("error") and handler.too_big else 200
    return render(request, "donations/reports/verify.html", context, status=status)
