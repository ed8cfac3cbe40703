"""Where published reports live: ``MEDIA_ROOT/reports/``, public, and written once.

A published report is cited by its SHA-256, so its file must never change:
this storage refuses to save over an existing name (Django's default would
pick another name silently) and refuses to delete. It imports no models, so
``donations.models`` can name it without an import cycle.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
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
