"""Drafts are never public: an unpublished report lives in private storage until an approver publishes it.

With ``SERVE_MEDIA`` (allowed for a single small server) Django serves all of
``MEDIA_ROOT``; a rendered report used to be written there before anyone had
approved it. These tests go through the real URLconf with media served.
"""

import hashlib
import importlib
import io
import os
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.urls import clear_url_caches, reverse
from pypdf import PdfReader

from donations.models import PublishedReport
from donations.reports import publishing
from donations.reports.storage import PublicReportStorage, ReportDraftStorage, report_drafts_root
from tests.donations.reports.conftest import publish
from tests.donations.reports.test_render import text_of


def reload_urls():
    import shop.urls

    importlib.reload(shop.urls)
    clear_url_caches()


@pytest.fixture
def served_media(settings, media):
    """The project's URLconf as a single small server runs it: SERVE_MEDIA on, serving this test's MEDIA_ROOT."""
    before = settings.SERVE_MEDIA, settings.MEDIA_ROOT
    settings.SERVE_MEDIA = True
    reload_urls()
    yield settings.MEDIA_URL
    settings.SERVE_MEDIA, settings.MEDIA_ROOT = before
    reload_urls()


def rendered(books, people, *, language="en") -> PublishedReport:
    report = publishing.request_report(period=books.period, language=language, by=people.volunteer)
    publishing.render_queued_reports(only=report.pk)
    report.refresh_from_db()
    assert report.status == "ready", report.error
    return report


def files_under(root) -> list[Path]:
    return [Path(folder) / name for folder, _, names in os.walk(root) for name in names]


def preview_url(report) -> str:
    return reverse("finance-dashboard:report-preview", kwargs={"pk": report.pk})


def test_a_rendered_report_is_not_under_media_root_and_media_urls_do_not_serve_it(client, books, people, media,
                                                                                   served_media):
    report = rendered(books, people)
    draft = Path(report_drafts_root()) / report.draft_file.name
    assert draft.is_file() and not draft.resolve().is_relative_to(Path(media).resolve())
    assert hashlib.sha256(draft.read_bytes()).hexdigest() == report.sha256
    assert [path for path in files_under(media) if path.suffix == ".pdf"] == []
    # Where the earlier code stored it, and anything else in the draft's name, answers 404.
    for url in (f"{served_media}reports/{report.draft_file.name}", f"{served_media}{report.draft_file.name}",
                f"{served_media}report-drafts/{report.draft_file.name}"):
        assert client.get(url).status_code == 404, url
    with pytest.raises(ValueError, match="no URL"):
        report.draft_file.storage.url(report.draft_file.name)


def test_the_finance_preview_streams_the_drafts_exact_bytes_to_permitted_users_only(client, books, people):
    report = rendered(books, people)
    response = client.get(preview_url(report))
    assert response.status_code == 302 and "login" in response["Location"]  # anonymous: to the login page
    client.force_login(people.customer)
    assert client.get(preview_url(report)).status_code in (302, 403)
    staff_without_role = type(people.customer).objects.create_user("shop-staff", password="x", is_staff=True)
    client.force_login(staff_without_role)
    assert client.get(preview_url(report)).status_code == 403

    for who in (people.volunteer, people.approver):
        client.force_login(who)
        response = client.get(preview_url(report))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "private, no-store"
        assert response["X-Content-Type-Options"] == "nosniff"
        pdf = b"".join(response.streaming_content)
        assert hashlib.sha256(pdf).hexdigest() == report.sha256
        assert len(PdfReader(io.BytesIO(pdf)).pages) == report.pages
        assert report.checkpoint.root_hash in text_of(pdf).replace("\n", "")


def test_publishing_copies_the_exact_bytes_to_the_public_write_once_location(client, books, people, media,
                                                                             served_media):
    draft = rendered(books, people)
    draft_path = Path(report_drafts_root()) / draft.draft_file.name
    report = publishing.publish_report(report=draft, by=people.approver)

    public = Path(media) / "reports" / report.file.name
    assert public.is_file() and hashlib.sha256(public.read_bytes()).hexdigest() == report.sha256 == draft.sha256
    assert not draft_path.exists() and not report.draft_file  # one copy from now on: the public one
    download = client.get(reverse("transparency-report-download", args=[report.pk]))
    assert download.status_code == 200
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == report.sha256
    served = client.get(f"{served_media}reports/{report.file.name}")
    assert served.status_code == 200 and b"".join(served.streaming_content) == public.read_bytes()
    client.force_login(people.approver)
    preview = client.get(preview_url(report))
    assert hashlib.sha256(b"".join(preview.streaming_content)).hexdigest() == report.sha256


def test_a_second_publication_of_the_same_bytes_cannot_overwrite(books, people, media):
    report = publish(books, people)
    public = Path(media) / "reports" / report.file.name
    before = public.read_bytes()
    with pytest.raises(publishing.ReportError, match="published already"):
        publishing.publish_report(report=report, by=people.approver)
    storage = PublicReportStorage()
    with pytest.raises(FileExistsError):
        storage.save(report.file.name, ContentFile(before))
    assert public.read_bytes() == before


def test_a_different_file_under_the_public_name_is_never_replaced_and_nothing_is_published(books, people, media):
    report = rendered(books, people)
    PublicReportStorage().save(report.draft_file.name, ContentFile(b"%PDF-1.7 someone else's"))
    with pytest.raises(publishing.ReportError, match="SHA-256 differs"):
        publishing.publish_report(report=report, by=people.approver)
    report.refresh_from_db()
    assert report.status == "ready" and not report.file and report.draft_file
    assert (Path(media) / "reports" / report.draft_file.name).read_bytes() == b"%PDF-1.7 someone else's"


def test_a_copy_left_by_a_crashed_publication_is_reused_when_it_is_the_same_bytes(books, people, media):
    report = rendered(books, people)
    PublicReportStorage().save(report.draft_file.name, ContentFile(publishing.stored_bytes(report)))
    published = publishing.publish_report(report=report, by=people.approver)
    assert published.status == "published" and published.file.name == report.draft_file.name


def test_a_publication_that_does_not_commit_leaves_no_public_copy(books, people, media, monkeypatch):
    from types import SimpleNamespace

    report = rendered(books, people)

    def database_gone():
        raise RuntimeError("the database went away")

    # Fails after the public copy is written, while the row is being published.
    monkeypatch.setattr(publishing, "timezone", SimpleNamespace(now=database_gone))
    with pytest.raises(RuntimeError):
        publishing.publish_report(report=report, by=people.approver)
    report.refresh_from_db()
    assert report.status == "ready" and report.draft_file and not report.file
    assert files_under(media) == []


def test_refused_and_superseded_drafts_never_reach_media_root(books, people, media):
    from tests.donations import finance

    first, other = rendered(books, people), rendered(books, people)
    publishing.publish_report(report=first, by=people.approver)
    with pytest.raises(publishing.ReportError, match="must supersede"):
        publishing.publish_report(report=other, by=people.approver)
    # A draft refused at publication: a private value recorded since appears in it.
    refused = rendered(books, people, language="uk")
    finance.record(books.team, case_reference="Pharmacy Zdorovya", notes="Seen in Kharkiv Oblast")
    with pytest.raises(publishing.ReportError, match="private value"):
        publishing.publish_report(report=refused, by=people.approver)

    first.refresh_from_db()
    assert [path.name for path in files_under(media)] == [first.file.name]
    for draft in (other, refused):
        draft.refresh_from_db()
        assert draft.status == "ready" and not draft.file
        assert (Path(report_drafts_root()) / draft.draft_file.name).is_file()


def test_drafts_root_may_not_be_inside_media_root(settings, media):
    settings.REPORT_DRAFTS_ROOT = Path(media) / "drafts"
    with pytest.raises(ImproperlyConfigured, match="MEDIA_ROOT"):
        ReportDraftStorage().save("x.pdf", ContentFile(b"%PDF-"))


def test_migration_0010_moves_existing_drafts_out_of_media_root_and_back(db, media, people, books):
    from django.apps import apps

    migration = importlib.import_module("donations.migrations.0011_report_drafts_private")
    public = PublicReportStorage()
    pdf = b"%PDF-1.7 a draft rendered by the earlier code"
    public.save("2026-09-en-2-0123456789ab.pdf", ContentFile(pdf))
    waiting = PublishedReport.objects.create(
        period="2026-09", language="en", status="ready", file="2026-09-en-2-0123456789ab.pdf",
        sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf),
    )
    lost = PublishedReport.objects.create(period="2026-09", language="uk", status="ready", file="gone.pdf")
    published = publish(books, people)

    migration.move_drafts_to_private_storage(apps, None)
    waiting.refresh_from_db()
    lost.refresh_from_db()
    assert not waiting.file and waiting.draft_file.name == "2026-09-en-2-0123456789ab.pdf"
    assert (Path(report_drafts_root()) / waiting.draft_file.name).read_bytes() == pdf
    assert publishing.stored_bytes(waiting) == pdf
    assert [path.name for path in files_under(media)] == [published.file.name]
    assert (lost.status, lost.file.name, lost.draft_file.name) == ("failed", "", "")
    assert "render it again" in lost.error
    assert PublishedReport.objects.get(pk=published.pk).file.name == published.file.name

    migration.move_drafts_to_private_storage(apps, None)  # a second run finds nothing to move
    assert PublishedReport.objects.get(pk=waiting.pk).draft_file.name == waiting.draft_file.name

    migration.move_drafts_back_to_media(apps, None)
    waiting.refresh_from_db()
    assert waiting.file.name == "2026-09-en-2-0123456789ab.pdf" and not waiting.draft_file
    assert (Path(media) / "reports" / waiting.file.name).read_bytes() == pdf
    assert files_under(report_drafts_root()) == []
