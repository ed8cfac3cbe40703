"""Unpublished reports move out of MEDIA_ROOT/reports/ into private storage (REPORT_DRAFTS_ROOT).

Until now a rendered report was written straight to the public media
directory, so with SERVE_MEDIA on, a draft (perhaps one the pre-publication
check would still refuse) answered at /media/reports/<name>. Each report not
yet published gets a private ``draft_file`` holding the very bytes; the public
copy is removed once the private one is read back with the same SHA-256.
A draft whose file is already gone is marked failed, so it can be rendered
again (publishing it could only fail). Published reports are not touched: the
trigger of 0009 freezes them, and their files are public by design.

Everything goes through the fields' Storage objects (save, open, exists), so
the step runs unchanged on other storage backends. Reversing copies the drafts
back to where the earlier code reads them.
"""

import hashlib

import donations.reports.storage
from django.core.files.base import ContentFile
from django.db import migrations, models

MISSING = "The rendered file was missing when unpublished reports moved to private storage: render it again."


def _read(storage, name):
    with storage.open(name, "rb") as handle:
        return handle.read()


def _copy(source, target, name):
    """Copy ``name`` from one storage to the other and check it; the name it has there."""
    content = _read(source, name)
    stored = name if target.exists(name) and _read(target, name) == content else target.save(name, ContentFile(content))
    if hashlib.sha256(_read(target, stored)).digest() != hashlib.sha256(content).digest():
        raise RuntimeError(f"The copy of report file {name} does not read back the same; nothing was removed")
    return stored


def move_drafts_to_private_storage(apps, schema_editor):
    Report = apps.get_model("donations", "PublishedReport")
    public = Report._meta.get_field("file").storage
    private = Report._meta.get_field("draft_file").storage
    for report in Report.objects.exclude(status="published").exclude(file="").only("pk", "file"):
        name = report.file.name
        if not public.exists(name):
            Report.objects.filter(pk=report.pk).update(file="", status="failed", progress_text="Failed", error=MISSING)
            continue
        stored = _copy(public, private, name)
        Report.objects.filter(pk=report.pk).update(file="", draft_file=stored)
        public.discard_unpublished(name)


def move_drafts_back_to_media(apps, schema_editor):
    Report = apps.get_model("donations", "PublishedReport")
    public = Report._meta.get_field("file").storage
    private = Report._meta.get_field("draft_file").storage
    for report in Report.objects.exclude(status="published").exclude(draft_file="").only("pk", "draft_file"):
        name = report.draft_file.name
        if not private.exists(name):
            continue
        stored = _copy(private, public, name)
        Report.objects.filter(pk=report.pk).update(file=stored, draft_file="")
        private.delete(name)


class Migration(migrations.Migration):

    dependencies = [
        ("donations", "0010_disbursement_editors"),
    ]

    operations = [
        migrations.AddField(
            model_name="publishedreport",
            name="draft_file",
            field=models.FileField(
                blank=True, max_length=200, storage=donations.reports.storage.ReportDraftStorage(), upload_to="",
                verbose_name="unpublished file",
            ),
        ),
        migrations.RunPython(move_drafts_to_private_storage, move_drafts_back_to_media),
    ]
