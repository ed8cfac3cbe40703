"""Evidence uploads (donations/evidence.py): real type by content, size, metadata stripped, private storage."""

import hashlib
import os
import stat
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, PngImagePlugin

from donations import disbursements
from donations.evidence import attach_evidence, clean_evidence, open_evidence, remove_evidence, sniff_content_type
from donations.models import AuditLogEntry, DisbursementEvidence
from donations.storage import EvidenceStorage, evidence_root
from tests.donations.finance import ensure_vocabulary, finance_team, make_user, posted, record, sell

GPS_PLACE = "Oleshky"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.EVIDENCE_MAX_BYTES = 2 * 1024 * 1024
    return settings.EVIDENCE_ROOT


@pytest.fixture
def team(db):
    ensure_vocabulary()
    return finance_team()


@pytest.fixture
def draft(team):
    return record(team)


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x0131] = f"Camera app, {GPS_PLACE}"  # Software
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view.
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (46.0, 37.0, 0.0), "E", (32.0, 46.0, 0.0)
    return exif


def photo(fmt: str = "JPEG", size=(40, 20)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = BytesIO()
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Author", f"Halyna from {GPS_PLACE}")
        image.save(out, format="PNG", pnginfo=info, exif=exif_with_gps())
    elif fmt == "WEBP":
        image.save(out, format="WEBP", exif=exif_with_gps(), xmp=f"<x:xmpmeta>{GPS_PLACE}</x:xmpmeta>".encode())
    else:
        image.save(out, format="JPEG", exif=exif_with_gps())
    return out.getvalue()


def upload(content: bytes, name: str, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- Type by content -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"MZ\x90\x00\x03\x00\x00\x00", None),
        (b"<html><script>", None),
        (b"GIF89a", None),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", None),
    ],
)
def test_the_type_is_read_from_the_content(head, expected):
    assert sniff_content_type(head) == expected


def test_an_executable_named_jpg_is_refused_and_nothing_is_stored(team, draft, evidence_dir):
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 500
    with pytest.raises(ValidationError, match="not a PDF, JPEG, PNG or WebP file"):
        attach_evidence(disbursement=draft, upload=upload(exe, "receipt.jpg", "image/jpeg"), by=team.volunteer)
    assert not DisbursementEvidence.objects.exists()
    assert stored_files(evidence_dir) == []
    assert not AuditLogEntry.objects.filter(action="evidence_added").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 20, "JPEG image cannot be read"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG image cannot be read"),
        (b"%PDF-1.4\n<script>alert(1)</script>", "PDF is incomplete or damaged"),
        (b"", "The file is empty"),
    ],
)
def test_disguised_or_damaged_files_are_refused(team, draft, content, message):
    with pytest.raises(ValidationError, match=message):
        attach_evidence(disbursement=draft, upload=upload(content, "receipt.pdf"), by=team.volunteer)
    assert not DisbursementEvidence.objects.exists()


def test_a_png_named_pdf_is_stored_as_the_png_it_is(team, draft):
    evidence = attach_evidence(disbursement=draft, upload=upload(photo("PNG"), "invoice.pdf"), by=team.volunteer)
    assert evidence.content_type == "image/png" and evidence.file.name.endswith(".png")


def test_an_oversized_file_is_refused_before_it_is_read(team, draft, settings, evidence_dir):
    settings.EVIDENCE_MAX_BYTES = 1000
    big = PDF_BYTES + b"%" + b"x" * 2000 + b"\n%%EOF\n"
    with pytest.raises(ValidationError, match="at most 0.0 MB|larger than"):
        attach_evidence(disbursement=draft, upload=upload(big, "big.pdf"), by=team.volunteer)
    assert stored_files(evidence_dir) == []


def test_a_size_unknown_stream_is_cut_off_at_the_limit(settings):
    settings.EVIDENCE_MAX_BYTES = 100

    class Stream(BytesIO):
        size = None

    with pytest.raises(ValidationError, match="larger than"):
        clean_evidence(Stream(PDF_BYTES + b"%" * 200 + b"%%EOF"))


def test_a_decompression_bomb_is_refused(team, draft):
    out = BytesIO()
    Image.new("1", (8000, 8000)).save(out, format="PNG")  # 64 megapixels in a few kilobytes.
    with pytest.raises(ValidationError, match="8000×8000 pixels; evidence may be at most 40 megapixels"):
        attach_evidence(disbursement=draft, upload=upload(out.getvalue(), "scan.png"), by=team.volunteer)


# --- Metadata stripped -------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_image_metadata_is_stripped_and_the_picture_kept_upright(team, draft, fmt):
    original = photo(fmt)
    assert GPS_PLACE.encode() in original  # The test file really carries the place.
    evidence = attach_evidence(disbursement=draft, upload=upload(original, f"IMG_0001.{fmt.lower()}"),
                               by=team.volunteer)
    with evidence.file.open("rb") as handle:
        stored = handle.read()
    assert GPS_PLACE.encode() not in stored and b"PhoneMaker" not in stored and b"Halyna" not in stored
    with Image.open(BytesIO(stored)) as image:
        assert image.format == fmt
        assert not image.getexif()
        assert not {"exif", "xmp", "XML:com.adobe.xmp", "Author", "icc_profile"} & set(image.info)
        assert image.size == (20, 40)  # The EXIF said "rotate 90°": the pixels were turned instead.
    assert evidence.sha256 == hashlib.sha256(stored).hexdigest() and evidence.size == len(stored)


def test_a_pdf_is_kept_as_uploaded(team, draft):
    evidence = attach_evidence(disbursement=draft, upload=upload(PDF_BYTES, "invoice.PDF"), by=team.volunteer)
    with evidence.file.open("rb") as handle:
        assert handle.read() == PDF_BYTES
    assert evidence.content_type == "application/pdf" and evidence.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()


# --- Private storage ----------------------------------------------------------------


def test_evidence_is_stored_privately_under_a_random_name(team, draft, evidence_dir, settings):
    evidence = attach_evidence(
        disbursement=draft, upload=upload(PDF_BYTES, f"receipt Halyna {GPS_PLACE}.pdf"), by=team.volunteer
    )
    path = Path(evidence.file.path)
    assert path.is_relative_to(evidence_dir.resolve())
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert GPS_PLACE not in evidence.file.name and "Halyna" not in evidence.file.name
    assert evidence.original_name == f"receipt Halyna {GPS_PLACE}.pdf"  # Private, for the volunteers.
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(ValueError, match="no URL"):
        evidence.file.url  # noqa: B018 -- the property is what is tested
    logged = AuditLogEntry.objects.get(action="evidence_added")
    assert logged.actor == team.volunteer and GPS_PLACE not in logged.summary and "Halyna" not in logged.summary


def test_evidence_root_inside_the_public_media_is_refused(settings):
    settings.EVIDENCE_ROOT = Path(settings.MEDIA_ROOT) / "evidence"
    with pytest.raises(ImproperlyConfigured, match="inside MEDIA_ROOT"):
        evidence_root()
    with pytest.raises(ImproperlyConfigured):
        EvidenceStorage().save("x.pdf", BytesIO(PDF_BYTES))


def test_the_default_evidence_root_is_outside_the_web_roots(settings):
    del settings.EVIDENCE_ROOT
    assert evidence_root() == (Path(settings.BASE_DIR) / "var" / "evidence").resolve()


# --- Who may see, add and remove ----------------------------------------------------------


def test_only_permitted_users_open_evidence_and_every_viewing_is_logged(team, draft):
    evidence = attach_evidence(disbursement=draft, upload=upload(PDF_BYTES, "invoice.pdf"), by=team.volunteer)
    for outsider in (team.volunteer, make_user("customer"), None):
        with pytest.raises(PermissionDenied):
            open_evidence(evidence=evidence, by=outsider)
    download = open_evidence(evidence=evidence, by=team.approver)
    with download.file as handle:
        assert handle.read() == PDF_BYTES
    assert download.content_type == "application/pdf"
    assert download.filename == f"disbursement-{draft.pk}-evidence-{evidence.pk}.pdf"
    viewed = AuditLogEntry.objects.get(action="evidence_viewed")
    assert (viewed.actor, viewed.disbursement) == (team.approver, draft)


def test_someone_without_the_recording_permission_cannot_upload(team, draft):
    with pytest.raises(PermissionDenied):
        attach_evidence(disbursement=draft, upload=upload(PDF_BYTES, "invoice.pdf"), by=make_user("customer"))


def test_a_receipt_that_arrives_after_posting_is_still_taken(team, books):
    sell("100001", 50000)
    disbursement = posted(team)
    evidence = attach_evidence(disbursement=disbursement, upload=upload(PDF_BYTES, "late.pdf"), by=team.volunteer)
    assert evidence.disbursement == disbursement and disbursement.evidence.count() == 1


def test_a_rejected_disbursement_takes_no_evidence(team, draft):
    disbursements.submit_disbursement(disbursement=draft, by=team.volunteer)
    disbursements.reject_disbursement(disbursement=draft, by=team.approver, reason="duplicate")
    with pytest.raises(ValidationError, match="rejected disbursement takes no more evidence"):
        attach_evidence(disbursement=draft, upload=upload(PDF_BYTES, "invoice.pdf"), by=team.volunteer)


def test_evidence_is_removed_from_a_draft_only_and_its_file_after_commit(
    team, draft, evidence_dir, django_capture_on_commit_callbacks
):
    evidence = attach_evidence(disbursement=draft, upload=upload(PDF_BYTES, "wrong.pdf"), by=team.volunteer)
    with django_capture_on_commit_callbacks(execute=True):
        remove_evidence(evidence=evidence, by=team.volunteer)
    assert not DisbursementEvidence.objects.exists()
    assert stored_files(evidence_dir) == []
    assert AuditLogEntry.objects.filter(action="evidence_removed").count() == 1
    kept = attach_evidence(disbursement=draft, upload=upload(PDF_BYTES, "right.pdf"), by=team.volunteer)
    disbursements.submit_disbursement(disbursement=draft, by=team.volunteer)
    with pytest.raises(ValidationError, match="only while the disbursement is a draft"):
        remove_evidence(evidence=kept, by=team.volunteer)
    assert len(stored_files(evidence_dir)) == 1
