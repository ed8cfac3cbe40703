"""The finance workspace's audit log (who did what to a disbursement, and when) and who may act.

Only names travel here: field names, ids, states and sequence numbers. The
values of private fields (notes, case reference, payee, rejection reason,
evidence file names) never do, because the log is read more widely than a
disbursement's payee may be known. Rows are append-only (on PostgreSQL a
trigger refuses UPDATE and DELETE, migration 0004).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from donations.models import AuditLogEntry, Disbursement

SUMMARY_MAX = 300

# What each step of a disbursement needs. The workspace's two groups hold these:
# Finance volunteers the first two, Finance approvers the last three as well.
RECORD = "donations.add_disbursement"
EDIT = "donations.change_disbursement"
APPROVE = "donations.approve_disbursement"
POST = "donations.post_disbursement"
VIEW_EVIDENCE = "donations.view_disbursement_evidence"


def require_permission(user, permission: str) -> None:
    """Refuse a step to anyone without the permission, whatever view or command called the service.

    Views check too; this is the second lock, so a new page or a script cannot
    forget the rule.
    """
    if user is None or not getattr(user, "is_active", False) or not user.has_perm(permission):
        raise PermissionDenied(f"This needs the permission {permission!r}")


def write_audit(
    *,
    actor,
    action: str,
    disbursement: Disbursement | None = None,
    disbursement_id: int | None = None,
    fields: Iterable[str] = (),
    summary: str = "",
) -> AuditLogEntry:
    """Append one line to the audit log; callers pass only non-private words in ``summary``."""
    if action not in AuditLogEntry.Action.values:
        raise ValueError(f"Unknown audit action {action!r}")
    return AuditLogEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        disbursement_id=disbursement.pk if disbursement is not None else disbursement_id,
        fields=sorted(set(fields)),
        summary=summary[:SUMMARY_MAX],
    )


def audit_log(*, disbursement: Disbursement | None = None) -> QuerySet[AuditLogEntry]:
    """The log, newest last, with the actor loaded (one query), optionally for one disbursement."""
    entries = AuditLogEntry.objects.select_related("actor").order_by("id")
    if disbursement is not None:
        entries = entries.filter(disbursement=disbursement)
    return entries
