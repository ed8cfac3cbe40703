"""What the report pages read: a fixed number of queries whatever the number of reports."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from donations.models import PublishedReport


def published_reports() -> QuerySet[PublishedReport]:
    """Published reports, newest period first, each with what it supersedes and what superseded it (2 queries)."""
    published = PublishedReport.Status.PUBLISHED
    return (
        PublishedReport.objects.filter(status=published)
        .select_related("supersedes")
        .prefetch_related(Prefetch(
            "superseded_by", queryset=PublishedReport.objects.filter(status=published).only(
                "id", "supersedes_id", "period", "language", "published_at"
            ), to_attr="corrections",
        ))
        .order_by("-period", "language", "-published_at")
    )


def workspace_reports() -> QuerySet[PublishedReport]:
    """Every report for the finance workspace, newest request first, with who asked and who published."""
    return PublishedReport.objects.select_related("requested_by", "published_by", "supersedes").order_by("-id")
