"""Evidence for a disbursement (receipts, invoices): checked, cleaned and kept in private storage.

A file is accepted for what it *is*, not what it is called: its first bytes
must be a PDF, JPEG, PNG or WebP signature, so an ``.exe`` renamed ``.jpg``
is refused. Images are decoded and re-encoded from their pixels alone, which
drops EXIF (GPS position, camera, time), XMP, ICC and text chunks: a photo of
a receipt taken on a phone would otherwise carry where it was taken. PDFs are
kept as uploaded (their metadata is private like the rest of the file).
Files go to ``donations.storage.EvidenceStorage`` under a random name, never
under MEDIA_ROOT, and are read back only through ``open_evidence``, which
checks the permission and writes the audit log.
"""

from __future__ import annotations

import hashlib
import uuid
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from donations import four_eyes
from donations.audit import RECORD, VIEW_EVIDENCE, require_permission, write_audit
from donations.models import AuditLogEntry, Disbursement, DisbursementEvidence

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# A receipt photo is a few megapixels; this refuses decompression bombs long before memory is at risk.
MAX_PIXELS = 40_000_000

PDF, JPEG, PNG, WEBP = "application/pdf", "image/jpeg", "image/png", "image/webp"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png", WEBP: "webp"}
_PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
ALLOWED_DESCRIPTION = "a PDF, JPEG, PNG or WebP file"


def max_bytes() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def sniff_content_type(head: bytes) -> str | None:
    """The type the content's signature says, or None: the name and the browser's claim are ignored."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


@dataclass(frozen=True)
class CleanedEvidence:
    content: bytes
    content_type: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _read_limited(upload: File, limit: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            f"The file is {_megabytes(size)}; evidence may be at most {_megabytes(limit)}.", code="too_large"
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(f"The file is larger than {_megabytes(limit)}, the most evidence may be.",
                              code="too_large")
    if not data:
        raise ValidationError("The file is empty.", code="empty")
    return data


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def clean_evidence(upload: File) -> CleanedEvidence:
    """Check an upload's size and real type; return what may be stored (images re-encoded without metadata)."""
    data = _read_limited(upload, max_bytes())
    content_type = sniff_content_type(data[:16])
    if content_type is None:
        raise ValidationError(
            f"This is not {ALLOWED_DESCRIPTION} (the contents were checked, not the file name).", code="file_type"
        )
    if content_type == PDF:
        # A truncated or disguised file rarely ends like a PDF; a real one has %%EOF near its end.
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError("This PDF is incomplete or damaged: it has no end-of-file marker.", code="damaged")
        return CleanedEvidence(data, PDF)
    return CleanedEvidence(_reencode_image(data, content_type), content_type)


def _reencode_image(data: bytes, content_type: str) -> bytes:
    pillow_format = _PILLOW_FORMATS[content_type]
    unreadable = ValidationError(
        f"This {pillow_format} image cannot be read; it may be damaged or not an image.", code="damaged"
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data), formats=[pillow_format]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ValidationError(
                        f"The image is {image.width}×{image.height} pixels; evidence may be at most "
                        f"{MAX_PIXELS // 1_000_000} megapixels.", code="too_large",
                    )
                image.seek(0)  # An animation keeps its first frame only.
                image.load()
                # Apply the EXIF orientation to the pixels before the EXIF goes, so the receipt stays upright.
                upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise unreadable from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise unreadable from exc
    mode = _target_mode(upright, content_type)
    pixels = upright.convert(mode) if upright.mode != mode else upright
    # A fresh image has an empty ``info``: nothing of the original's metadata can ride along.
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)
    out = BytesIO()
    if content_type == JPEG:
        clean.save(out, format="JPEG", quality=90, optimize=True)
    elif content_type == PNG:
        clean.save(out, format="PNG", optimize=True)
    else:
        clean.save(out, format="WEBP", quality=90)
    return out.getvalue()


def _target_mode(image: Image.Image, content_type: str) -> str:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if content_type == JPEG:
        return "L" if image.mode == "L" else "RGB"
    if content_type == PNG and image.mode in ("L", "LA", "RGB", "RGBA"):
        return image.mode
    return "RGBA" if has_alpha else "RGB"


# --- Services ------------------------------------------------------------------


def _lock_disbursement(pk: int) -> Disbursement:
    """Evidence changes take the same row lock as the state changes, so a rejection cannot slip between."""
    return Disbursement.objects.select_for_update(of=("self",), no_key=True).get(pk=pk)


def attach_evidence(*, disbursement: Disbursement, upload: File, by) -> DisbursementEvidence:
    """Check, clean and store one evidence file for a disbursement (any state but rejected).

    Evidence may follow a posting (a receipt that arrives later). Before
    posting it changes what is approved: the uploader becomes an editor, and a
    submitted or approved disbursement goes back to draft (``four_eyes``). The
    stored name is random; the uploaded name is kept privately, for the volunteers.
    """
    require_permission(by, RECORD)
    cleaned = clean_evidence(upload)  # CPU work before any lock is taken.
    original_name = PurePath(getattr(upload, "name", "") or "").name[:200]
    with transaction.atomic():
        disbursement = _lock_disbursement(disbursement.pk)
        if disbursement.status == Disbursement.Status.REJECTED:
            raise ValidationError("A rejected disbursement takes no more evidence.", code="invalid_transition")
        four_eyes.note_content_change(disbursement=disbursement, by=by, change="evidence added")
        evidence = DisbursementEvidence(
            disbursement=disbursement, content_type=cleaned.content_type, size=len(cleaned.content),
            sha256=cleaned.sha256, original_name=original_name, uploaded_by=by,
        )
        evidence.file.save(f"{uuid.uuid4().hex}.{cleaned.extension}", ContentFile(cleaned.content), save=False)
        try:
            evidence.save()
            write_audit(
                actor=by, action=AuditLogEntry.Action.EVIDENCE_ADDED, disbursement=disbursement,
                summary=f"evidence {evidence.pk} added ({cleaned.content_type}, {len(cleaned.content)} bytes)",
            )
        except BaseException:
            evidence.file.storage.delete(evidence.file.name)
            raise
    return evidence


@dataclass(frozen=True)
class EvidenceDownload:
    """An open evidence file for a private view to stream (as an attachment, never inline)."""

    file: File
    content_type: str
    filename: str


def open_evidence(*, evidence: DisbursementEvidence, by) -> EvidenceDownload:
    """Open an evidence file for someone allowed to see it; the viewing is logged."""
    require_permission(by, VIEW_EVIDENCE)
    write_audit(
        actor=by, action=AuditLogEntry.Action.EVIDENCE_VIEWED, disbursement_id=evidence.disbursement_id,
        summary=f"evidence {evidence.pk} viewed",
    )
    handle = evidence.file.storage.open(evidence.file.name, "rb")
    return EvidenceDownload(
        file=handle, content_type=evidence.content_type,
        filename=f"disbursement-{evidence.disbursement_id}-evidence-{evidence.pk}.{EXTENSIONS[evidence.content_type]}",
    )


def remove_evidence(*, evidence: DisbursementEvidence, by) -> None:
    """Remove evidence from a draft (a wrong upload); once submitted, evidence stays."""
    require_permission(by, RECORD)
    with transaction.atomic():
        disbursement = _lock_disbursement(evidence.disbursement_id)
        if disbursement.status != Disbursement.Status.DRAFT:
            raise ValidationError("Evidence can be removed only while the disbursement is a draft.",
                                  code="invalid_transition")
        four_eyes.note_content_change(disbursement=disbursement, by=by, change="evidence removed")
        name, storage, pk = evidence.file.name, evidence.file.storage, evidence.pk
        DisbursementEvidence.objects.filter(pk=pk).delete()
        write_audit(actor=by, action=AuditLogEntry.Action.EVIDENCE_REMOVED, disbursement=disbursement,
                    summary=f"evidence {pk} removed")
        # The file goes only once the row's deletion is certain.
        transaction.on_commit(lambda: storage.delete(name))
