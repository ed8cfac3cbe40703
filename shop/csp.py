"""The Content-Security-Policy every response carries.

The fixed part of the policy is ``CONTENT_SECURITY_POLICY`` (or its report-only
twin) in settings. Two sources depend on other settings that tests and the
offline Stripe stand-in change while the process runs, so this middleware adds
them to each response from the settings of the moment:

* ``form-action`` must name the hosted Checkout page. "Pay by card" posts to
  our own preview page, which answers with a redirect to Stripe; Chromium
  checks form-action against every redirect of a form submission, so without
  that origin the payment would be blocked.
* ``img-src`` must name wherever product images are served from when that is
  not this site: an S3 bucket or its custom domain, or an absolute MEDIA_URL.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponseBase

from shop.payments.stripe_gateway import checkout_page_origin


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the call-time sources added to the configured policy."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request=request, response=response, report_only=report_only)
        update = dict(parts.update or {})
        for directive, sources in call_time_sources().items():
            update[directive] = [*_as_list(update.get(directive)), *sources]
        parts.update = update
        return parts


def call_time_sources() -> dict[str, list[str]]:
    """Sources added to the configured policy, from the settings in force now."""
    sources: dict[str, list[str]] = {}
    if settings.STRIPE_SECRET_KEY:
        # Only a shop that can take card payments sends anyone to Checkout.
        sources["form-action"] = [checkout_page_origin()]
    media = media_origin()
    if media:
        sources["img-src"] = [media]
    return sources


def media_origin() -> str | None:
    """The origin product images are served from, when it is not this site's own."""
    return _media_origin(repr((settings.MEDIA_URL, settings.STORAGES.get("default"))))


@functools.lru_cache(maxsize=8)
def _media_origin(configuration: str) -> str | None:
    # Keyed by the storage configuration (read again on every call) so that a
    # changed setting is seen; the URL itself is built once, since S3's is made
    # by boto3 (locally, unsigned, without a network call, but not for free).
    return origin(default_storage.url("csp-probe"))


def origin(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute URL; None for a path on this site."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _as_list(value: object) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return list(value)
    return [value]
