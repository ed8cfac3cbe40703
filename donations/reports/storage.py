"""Where reports live: drafts in private storage, published reports in ``MEDIA_ROOT/reports/``, written once.

A rendered report is a draft until an approver publishes it. It may still be
refused (a private value recorded since, a superseded period), so it is kept
where no web server looks, like disbursement evidence: ``REPORT_DRAFTS_ROOT``
(default ``BASE_DIR/var/report-drafts``), never under ``MEDIA_ROOT``, read
only through the finance workspace. Publishing copies the exact bytes to the
public storage.

A published report is cited by its SHA-256, so its file must never change:
the public storage refuses to save over an existing name (Django's default
would pick another name silently) and refuses to delete. Both are Django
``Storage`` classes and everything goes through their API (open, save,
exists, delete), never a path, so either can move to object storage.
This module imports no models, so ``donations.models`` can name the storages
without an import cycle.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


class ReportFileExistsError(FileExistsError):
    """A report file of that name is already stored: published files are never replaced."""


def reports_root() -> Path:
    return (Path(settings.MEDIA_ROOT) / "reports").resolve()


@deconstructible(path="donations.reports.storage.PublicReportStorage")
class PublicReportStorage(FileSystemStorage):
    """A FileSystemStorage under ``MEDIA_ROOT/reports`` (read at each use) that never overwrites or deletes."""

    def __init__(self) -> None:
        super().__init__(file_permissions_mode=0o644, directory_permissions_mode=0o755)

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(reports_root())

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> str:  # type: ignore[override]
        return settings.MEDIA_URL.rstrip("/") + "/reports/"

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        if self.exists(name):
            raise ReportFileExistsError(f"The report file {name!r} exists already; published files are never replaced")
        return name

    def _save(self, name, content):
        # FileSystemStorage opens with O_EXCL, so a race between two writers fails here rather than overwriting.
        if self.exists(name):
            raise ReportFileExistsError(f"The report file {name!r} exists already; published files are never replaced")
        return super()._save(name, content)

    def delete(self, name: str) -> None:
        raise PermissionError("Report files are never deleted: a correction is a new report that supersedes one")

    def discard_unpublished(self, name: str) -> None:
        """Remove a copy whose publication failed before it committed: it was never published.

        The only removal there is, for ``donations.reports.publishing`` (and
        migration 0011), which call it only for a name no published row holds.
        """
        super().delete(name)


def report_drafts_root() -> Path:
    """The private directory of unpublished reports, read at call time so tests and deployments can move it."""
    configured = getattr(settings, "REPORT_DRAFTS_ROOT", None)
    root = Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "report-drafts"
    root = root.resolve()
    for public_name in ("MEDIA_ROOT", "STATIC_ROOT"):
        public = getattr(settings, public_name, None)
        if public and root.is_relative_to(Path(public).resolve()):
            raise ImproperlyConfigured(
                f"REPORT_DRAFTS_ROOT ({root}) is inside {public_name}: unpublished reports would be public. "
                "Point REPORT_DRAFTS_ROOT at a directory that no web server serves."
            )
    return root


@deconstructible(path="donations.reports.storage.ReportDraftStorage")
class ReportDraftStorage(FileSystemStorage):
    """Unpublished reports: a FileSystemStorage at ``report_drafts_root()`` (read at each use) with no URLs."""

    def __init__(self) -> None:
        super().__init__(base_url=None, file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(report_drafts_root())

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("An unpublished report has no URL: the finance workspace's preview streams it")
