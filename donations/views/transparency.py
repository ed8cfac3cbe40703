"""The public transparency pages: where the money goes, and what is withheld and why.

Both pages read only the public projection at the latest signed checkpoint
(``donations.transparency_selectors``), so they show nothing the signed log
does not already say. Nothing is cached per visitor, and the page layout
carries the visitor's basket and language form, so responses are not marked
publicly cacheable: the figures themselves come from a snapshot and cost a
few queries whatever the size of the ledger.

``/transparency/`` without a language is sent to ``/<language>/transparency/``
by ``LocaleMiddleware``, as ``/`` is.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from donations.transparency_selectors import transparency_page, withheld_rules


def _optional_url(name: str, fallback: str) -> str:
    """A page another part of the site provides; its path if it is not (yet) routed by name."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return f"/{get_language()}{fallback}"


def _related_links() -> dict[str, str]:
    return {
        "reports_url": _optional_url("transparency-reports", "/transparency/reports/"),
        "verify_url": _optional_url("transparency-verify", "/transparency/verify/"),
    }


@require_safe
def transparency(request: HttpRequest) -> HttpResponse:
    page = transparency_page(language=get_language(), today=timezone.localdate())
    log_url = request.build_absolute_uri(reverse("transparency-log:checkpoint").removesuffix("checkpoint"))
    return render(
        request, "donations/transparency/page.html", {"page": page, "log_url": log_url, **_related_links()}
    )


@require_safe
def withheld(request: HttpRequest) -> HttpResponse:
    rules = withheld_rules(today=timezone.localdate())
    return render(request, "donations/transparency/withheld.html", {"rules": rules, **_related_links()})
