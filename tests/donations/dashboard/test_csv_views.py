"""The finance workspace's CSV pages (donations/dashboard/csv_views.py) and their filters (filters.py)."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from donations import import_jobs
from donations.disbursement_csv import TEMPLATE_COLUMNS, template_csv
from donations.disbursements import submit_disbursement
from donations.import_jobs import run_import_job
from donations.models import AuditLogEntry, Disbursement, DisbursementImport
from tests.donations.finance import VOLUNTEER, ensure_vocabulary, finance_team, make_user, record

pytestmark = pytest.mark.urls("tests.donations.dashboard.csv_urls")

IMPORT = "finance-dashboard:disbursement-import"
TEMPLATE = "finance-dashboard:disbursement-template"
EXPORT = "finance-dashboard:disbursement-export"
JOB = "finance-dashboard:disbursement-import-job"



@pytest.fixture(autouse=True)
def _english(client):
    """These pages have no language prefix: ask for English, as the messages below are asserted in English."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def staff(user):
    """The workspace opens only to staff holding the permission (donations.dashboard.permissions)."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    """Uploaded files go to a private directory of this test's own."""
    settings.EVIDENCE_ROOT = tmp_path / "evidence"


@pytest.fixture
def team(books):
    ensure_vocabulary()
    team = finance_team()
    staff(team.volunteer)
    return team


def upload(*rows: dict[str, str], name: str = "march.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_COLUMNS)
    for values in rows:
        writer.writerow([values.get(column, "") for column in TEMPLATE_COLUMNS])
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


def row(**overrides: str) -> dict[str, str]:
    values = {
        "paid_on": "2025-03-10",
        "amount": "100.00",
        "currency": "EUR",
        "category": "medicine",
        "region": "occupied",
        "people_helped": "3",
        "public_description": "medicines",
        "payee_name": "Pharmacy Zdorovya LLC",
        "payee_is_organisation": "yes",
    }
    values.update(overrides)
    return values


def exported_ids(response) -> list[int]:
    text = b"".join(response.streaming_content).decode().removeprefix("\ufeff")
    return [int(values["id"]) for values in csv.DictReader(io.StringIO(text, newline=""))]


# --- Permissions -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", [IMPORT, TEMPLATE, EXPORT])
def test_anonymous_visitors_are_sent_to_log_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url_name", [IMPORT, TEMPLATE, EXPORT])
def test_users_without_a_finance_permission_or_staff_status_are_refused(client, team, url_name):
    client.force_login(staff(make_user("shop-staff")))
    assert client.get(reverse(url_name)).status_code == 403
    client.force_login(make_user("customer-with-rights", *VOLUNTEER, "view_disbursement"))
    assert client.get(reverse(url_name)).status_code == 403


def test_a_reader_may_download_and_export_but_not_import(client, team):
    client.force_login(staff(make_user("reader", "view_disbursement")))
    assert client.get(reverse(TEMPLATE)).status_code == 200
    assert client.get(reverse(EXPORT)).status_code == 200
    assert client.get(reverse(IMPORT)).status_code == 403
    assert client.post(reverse(IMPORT), {"file": upload(row())}).status_code == 403
    assert Disbursement.objects.count() == 0


# --- Import --------------------------------------------------------------------------


def test_the_import_page_links_the_template_and_lists_the_codes(client, team):
    client.force_login(team.volunteer)
    response = client.get(reverse(IMPORT))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse(TEMPLATE) in page
    for code in ("medicine", "food-packages", "humanitarian-aid", "kharkiv", "occupied", "payee_is_organisation"):
        assert f"<code>{code}</code>" in page


def uploaded(client, data) -> DisbursementImport:
    """POST the form; it answers at once with a redirect to the queued import's page."""
    response = client.post(reverse(IMPORT), data)
    assert response.status_code == 302, response.content[:500]
    job = DisbursementImport.objects.latest("id")
    assert response["Location"] == reverse(JOB, kwargs={"pk": job.pk})
    assert job.status == DisbursementImport.Status.QUEUED
    return job


def test_an_upload_answers_at_once_and_the_import_page_shows_what_was_recorded(client, team):
    client.force_login(team.volunteer)
    job = uploaded(client, {"file": upload(row(), row(amount="20.00")), "submit": "on"})
    assert Disbursement.objects.count() == 0  # Nothing yet: the import runs in the background.
    waiting = client.get(reverse(JOB, kwargs={"pk": job.pk}))
    assert '<meta http-equiv="refresh"' in waiting.content.decode() and 'role="progressbar"' in waiting.content.decode()

    run_import_job(job.pk)
    assert list(Disbursement.objects.order_by("id").values_list("amount_minor", "status", "recorded_by")) == [
        (10000, "submitted", team.volunteer.pk),
        (2000, "submitted", team.volunteer.pk),
    ]
    page = client.get(reverse(JOB, kwargs={"pk": job.pk})).content.decode()
    assert "2 disbursements recorded and submitted for approval." in page
    assert f"?imported={job.pk}" in page and 'http-equiv="refresh"' not in page


def test_the_link_on_the_import_page_lists_exactly_what_it_recorded(client, team):
    from donations.dashboard.filters import filter_disbursements

    earlier = record(team, amount="55.00")
    client.force_login(team.volunteer)
    job = uploaded(client, {"file": upload(row(), row(amount="20.00"))})
    assert run_import_job(job.pk).status == DisbursementImport.Status.DONE
    record(team, amount="30.00")
    listed = filter_disbursements(Disbursement.objects.all(), {"imported": str(job.pk)})
    assert sorted(listed.values_list("amount_minor", flat=True)) == [2000, 10000]
    assert earlier.pk not in listed.values_list("pk", flat=True)


def test_a_bad_upload_keeps_nothing_and_its_page_shows_every_row_error(client, team):
    client.force_login(team.volunteer)
    rows = [row(), row(amount="-3"), row(), row(region="Olena Kovalenko", currency="Kovalenko")]
    job = uploaded(client, {"file": upload(*rows)})
    assert run_import_job(job.pk).status == DisbursementImport.Status.FAILED
    assert Disbursement.objects.count() == 0 and AuditLogEntry.objects.count() == 0
    response = client.get(reverse(JOB, kwargs={"pk": job.pk}))
    assert response.status_code == 200
    assert [(error.row, error.column) for error in response.context["errors"]] == [
        (3, "amount"),
        (5, "currency"),
        (5, "region"),
    ]
    page = response.content.decode()
    assert 'id="import_errors"' in page and "<td>amount</td>" in page and "<td>5</td>" in page
    assert "Kovalenko" not in page
    assert 'id="import_form"' in page  # Upload the corrected file from here.


def test_a_file_that_is_not_utf8_is_refused_on_the_import_page(client, team):
    client.force_login(team.volunteer)
    file = SimpleUploadedFile("march.csv", "paid_on;сума\n".encode("cp1251"), content_type="text/csv")
    job = uploaded(client, {"file": file})
    run_import_job(job.pk)
    response = client.get(reverse(JOB, kwargs={"pk": job.pk}))
    assert "not UTF-8" in response.context["errors"][0].message


def test_a_file_over_the_limit_is_refused_at_once_unstored(client, team, monkeypatch):
    monkeypatch.setattr(import_jobs, "MAX_FILE_BYTES", 100)
    client.force_login(team.volunteer)
    response = client.post(reverse(IMPORT), {"file": upload(row(), row())})
    assert response.status_code == 400 and "larger than" in response.context["errors"][0].message
    assert DisbursementImport.objects.count() == 0


def test_check_only_records_nothing_and_says_every_row_is_valid(client, team):
    client.force_login(team.volunteer)
    job = uploaded(client, {"file": upload(row(), row(amount="20.00")), "dry_run": "on"})
    assert run_import_job(job.pk).status == DisbursementImport.Status.DONE
    assert Disbursement.objects.count() == 0
    page = client.get(reverse(JOB, kwargs={"pk": job.pk})).content.decode()
    assert "All 2 rows are valid. Nothing was recorded (check only)." in page


def test_likely_repeats_are_refused_then_imported_once_the_volunteer_confirms(client, team):
    client.force_login(team.volunteer)
    run_import_job(uploaded(client, {"file": upload(row())}).pk)
    again = uploaded(client, {"file": upload(row())})
    run_import_job(again.pk)
    response = client.get(reverse(JOB, kwargs={"pk": again.pk}))
    assert "already recorded with the same date" in response.context["errors"][0].message
    assert response.context["repeats"] and 'id="import_repeats_hint"' in response.content.decode()
    assert response.context["form"].initial == {"submit": False, "allow_duplicates": False}
    confirmed = uploaded(client, {"file": upload(row()), "allow_duplicates": "on"})
    assert run_import_job(confirmed.pk).status == DisbursementImport.Status.DONE
    assert Disbursement.objects.count() == 2


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"exchange_rate": "1e30", "currency": "UAH", "rate_source": "NBU", "rate_date": "2025-03-01"},
         "exchange_rate", "at most 9\u00a0999\u00a0999\u00a0999.9999999999"),
        ({"amount": "9" * 40}, "amount", "at most 92\u00a0233\u00a0720\u00a0368\u00a0547\u00a0758.07 EUR"),
        ({"amount": "NaN"}, "amount", "Not an amount"),
        ({"payee_name": "Apteka\x00"}, "payee_name", "NUL character"),
    ],
)
def test_a_bad_value_is_a_row_error_on_the_import_page_never_a_500(client, team, cells, column, message):
    client.force_login(team.volunteer)
    job = uploaded(client, {"file": upload(row(), row(**cells))})
    run_import_job(job.pk)
    response = client.get(reverse(JOB, kwargs={"pk": job.pk}))
    assert response.status_code == 200
    assert [(error.row, error.column) for error in response.context["errors"]] == [(3, column)]
    assert message in response.context["errors"][0].message
    assert "amount_minor" not in response.content.decode() and Disbursement.objects.count() == 0


def test_a_volunteer_sees_only_their_own_imports_and_an_approver_sees_all(client, team):
    client.force_login(team.volunteer)
    job = uploaded(client, {"file": upload(row())})
    other = staff(make_user("other-volunteer", *VOLUNTEER))
    client.force_login(other)
    assert client.get(reverse(JOB, kwargs={"pk": job.pk}), follow=True).status_code == 404
    assert job.pk not in [recent.pk for recent in client.get(reverse(IMPORT)).context["recent"]]
    client.force_login(staff(team.approver))
    assert client.get(reverse(JOB, kwargs={"pk": job.pk})).status_code == 200
    client.force_login(staff(make_user("reader", "view_disbursement")))
    assert client.get(reverse(JOB, kwargs={"pk": job.pk})).status_code == 403


def test_posting_without_a_file_shows_the_form_again(client, team):
    client.force_login(team.volunteer)
    response = client.post(reverse(IMPORT), {})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors


# --- Template and export -------------------------------------------------------------


def test_the_template_downloads_as_an_attachment(client, team):
    client.force_login(team.volunteer)
    response = client.get(reverse(TEMPLATE))
    assert response["Content-Disposition"] == 'attachment; filename="disbursements-template.csv"'
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode() == template_csv()


def test_the_export_streams_every_disbursement_privately(client, team):
    drafted = record(team, notes="Insulin for the family in Oleshky")
    client.force_login(team.volunteer)
    response = client.get(reverse(EXPORT))
    assert response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="disbursements-')
    assert response["Cache-Control"] == "no-store"
    text = b"".join(response.streaming_content).decode()
    assert "Insulin for the family in Oleshky" in text and str(drafted.pk) in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"eur", "uah", "food", "submitted"}),
        ({"status": "submitted"}, {"submitted"}),
        ({"category": "food"}, {"food"}),
        ({"region": "kharkiv"}, {"uah"}),
        ({"currency": "uah"}, {"uah"}),
        ({"paid_from": "2025-03-05"}, {"eur", "submitted"}),
        ({"paid_to": "2025-03-04"}, {"uah", "food"}),
        ({"paid_from": "2025-03-02", "paid_to": "2025-03-04", "currency": "UAH"}, {"uah"}),
        ({"category": "medicine", "status": "draft", "region": "occupied"}, {"eur"}),
    ],
)
def test_the_export_honours_the_list_filters(client, team, query, expected):
    made = {
        "eur": record(team, paid_on=datetime.date(2025, 3, 10)),
        "uah": record(
            team,
            paid_on=datetime.date(2025, 3, 3),
            amount="500.00",
            currency="UAH",
            exchange_rate="0.0225",
            rate_source="NBU",
            rate_date=datetime.date(2025, 3, 3),
            region="kharkiv",
        ),
        "food": record(team, paid_on=datetime.date(2025, 3, 1), category="food", public_description="food-packages"),
        "submitted": record(team, paid_on=datetime.date(2025, 3, 6)),
    }
    submit_disbursement(disbursement=made["submitted"], by=team.volunteer)
    client.force_login(team.volunteer)
    response = client.get(reverse(EXPORT), query)
    assert response.status_code == 200
    assert set(exported_ids(response)) == {made[name].pk for name in expected}


@pytest.mark.parametrize(
    "query",
    [
        {"status": "paid"},
        {"category": "weapons"},
        {"currency": "XYZ"},
        {"paid_from": "2025-13-01"},
        {"paid_from": "2025-03-10", "paid_to": "2025-03-01"},
    ],
)
def test_an_export_with_a_bad_filter_is_refused_not_widened(client, team, query):
    record(team)
    client.force_login(staff(make_user("exporter", *VOLUNTEER)))
    response = client.get(reverse(EXPORT), query)
    assert response.status_code == 400
    assert b"Check the filters" in response.content


def test_the_export_honours_needs_my_approval(client, team):
    mine = record(team, by=team.approver, paid_on=datetime.date(2025, 3, 6))
    theirs = record(team, paid_on=datetime.date(2025, 3, 7))
    record(team, paid_on=datetime.date(2025, 3, 8))  # a draft: nobody's to approve yet
    submit_disbursement(disbursement=mine, by=team.approver)
    submit_disbursement(disbursement=theirs, by=team.volunteer)
    client.force_login(staff(team.approver))
    response = client.get(reverse(EXPORT), {"mine": "on"})
    assert response.status_code == 200
    assert set(exported_ids(response)) == {theirs.pk}
