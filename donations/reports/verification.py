"""Does this file match what was published? The engine of the public verification page.

A PDF is looked up by its SHA-256 among published reports: the stored files
never change, so equal hashes mean the very bytes that were published. A
pasted SHA-256 is looked up the same way. Anything else is handed to the open
data checker (``donations.open_data_verify.identify_export``), which knows the
CSV, JSON, beancount and IATI exports. Nothing submitted is stored.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from donations.models import PublishedReport

_SHA256 = re.compile(rb"^\s*([0-9a-fA-F]{64})\s*$")


@dataclass(frozen=True)
class Verdict:
    kind: str  # "report", "sha256", an export's kind, or "unknown"
    matches: bool
    sha256: str = ""
    report: PublishedReport | None = None
    superseded_by: PublishedReport | None = None
    tree_size: int | None = None
    root_hash: str = ""
    detail: str = ""


def _published(sha256: str) -> tuple[PublishedReport | None, PublishedReport | None]:
    report = (
        PublishedReport.objects.filter(sha256=sha256.lower(), status=PublishedReport.Status.PUBLISHED)
        .select_related("checkpoint").first()
    )
    if report is None:
        return None, None
    newer = report.superseded_by.filter(status=PublishedReport.Status.PUBLISHED).order_by("-published_at").first()
    return report, newer


def verify_submission(data: bytes) -> Verdict:
    if match := _SHA256.match(data[:200]):
        digest = match.group(1).decode().lower()
        report, newer = _published(digest)
        return Verdict(kind="sha256", matches=report is not None, sha256=digest, report=report, superseded_by=newer)
    if data.lstrip()[:5] == b"%PDF-":
        digest = hashlib.sha256(data).hexdigest()
        report, newer = _published(digest)
        return Verdict(kind="report", matches=report is not None, sha256=digest, report=report, superseded_by=newer)
    try:
        from donations.open_data_verify import identify_export
    except ImportError:  # the open data checker ships separately; without it only reports are recognised
        identify_export = None
    check = identify_export(data) if identify_export is not None else None
    if check is None:
        return Verdict(kind="unknown", matches=False, sha256=hashlib.sha256(data).hexdigest())
    return Verdict(
        kind=check.kind, matches=check.matches, sha256=hashlib.sha256(data).hexdigest(), tree_size=check.tree_size,
        root_hash=check.root_hash_b64, detail=check.detail,
    )
