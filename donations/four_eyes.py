"""Four eyes on a disbursement's contents, not only on the click.

The rule "the approver is not the recorder" held in letter, but an approver
could edit a volunteer's draft (payee, amount), submit it and approve it:
one person decided the contents. So whoever changes a disbursement's
contents — its fields, its evidence, its earmarks — becomes one of its
*editors*, and no editor (nor the recorder) may approve or post it.

A change after submission also withdraws the submission (and an approval
not yet posted): what an approver approves is exactly what somebody else
last changed. The disbursement goes back to draft and needs a new
submission. The audit log says so, naming who made the change.

The services call ``note_content_change`` inside their transaction, on the
row they locked, before writing the change. PostgreSQL repeats the rule
(migration 0010): an approval or posting by a listed editor is refused, and
no editor is added while a disbursement stands approved.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from donations.audit import write_audit
from donations.models import AuditLogEntry, Disbursement, DisbursementEditor

# A change in these states is possible but withdraws the decision taken so far.
REOPENED_BY_A_CHANGE = (Disbursement.Status.SUBMITTED, Disbursement.Status.APPROVED)


def editor_ids(disbursement: Disbursement) -> set[int]:
    """Everyone who decided the contents: the recorder and every later editor (one query)."""
    ids = set(DisbursementEditor.objects.filter(disbursement=disbursement).values_list("editor_id", flat=True))
    ids.add(disbursement.recorded_by_id)
    return ids


def is_editor(disbursement: Disbursement, user) -> bool:
    return getattr(user, "pk", None) in editor_ids(disbursement)


def note_content_change(*, disbursement: Disbursement, by, change: str) -> bool:
    """Record ``by`` as an editor of the (locked) disbursement; True when that sent it back to draft.

    ``change`` names what changed, in words the audit log may carry
    ("fields changed", "evidence added"), never a value.
    """
    reopened = disbursement.status in REOPENED_BY_A_CHANGE
    if reopened:
        previous = disbursement.status
        disbursement.status = Disbursement.Status.DRAFT
        disbursement.submitted_at = None
        disbursement.approved_by = None
        disbursement.approved_at = None
        disbursement.full_clean()
        disbursement.save(update_fields=["status", "submitted_at", "approved_by", "approved_at"])
        write_audit(
            actor=by, action=AuditLogEntry.Action.RETURNED_TO_DRAFT, disbursement=disbursement,
            summary=f"{previous} → draft: {change} after submission; it needs a new submission and approval",
        )
    DisbursementEditor.objects.get_or_create(
        disbursement=disbursement, editor=by, defaults={"first_changed_at": timezone.now()}
    )
    return reopened


_REFUSALS = {
    # (doing, recorded it?) → message; whole sentences, so each reads naturally in Ukrainian.
    ("approve", True): _("You recorded this disbursement, so you cannot approve it: another finance approver must."),
    ("approve", False): _("You changed this disbursement, so you cannot approve it: another finance approver must."),
    ("post", True): _("You recorded this disbursement, so you cannot post it: another finance approver must."),
    ("post", False): _("You changed this disbursement, so you cannot post it: another finance approver must."),
}


def refuse_editor(disbursement: Disbursement, user, *, doing: str) -> None:
    """Refuse ``doing`` ("approve" or "post") to anyone who recorded or changed the disbursement."""
    if getattr(user, "pk", None) == disbursement.recorded_by_id:
        raise ValidationError(str(_REFUSALS[(doing, True)]), code="self_approval")
    if is_editor(disbursement, user):
        raise ValidationError(str(_REFUSALS[(doing, False)]), code="editor_decides")
