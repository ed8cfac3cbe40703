"""The finance workspace's groups: "Finance volunteers" and "Finance approvers".

Volunteers record disbursements, edit drafts, submit them, attach evidence and
earmark proceeds (add, change and view disbursements). Approvers do all that,
and also approve or reject someone else's disbursements, post approved ones,
open evidence files, and browse the ledger (journal entries), the allocation
of proceeds and the audit log. "Approve" and "post" stay separate permissions
so that an organisation can split them later. Members also need ``is_staff``
to reach Oscar's dashboard; the workspace checks staff status and the
permission on every page.

Permissions are normally created by ``post_migrate``, after all migrations
have run, so on a fresh database none exist yet: this migration creates the
app's permission rows first (``create_permissions`` on the historical app
config, the usual pattern). The table below is a frozen copy of
``donations.dashboard.groups.FINANCE_GROUPS`` as it was when written: a
migration imports no app code. Reversing it deletes the two groups.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VOLUNTEER = ("add_disbursement", "change_disbursement", "view_disbursement")
FINANCE_GROUPS = {
    "Finance volunteers": VOLUNTEER,
    "Finance approvers": (
        *VOLUNTEER,
        "approve_disbursement",
        "post_disbursement",
        "view_disbursement_evidence",
        "view_journalentry",
        "view_allocation",
        "view_auditlogentry",
    ),
}


def create_finance_groups(apps, schema_editor):
    app_config = apps.get_app_config("donations")
    # Historical app configs have no models module, and create_permissions skips an app without one.
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in FINANCE_GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        permissions = list(Permission.objects.filter(content_type__app_label="donations", codename__in=codenames))
        missing = set(codenames) - {permission.codename for permission in permissions}
        if missing:
            raise RuntimeError(f"Permissions missing for {name}: {', '.join(sorted(missing))}")
        group.permissions.add(*permissions)


def remove_finance_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(FINANCE_GROUPS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("donations", "0006_case_aid_summaries"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_finance_groups, remove_finance_groups),
    ]
