"""Evidence in the workspace: several files at once, refused files explained, private streaming, removal."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from donations import disbursements
from donations.evidence import attach_evidence
from donations.models import AuditLogEntry, DisbursementEvidence
from tests.donations.dashboard.conftest import login, messages_of, url
from tests.donations.finance import record

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (30, 20), (10, 120, 30)).save(out, format="JPEG")
    return out.getvalue()


def upload(content: bytes, name: str, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def draft(team):
    return record(team)


@pytest.mark.django_db
def test_a_volunteer_uploads_several_files_at_once(client, team, draft):
    login(client, team.volunteer)
    response = client.post(
        url("evidence-upload", pk=draft.pk),
        {"files": [upload(jpeg(), "receipt.jpg", "image/jpeg"), upload(PDF_BYTES, "invoice.pdf", "application/pdf")]},
        follow=True,
    )
    assert "2 evidence files added." in messages_of(response)
    assert sorted(draft.evidence.values_list("content_type", flat=True)) == ["application/pdf", "image/jpeg"]
    assert "receipt.jpg" in response.content.decode()  # The private page names the uploads.
    assert not any("receipt.jpg" in message for message in messages_of(response))


@pytest.mark.django_db
def test_an_exe_renamed_jpg_is_refused_with_a_clear_message(client, team, draft):
    login(client, team.volunteer)
    response = client.post(
        url("evidence-upload", pk=draft.pk),
        {"files": [upload(EXE_BYTES, "photo.jpg", "image/jpeg"), upload(PDF_BYTES, "invoice.pdf")]},
    )
    assert response.status_code == 200
    refused = response.context["refused"]
    assert [result.name for result in refused] == ["photo.jpg"]
    assert refused[0].errors == [
        "This is not a PDF, JPEG, PNG or WebP file (the contents were checked, not the file name)."
    ]
    page = response.content.decode()
    assert 'id="evidence_refused"' in page and "1 file was not added" in page and "the contents were checked" in page
    assert list(draft.evidence.values_list("content_type", flat=True)) == ["application/pdf"]  # The good one stays.


@pytest.mark.django_db
def test_choosing_no_file_says_so(client, team, draft):
    login(client, team.volunteer)
    response = client.post(url("evidence-upload", pk=draft.pk), {})
    assert response.context["form"].errors["files"] == ["Choose at least one file."]


@pytest.mark.django_db
def test_a_rejected_disbursement_takes_no_evidence(client, team, draft):
    disbursements.submit_disbursement(disbursement=draft, by=team.volunteer)
    disbursements.reject_disbursement(disbursement=draft, by=team.approver, reason="duplicate")
    login(client, team.volunteer)
    assert 'id="evidence_form"' not in client.get(url("disbursement-detail", pk=draft.pk)).content.decode()
    response = client.post(url("evidence-upload", pk=draft.pk), {"files": [upload(PDF_BYTES, "late.pdf")]})
    assert "A rejected disbursement takes no more evidence." in response.context["refused"][0].errors
    assert not draft.evidence.exists()


@pytest.mark.django_db
def test_an_approver_views_an_image_inline_privately_and_the_viewing_is_audited(client, team, draft):
    evidence = attach_evidence(disbursement=draft, upload=upload(jpeg(), "receipt.jpg"), by=team.volunteer)
    login(client, team.approver)
    response = client.get(url("evidence-view", pk=evidence.pk))

    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xff\xd8\xff") and len(body) == evidence.size
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == (f'inline; filename="disbursement-{draft.pk}-evidence-{evidence.pk}.jpg"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert "receipt" not in response["Content-Disposition"]  # The uploaded name is private.
    viewed = AuditLogEntry.objects.get(action="evidence_viewed")
    assert (viewed.actor, viewed.disbursement_id) == (team.approver, draft.pk)


@pytest.mark.django_db
def test_download_asks_for_an_attachment(client, team, draft):
    evidence = attach_evidence(disbursement=draft, upload=upload(PDF_BYTES, "invoice.pdf"), by=team.volunteer)
    login(client, team.approver)
    response = client.get(url("evidence-view", pk=evidence.pk), {"download": "1"})
    b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; ")
    assert response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_the_detail_page_links_files_by_id_only_to_those_who_may_open_them(client, team, draft):
    evidence = attach_evidence(disbursement=draft, upload=upload(PDF_BYTES, "invoice.pdf"), by=team.volunteer)
    login(client, team.volunteer)
    page = client.get(url("disbursement-detail", pk=draft.pk)).content.decode()
    view_link = f'href="{url("evidence-view", pk=evidence.pk)}"'
    assert "invoice.pdf" in page and view_link not in page
    login(client, team.approver)
    page = client.get(url("disbursement-detail", pk=draft.pk)).content.decode()
    assert view_link in page
    assert evidence.file.name not in page  # The stored name (and so any storage path) never shows.


@pytest.mark.django_db
def test_evidence_is_removed_from_a_draft_but_stays_once_submitted(client, team, draft):
    first = attach_evidence(disbursement=draft, upload=upload(PDF_BYTES, "wrong.pdf"), by=team.volunteer)
    second = attach_evidence(disbursement=draft, upload=upload(PDF_BYTES, "right.pdf"), by=team.volunteer)
    login(client, team.volunteer)
    response = client.post(url("evidence-remove", pk=first.pk), follow=True)
    assert f"Evidence file {first.pk} is removed." in messages_of(response)
    assert list(DisbursementEvidence.objects.values_list("pk", flat=True)) == [second.pk]

    disbursements.submit_disbursement(disbursement=draft, by=team.volunteer)
    response = client.post(url("evidence-remove", pk=second.pk), follow=True)
    assert "only while the disbursement is a draft" in " ".join(messages_of(response))
    assert DisbursementEvidence.objects.filter(pk=second.pk).exists()
