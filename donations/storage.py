"""Private storage for disbursement evidence (receipts, invoices): never under MEDIA_ROOT, never a URL.

A receipt can name the person who received aid, so it is stored apart from
the public media: in ``settings.EVIDENCE_ROOT`` (default ``BASE_DIR/var/evidence``),
a directory no web server serves, with owner-only permissions. Volunteers see
a file only through a permission-checked view that streams it
(``donations.evidence.open_evidence``). This module imports no models, so
``donations.models`` can name the storage without an import cycle.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


def evidence_root() -> Path:
    """The evidence directory, read at call time so tests and deployments can move it."""
    configured = getattr(settings, "EVIDENCE_ROOT", None)
    root = Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "evidence"
    root = root.resolve()
    for public_name in ("MEDIA_ROOT", "STATIC_ROOT"):
        public = getattr(settings, public_name, None)
        if public and root.is_relative_to(Path(public).resolve()):
            raise ImproperlyConfigured(
                f"EVIDENCE_ROOT ({root}) is inside {public_name}: evidence files would be public. "
                "Point EVIDENCE_ROOT at a directory that no web server serves."
            )
    return root


@deconstructible(path="donations.storage.EvidenceStorage")
class EvidenceStorage(FileSystemStorage):
    """A FileSystemStorage whose location is ``evidence_root()`` at each use and which has no URLs."""

    def __init__(self) -> None:
        super().__init__(base_url=None, file_permissions_mode=0o600, directory_permissions_mode=0o700)

    # FileSystemStorage caches these from MEDIA_ROOT; evidence reads its own setting every time.
    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(evidence_root())

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Evidence files have no URL: serve them through the finance workspace's private view")
