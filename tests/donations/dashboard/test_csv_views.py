"""The finance workspace's CSV pages (donations/dashboard/csv_views.py) and their filters (filters.py)."""

import csv
import datetime
import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from donations.disbursement_csv import TEMPLATE_COLUMNS, template_csv
from donations.disbursements import submit_disbursement
from donations.models import AuditLogEntry, Disbursement
from tests.donations.finance import VOLUNTEER, ensure_vocabulary, finance_team, make_user, record

pytestmark = pytest.mark.urls("tests.donations.dashboard.csv_urls")

IMPORT = "finance-dashboard:disbursement-import"
TEMPLATE = "finance-dashboard:disbursement-template"
EXPORT = "finance-dashboard:disbursement-export"



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


def test_a_valid_upload_records_every_row_and_returns_to_the_list(client, team):
    client.force_login(team.volunteer)
    response = client.post(reverse(IMPORT), {"file": upload(row(), row(amount="20.00")), "submit": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("finance-dashboard:disbursement-list")
    assert list(Disbursement.objects.order_by("id").values_list("amount_minor", "status", "recorded_by")) == [
        (10000, "submitted", team.volunteer.pk),
        (2000, "submitted", team.volunteer.pk),
    ]
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "Recorded 2 disbursements and submitted them for approval."
    ]


def test_a_bad_upload_keeps_nothing_and_shows_every_row_error(client, team):
    client.force_login(team.volunteer)
    rows = [row(), row(amount="-3"), row(), row(region="Olena Kovalenko", currency="Kovalenko")]
    response = client.post(reverse(IMPORT), {"file": upload(*rows)})
    assert response.status_code == 400
    assert Disbursement.objects.count() == 0 and AuditLogEntry.objects.count() == 0
    assert [(error.row, error.column) for error in response.context["errors"]] == [
        (3, "amount"),
        (5, "currency"),
        (5, "region"),
    ]
    page = response.content.decode()
    assert 'id="import_errors"' in page and "<td>amount</td>" in page and "<td>5</td>" in page
    assert "Kovalenko" not in page


def test_a_file_that_is_not_utf8_is_refused_on_the_page(client, team):
    client.force_login(team.volunteer)
    file = SimpleUploadedFile("march.csv", "paid_on;сума\n".encode("cp1251"), content_type="text/csv")
    response = client.post(reverse(IMPORT), {"file": file})
    assert response.status_code == 400
    assert "not UTF-8" in response.context["errors"][0].message


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
