"""The finance workspace's two groups and the permissions each holds.

- **Finance volunteers** record disbursements, edit drafts, submit them for
  approval, attach evidence and earmark proceeds; they see the disbursement
  list and pages (private fields included), not evidence files, the books or
  the audit log.
- **Finance approvers** do all that, and approve or reject disbursements that
  someone else recorded, post approved ones to the ledger, open evidence
  files (each opening is audited), and browse the ledger, proceeds and their
  allocation, and the audit log, and publish PDF reports (volunteers may
  request them and watch them render).

Members also need ``is_staff``: Oscar's dashboard is a staff area, and the
workspace pages ask for staff status *and* the permission
(``donations.dashboard.permissions``).

Migration 0007 creates these groups with a frozen copy of this table (a
migration must not import code that later changes); ``ensure_finance_groups``
recreates them after a flush and adds any permission added here since.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission

FINANCE_VOLUNTEERS = "Finance volunteers"
FINANCE_APPROVERS = "Finance approvers"

_VOLUNTEER_CODENAMES = (
    "add_disbursement", "change_disbursement", "view_disbursement",
    # PDF reports (migration 0009): anyone in the workspace may request one and watch it render.
    "add_publishedreport", "view_publishedreport",
)
FINANCE_GROUPS: dict[str, tuple[str, ...]] = {
    FINANCE_VOLUNTEERS: _VOLUNTEER_CODENAMES,
    FINANCE_APPROVERS: (
        *_VOLUNTEER_CODENAMES,
        "approve_disbursement",
        "post_disbursement",
        "view_disbursement_evidence",
        "view_journalentry",
        "view_allocation",
        "view_auditlogentry",
        "publish_report",
    ),
}


def ensure_finance_groups() -> dict[str, Group]:
    """Create the groups if missing and give each at least its permissions (extra ones an admin added stay)."""
    # After a flush the permission rows come back only with the next post_migrate; make sure they are there.
    create_permissions(apps.get_app_config("donations"), verbosity=0)
    groups: dict[str, Group] = {}
    for name, codenames in FINANCE_GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="donations", codename__in=codenames))
        groups[name] = group
    return groups
