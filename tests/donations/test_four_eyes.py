"""Four eyes on a disbursement's contents (donations/four_eyes.py): whoever changed it neither approves nor posts it."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction

from donations import disbursements, four_eyes
from donations.allocation import earmark_disbursement, remove_earmark
from donations.evidence import attach_evidence, remove_evidence
from donations.models import AuditLogEntry, Disbursement, DisbursementEditor, Earmark
from tests.donations.finance import ensure_vocabulary, eur, finance_team, record, sell

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def team(books):
    ensure_vocabulary()
    return finance_team()


def receipt() -> SimpleUploadedFile:
    return SimpleUploadedFile("receipt.pdf", PDF_BYTES, content_type="application/pdf")


def submit(disbursement: Disbursement, by) -> Disbursement:
    return disbursements.submit_disbursement(disbursement=disbursement, by=by)


# Every step that changes what a disbursement says, taken by ``by`` on a draft.
def change_fields(disbursement, by):
    disbursements.update_disbursement(disbursement=disbursement, by=by, payee_name="Approver's cousin", amount="250")


def add_evidence(disbursement, by):
    attach_evidence(disbursement=disbursement, upload=receipt(), by=by)


def take_evidence_away(disbursement, by):
    evidence = attach_evidence(disbursement=disbursement, upload=receipt(), by=disbursement.recorded_by)
    remove_evidence(evidence=evidence, by=by)


def set_earmark(disbursement, by):
    earmark_disbursement(disbursement=disbursement, proceeds_entry=sell("100001", 50_000), amount=eur(1_000), by=by)


def take_earmark_away(disbursement, by):
    entry = sell("100001", 50_000)
    earmark_disbursement(disbursement=disbursement, proceeds_entry=entry, amount=eur(1_000),
                         by=disbursement.recorded_by)
    remove_earmark(earmark=Earmark.objects.get(disbursement=disbursement), by=by)


CONTENT_CHANGES = [change_fields, add_evidence, take_evidence_away, set_earmark, take_earmark_away]


def test_the_probe_an_approver_who_edits_a_volunteers_draft_cannot_approve_it(team):
    """The attack found in probing: edit the payee and amount, submit, approve — all by one approver."""
    draft = record(team)
    disbursements.update_disbursement(disbursement=draft, by=team.approver, payee_name="Approver", amount="4321.87")
    submit(draft, team.approver)
    with pytest.raises(ValidationError, match="You changed this disbursement, so you cannot approve it"):
        disbursements.approve_disbursement(disbursement=draft, by=team.approver)
    draft.refresh_from_db()
    assert draft.status == Disbursement.Status.SUBMITTED and draft.approved_by is None
    # Somebody who neither recorded nor changed it still can.
    disbursements.approve_disbursement(disbursement=draft, by=team.second_approver)
    draft.refresh_from_db()
    assert draft.approved_by == team.second_approver


@pytest.mark.parametrize("change", CONTENT_CHANGES, ids=lambda change: change.__name__)
def test_every_content_change_makes_its_author_an_editor_who_cannot_approve_or_post(team, change):
    sell("100002", 90_000)
    disbursement = record(team)
    change(disbursement, team.approver)
    assert four_eyes.editor_ids(disbursement) == {team.volunteer.pk, team.approver.pk}
    submit(disbursement, team.volunteer)
    with pytest.raises(ValidationError, match="you cannot approve it"):
        disbursements.approve_disbursement(disbursement=disbursement, by=team.approver)
    disbursements.approve_disbursement(disbursement=disbursement, by=team.second_approver)
    with pytest.raises(ValidationError, match="You changed this disbursement, so you cannot post it"):
        disbursements.post_disbursement(disbursement=disbursement, by=team.approver)
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.APPROVED
    disbursements.post_disbursement(disbursement=disbursement, by=team.second_approver)
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.POSTED


def test_the_recorder_cannot_post_what_they_recorded_either(team):
    sell("100001", 50_000)
    own = record(team, by=team.approver)
    submit(own, team.approver)
    disbursements.approve_disbursement(disbursement=own, by=team.second_approver)
    with pytest.raises(ValidationError, match="You recorded this disbursement, so you cannot post it"):
        disbursements.post_disbursement(disbursement=own, by=team.approver)
    own.refresh_from_db()
    assert own.status == Disbursement.Status.APPROVED


@pytest.mark.parametrize("change", [change_fields, add_evidence, set_earmark], ids=lambda change: change.__name__)
def test_a_change_after_submission_sends_it_back_to_draft(team, change):
    disbursement = submit(record(team), team.volunteer)
    change(disbursement, team.volunteer)
    disbursement.refresh_from_db()
    assert (disbursement.status, disbursement.submitted_at) == (Disbursement.Status.DRAFT, None)
    returned = AuditLogEntry.objects.get(action=AuditLogEntry.Action.RETURNED_TO_DRAFT)
    assert returned.actor == team.volunteer and "submitted → draft" in returned.summary
    with pytest.raises(ValidationError, match="draft, so it cannot be approved"):
        disbursements.approve_disbursement(disbursement=disbursement, by=team.approver)


def test_a_change_after_approval_withdraws_the_approval(team):
    disbursement = submit(record(team), team.volunteer)
    disbursements.approve_disbursement(disbursement=disbursement, by=team.approver)
    disbursements.update_disbursement(disbursement=disbursement, by=team.approver, people_helped=7)
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.DRAFT
    assert (disbursement.approved_by, disbursement.approved_at, disbursement.submitted_at) == (None, None, None)
    # Resubmitted, it needs somebody new: the volunteer recorded it, the approver changed it.
    submit(disbursement, team.volunteer)
    with pytest.raises(ValidationError, match="You changed this disbursement"):
        disbursements.approve_disbursement(disbursement=disbursement, by=team.approver)
    disbursements.approve_disbursement(disbursement=disbursement, by=team.second_approver)


def test_an_edit_that_changes_nothing_makes_nobody_an_editor(team):
    disbursement = submit(record(team), team.volunteer)
    disbursements.update_disbursement(disbursement=disbursement, by=team.approver, people_helped=3)
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.SUBMITTED
    assert not DisbursementEditor.objects.exists()
    disbursements.approve_disbursement(disbursement=disbursement, by=team.approver)


def test_evidence_added_after_posting_is_recorded_but_reopens_nothing(team):
    sell("100001", 50_000)
    disbursement = submit(record(team), team.volunteer)
    disbursements.approve_disbursement(disbursement=disbursement, by=team.approver)
    disbursements.post_disbursement(disbursement=disbursement, by=team.approver)
    attach_evidence(disbursement=disbursement, upload=receipt(), by=team.second_approver)
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.POSTED
    assert team.second_approver.pk in four_eyes.editor_ids(disbursement)


def test_the_editors_are_recorded_once_each_with_the_first_change(team):
    disbursement = record(team)
    for people in (4, 5, 6):
        disbursements.update_disbursement(disbursement=disbursement, by=team.approver, people_helped=people)
    add_evidence(disbursement, team.second_approver)
    editors = list(DisbursementEditor.objects.filter(disbursement=disbursement).values_list("editor", flat=True))
    assert editors == [team.approver.pk, team.second_approver.pk]
    actors = set(AuditLogEntry.objects.filter(disbursement=disbursement).values_list("actor", flat=True))
    assert actors == {team.volunteer.pk, team.approver.pk, team.second_approver.pk}


def test_the_migration_reads_past_editors_from_the_audit_log(team):
    if connection.vendor == "postgresql":
        pytest.skip("editor rows are append-only on PostgreSQL; the backfill runs before the triggers exist")
    disbursement = record(team)
    disbursements.update_disbursement(disbursement=disbursement, by=team.approver, people_helped=4)
    add_evidence(disbursement, team.approver)
    DisbursementEditor.objects.all().delete()  # As before migration 0010: only the audit log knew.
    migration = importlib.import_module("donations.migrations.0010_disbursement_editors")
    migration.editors_from_audit_log(apps, None)
    assert list(DisbursementEditor.objects.values_list("disbursement", "editor")) == [
        (disbursement.pk, team.approver.pk)
    ]


# --- PostgreSQL refuses it too, past the services -------------------------------------------------


def raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.postgres
def test_postgresql_refuses_an_approval_by_an_editor_through_raw_sql(team):
    disbursement = record(team)
    disbursements.update_disbursement(disbursement=disbursement, by=team.approver, payee_name="Approver")
    submit(disbursement, team.volunteer)
    with pytest.raises(IntegrityError, match="changed its contents, so cannot approve it"):
        raw("UPDATE donations_disbursement SET status = 'approved', approved_at = now(), approved_by_id = %s"
            " WHERE id = %s", [team.approver.pk, disbursement.pk])
    disbursement.refresh_from_db()
    assert disbursement.approved_by is None
    raw("UPDATE donations_disbursement SET status = 'approved', approved_at = now(), approved_by_id = %s"
        " WHERE id = %s", [team.second_approver.pk, disbursement.pk])


@pytest.mark.postgres
def test_postgresql_refuses_a_posting_by_an_editor_or_the_recorder_through_raw_sql(team):
    disbursement = record(team)
    add_evidence(disbursement, team.approver)
    submit(disbursement, team.volunteer)
    disbursements.approve_disbursement(disbursement=disbursement, by=team.second_approver)
    for someone in (team.approver, team.volunteer):
        with pytest.raises(IntegrityError, match="recorded or changed it, so cannot post it"):
            raw("UPDATE donations_disbursement SET posted_by_id = %s WHERE id = %s", [someone.pk, disbursement.pk])


@pytest.mark.postgres
def test_postgresql_adds_no_editor_to_an_approved_disbursement_and_never_forgets_one(team):
    disbursement = submit(record(team), team.volunteer)
    disbursements.approve_disbursement(disbursement=disbursement, by=team.approver)
    with pytest.raises(IntegrityError, match="is approved: return it to draft"):
        raw("INSERT INTO donations_disbursementeditor (disbursement_id, editor_id, first_changed_at)"
            " VALUES (%s, %s, now())", [disbursement.pk, team.second_approver.pk])
    disbursements.update_disbursement(disbursement=disbursement, by=team.second_approver, people_helped=9)
    for statement in ("UPDATE donations_disbursementeditor SET editor_id = %s WHERE disbursement_id = %s",
                      "DELETE FROM donations_disbursementeditor WHERE editor_id <> %s AND disbursement_id = %s"):
        with pytest.raises(IntegrityError):
            raw(statement, [team.volunteer.pk, disbursement.pk])
    assert DisbursementEditor.objects.filter(editor=team.second_approver).exists()
