"""Disbursement pages: record, edit, submit, approve, reject and post through the workspace, four eyes kept."""

from __future__ import annotations

import datetime

import pytest

from donations import disbursements
from donations.models import AuditLogEntry, Disbursement
from tests.donations.dashboard.conftest import login, messages_of, url
from tests.donations.finance import approved, disbursement_input, record, sell

FORM = {
    "paid_on": "2025-03-10",
    "amount": "120.50",
    "currency": "EUR",
    "exchange_rate": "",
    "rate_source": "",
    "rate_date": "",
    "category": "medicine",
    "region": "kherson",
    "people_helped": "4",
    "public_description": "medicines",
    "concerns_case": "on",
    "notes": "Insulin for the family in Oleshky, call Halyna",
    "case_reference": "CASE-OLESHKY-17",
    "payee_name": "Pharmacy Zdorovya LLC",
    "payee_is_organisation": "on",
}


def submitted(team, **overrides) -> Disbursement:
    disbursement = record(team, **overrides)
    return disbursements.submit_disbursement(disbursement=disbursement, by=team.volunteer)


def reload(disbursement: Disbursement) -> Disbursement:
    return Disbursement.objects.get(pk=disbursement.pk)


# --- Recording and editing ------------------------------------------------------------


@pytest.mark.django_db
def test_a_volunteer_records_a_draft_through_the_form(client, team):
    login(client, team.volunteer)
    response = client.post(url("disbursement-create"), FORM)

    disbursement = Disbursement.objects.get()
    assert response.status_code == 302 and response["Location"] == url("disbursement-detail", pk=disbursement.pk)
    assert (disbursement.status, disbursement.amount_minor, disbursement.currency) == ("draft", 12050, "EUR")
    assert (disbursement.region, disbursement.people_helped, disbursement.recorded_by) == ("kherson", 4, team.volunteer)
    assert disbursement.concerns_case and disbursement.payee_is_organisation and not disbursement.payee_public
    assert disbursement.notes == FORM["notes"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "0"}, "amount", "must be more than zero"),
        ({"amount": "-25.00"}, "amount", "must be more than zero"),
        ({"currency": "XYZ"}, "currency", "Unknown currency 'XYZ'"),
        ({"currency": "UAH", "amount": "4100.00"}, "exchange_rate", "needs its exchange rate to EUR"),
        ({"people_helped": "none"}, "people_helped", "whole number above zero"),
        ({"category": "unicorns"}, "category", "no such aid category"),
    ],
)
def test_a_bad_form_shows_the_error_on_its_field_and_keeps_everything_typed(client, team, changes, field, message):
    login(client, team.volunteer)
    data = {**FORM, **changes}
    response = client.post(url("disbursement-create"), data)

    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert set(form.errors) == {field}
    page = response.content.decode()
    for name in ("amount", "currency", "notes", "payee_name", "case_reference"):
        assert data[name].replace("'", "&#x27;") in page, name
    assert Disbursement.objects.count() == 0


@pytest.mark.django_db
def test_a_rate_with_its_source_and_date_records_the_ledger_amount(client, team):
    login(client, team.volunteer)
    data = {
        **FORM,
        "currency": "UAH",
        "amount": "4100.00",
        "exchange_rate": "0.0225",
        "rate_source": "NBU",
        "rate_date": "2025-03-10",
    }
    assert client.post(url("disbursement-create"), data).status_code == 302
    disbursement = Disbursement.objects.get()
    assert (disbursement.amount_minor, disbursement.ledger_amount_minor, disbursement.ledger_currency) == (
        410000,
        9225,
        "EUR",
    )


@pytest.mark.django_db
def test_a_draft_is_edited_and_the_form_starts_with_its_values(client, team):
    disbursement = record(team)
    login(client, team.volunteer)
    page = client.get(url("disbursement-edit", pk=disbursement.pk))
    assert page.context["form"].initial["amount"] == "100.00"
    assert page.context["form"].initial["category"] == "medicine"

    data = {**page.context["form"].initial, "people_helped": "7", "amount": "101.00"}
    data = {key: ("on" if value is True else value) for key, value in data.items() if value is not False}
    response = client.post(url("disbursement-edit", pk=disbursement.pk), data)

    assert response.status_code == 302
    disbursement = reload(disbursement)
    assert (disbursement.people_helped, disbursement.amount_minor) == (7, 10100)
    assert disbursement.notes == disbursement_input()["notes"]  # Untouched fields keep their value.
    update = AuditLogEntry.objects.filter(disbursement=disbursement, action="updated").get()
    assert sorted(update.fields) == ["amount_minor", "ledger_amount_minor", "people_helped"]


@pytest.mark.django_db
def test_a_posted_disbursement_offers_no_edit(client, team):
    sell("100001", 50_000)
    disbursement = approved(team)
    disbursements.post_disbursement(disbursement=disbursement, by=team.second_approver)
    login(client, team.volunteer)
    detail = client.get(url("disbursement-detail", pk=disbursement.pk)).content.decode()
    assert 'id="edit_button"' not in detail
    response = client.get(url("disbursement-edit", pk=disbursement.pk), follow=True)
    assert "posted or rejected cannot be edited" in " ".join(messages_of(response))


def edit_form(client, disbursement: Disbursement, **changes) -> dict:
    """The edit form as the page fills it, with ``changes`` typed over it."""
    initial = client.get(url("disbursement-edit", pk=disbursement.pk)).context["form"].initial
    data = {**initial, **changes}
    return {key: ("on" if value is True else value) for key, value in data.items() if value is not False}


@pytest.mark.django_db
def test_editing_a_submitted_disbursement_warns_and_sends_it_back_to_draft(client, team):
    disbursement = submitted(team)
    login(client, team.volunteer)
    page = client.get(url("disbursement-edit", pk=disbursement.pk)).content.decode()
    assert 'id="edit_reopens"' in page

    response = client.post(url("disbursement-edit", pk=disbursement.pk),
                           edit_form(client, disbursement, people_helped="9"), follow=True)

    assert "back in draft" in " ".join(messages_of(response))
    disbursement = reload(disbursement)
    assert (disbursement.status, disbursement.people_helped) == ("draft", 9)


# --- Four eyes ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_volunteer_submits_but_sees_no_approve_button_and_cannot_approve(client, team):
    disbursement = record(team)
    login(client, team.volunteer)
    detail = client.get(url("disbursement-detail", pk=disbursement.pk)).content.decode()
    assert 'id="submit_button"' in detail

    response = client.post(url("disbursement-submit", pk=disbursement.pk), follow=True)
    assert "submitted for approval" in " ".join(messages_of(response))
    assert reload(disbursement).status == "submitted"

    detail = client.get(url("disbursement-detail", pk=disbursement.pk)).content.decode()
    assert 'id="approve_button"' not in detail and 'id="reject_button"' not in detail
    assert client.post(url("disbursement-approve", pk=disbursement.pk)).status_code == 403
    assert client.post(url("disbursement-reject", pk=disbursement.pk), {"reason": "x"}).status_code == 403
    assert client.post(url("disbursement-post", pk=disbursement.pk)).status_code == 403
    assert reload(disbursement).status == "submitted"


@pytest.mark.django_db
def test_an_approver_cannot_approve_their_own_disbursement(client, team):
    disbursement = submitted(team, by=team.approver)
    login(client, team.approver)
    detail = client.get(url("disbursement-detail", pk=disbursement.pk)).content.decode()
    assert 'id="approve_button"' not in detail and 'id="reject_button"' not in detail
    assert "Recorded or changed by you — someone who did neither must approve and post it." in detail

    response = client.post(url("disbursement-approve", pk=disbursement.pk), follow=True)

    assert "you cannot approve it" in " ".join(messages_of(response))
    disbursement = reload(disbursement)
    assert (disbursement.status, disbursement.approved_by) == ("submitted", None)
    assert not AuditLogEntry.objects.filter(disbursement=disbursement, action="approved").exists()


@pytest.mark.django_db
def test_the_probe_an_approver_who_edited_a_volunteers_draft_cannot_approve_it_through_the_pages(client, team):
    """Edit the payee and amount of someone else's draft, submit, approve: refused at the last step."""
    disbursement = record(team)
    login(client, team.approver)
    client.post(url("disbursement-edit", pk=disbursement.pk),
                edit_form(client, disbursement, payee_name="Approver's own account", amount="4321.87"))
    client.post(url("disbursement-submit", pk=disbursement.pk))
    assert reload(disbursement).status == "submitted"
    detail = client.get(url("disbursement-detail", pk=disbursement.pk)).content.decode()
    assert 'id="approve_button"' not in detail and "Recorded or changed by you" in detail
    assert "Changed by" in detail and "approver" in detail
    listed = client.get(url("disbursement-list"), {"mine": "on"}).context["rows"]
    assert disbursement.pk not in [row.disbursement.pk for row in listed]

    response = client.post(url("disbursement-approve", pk=disbursement.pk), follow=True)

    assert "You changed this disbursement, so you cannot approve it" in " ".join(messages_of(response))
    assert (reload(disbursement).status, reload(disbursement).approved_by) == ("submitted", None)
    login(client, team.second_approver)
    client.post(url("disbursement-approve", pk=disbursement.pk))
    assert reload(disbursement).approved_by == team.second_approver


@pytest.mark.django_db
def test_a_second_approver_approves_and_posts(client, team):
    sell("100001", 50_000)
    disbursement = submitted(team, by=team.approver)
    login(client, team.second_approver)
    detail = client.get(url("disbursement-detail", pk=disbursement.pk)).content.decode()
    assert 'id="approve_button"' in detail and "Recorded or changed by you" not in detail

    client.post(url("disbursement-approve", pk=disbursement.pk))
    assert reload(disbursement).approved_by == team.second_approver
    response = client.post(url("disbursement-post", pk=disbursement.pk), follow=True)

    disbursement = reload(disbursement)
    assert disbursement.status == "posted" and disbursement.posted_by == team.second_approver
    assert f"entry #{disbursement.posted_entry.sequence}" in " ".join(messages_of(response))
    detail = response.content.decode()
    assert "100001" in detail  # Funded by that order's proceeds.
    assert url("ledger-entry", sequence=disbursement.posted_entry.sequence) in detail


@pytest.mark.django_db
def test_posting_without_enough_proceeds_says_so_and_changes_nothing(client, team):
    sell("100001", 5_000)
    disbursement = approved(team)
    login(client, team.second_approver)
    response = client.post(url("disbursement-post", pk=disbursement.pk), follow=True)
    assert "50.00 EUR short" in " ".join(messages_of(response))
    assert reload(disbursement).status == "approved"


@pytest.mark.django_db
def test_a_rejection_needs_a_reason_and_keeps_it_privately(client, team):
    disbursement = submitted(team)
    login(client, team.approver)
    response = client.post(url("disbursement-reject", pk=disbursement.pk), {"reason": "  "})
    assert response.status_code == 200
    assert "Say why" in " ".join(response.context["form"].errors["reason"])
    assert reload(disbursement).status == "submitted"

    response = client.post(
        url("disbursement-reject", pk=disbursement.pk), {"reason": "Receipt is for another family"}, follow=True
    )
    disbursement = reload(disbursement)
    assert (disbursement.status, disbursement.rejected_by) == ("rejected", team.approver)
    assert "Receipt is for another family" in response.content.decode()  # The private page shows it.
    assert "another family" not in " ".join(AuditLogEntry.objects.values_list("summary", flat=True))


@pytest.mark.django_db
def test_steps_out_of_order_are_refused_with_a_message(client, team):
    disbursement = record(team)
    login(client, team.approver)
    response = client.post(url("disbursement-post", pk=disbursement.pk), follow=True)
    assert "cannot be posted" in " ".join(messages_of(response))
    assert reload(disbursement).status == "draft"
    assert client.get(url("disbursement-approve", pk=disbursement.pk)).status_code == 405


# --- Earmarks ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_volunteer_earmarks_an_orders_proceeds_and_posting_honours_it(client, team):
    sell("100001", 50_000, day=1)
    sell("100002", 50_000, day=2)
    disbursement = record(team)
    login(client, team.volunteer)

    response = client.post(url("disbursement-earmark", pk=disbursement.pk), {"proceeds": "999", "amount": "10"})
    assert "No order's proceeds have this number." in " ".join(response.context["form"].errors["proceeds"])
    response = client.post(url("disbursement-earmark", pk=disbursement.pk), {"proceeds": "100002", "amount": "900"})
    assert "more than the disbursement" in " ".join(response.context["form"].non_field_errors())
    response = client.post(url("disbursement-earmark", pk=disbursement.pk), {"proceeds": "100002", "amount": "100"})
    assert response.status_code == 302

    disbursements.submit_disbursement(disbursement=disbursement, by=team.volunteer)
    disbursements.approve_disbursement(disbursement=disbursement, by=team.approver)
    disbursements.post_disbursement(disbursement=disbursement, by=team.approver)
    login(client, team.approver)
    funding = client.get(url("disbursement-detail", pk=disbursement.pk)).context["page"].funding
    assert [(share.order_number, share.amount.minor, share.earmarked) for share in funding] == [
        ("100002", 10_000, True)
    ]


# --- The list ---------------------------------------------------------------------------------


@pytest.fixture
def assorted(team):
    """Five disbursements that differ in one filter each."""
    return {
        "draft": record(team, paid_on=datetime.date(2025, 1, 5)),
        "food": record(team, category="food", public_description="food-packages", paid_on=datetime.date(2025, 2, 1)),
        "lviv": record(team, region="lviv", paid_on=datetime.date(2025, 2, 10)),
        "uah": record(
            team,
            currency="UAH",
            amount="4100.00",
            exchange_rate="0.0225",
            rate_source="NBU",
            rate_date=datetime.date(2025, 3, 1),
            paid_on=datetime.date(2025, 3, 1),
        ),
        "by_approver": submitted(team, by=team.approver, paid_on=datetime.date(2025, 3, 2)),
        "by_volunteer": submitted(team, paid_on=datetime.date(2025, 3, 3)),
    }


def listed(client, **query) -> list[int]:
    response = client.get(url("disbursement-list"), query)
    assert response.status_code == 200
    return [row.disbursement.pk for row in response.context["rows"]]


@pytest.mark.django_db
def test_the_list_filters_by_status_category_region_currency_and_dates(client, team, assorted):
    login(client, team.approver)
    pk = {name: disbursement.pk for name, disbursement in assorted.items()}
    assert listed(client) == [pk[name] for name in ("by_volunteer", "by_approver", "uah", "lviv", "food", "draft")]
    assert listed(client, status="submitted") == [pk["by_volunteer"], pk["by_approver"]]
    assert listed(client, category="food") == [pk["food"]]
    assert listed(client, region="lviv") == [pk["lviv"]]
    assert listed(client, currency="UAH") == [pk["uah"]]
    assert listed(client, paid_from="2025-02-01", paid_to="2025-02-28") == [pk["lviv"], pk["food"]]


@pytest.mark.django_db
def test_needs_my_approval_lists_what_others_submitted(client, team, assorted):
    login(client, team.approver)
    assert listed(client, mine="on") == [assorted["by_volunteer"].pk]
    login(client, team.second_approver)
    assert listed(client, mine="on") == [assorted["by_volunteer"].pk, assorted["by_approver"].pk]


@pytest.mark.django_db
def test_the_list_links_import_template_and_an_export_of_the_same_filters(client, team, assorted):
    login(client, team.volunteer)
    page = client.get(url("disbursement-list"), {"status": "draft", "region": "lviv", "page": "1"}).content.decode()
    assert url("disbursement-import") in page and url("disbursement-template") in page
    assert f'{url("disbursement-export")}?status=draft&amp;region=lviv&amp;"' in page


@pytest.mark.django_db
def test_the_list_is_paginated_newest_first(client, team):
    for day in range(1, 53):
        record(team, paid_on=datetime.date(2024, 12, 1) + datetime.timedelta(days=day))
    login(client, team.volunteer)
    first = client.get(url("disbursement-list")).context
    assert first["paginator"].num_pages == 2 and len(first["rows"]) == 50
    assert first["rows"][0].disbursement.paid_on == datetime.date(2025, 1, 22)
    second = client.get(url("disbursement-list"), {"page": 2}).context
    assert [row.disbursement.paid_on.day for row in second["rows"]] == [3, 2]


def test_an_approver_reverses_a_posted_disbursement_and_a_volunteer_cannot(client, team):
    from tests.donations.finance import posted

    sell("100001", 50_000)
    disbursement = posted(team)
    login(client, team.volunteer)
    assert 'id="reverse_button"' not in client.get(url("disbursement-detail", pk=disbursement.pk)).content.decode()
    assert client.post(url("disbursement-reverse", pk=disbursement.pk), {"reason": "x"}).status_code == 403

    login(client, team.approver)
    assert 'id="reverse_button"' in client.get(url("disbursement-detail", pk=disbursement.pk)).content.decode()
    refused = client.post(url("disbursement-reverse", pk=disbursement.pk), {"reason": " "}, follow=True)
    assert "Say why" in " ".join(messages_of(refused)) and reload(disbursement).status == "posted"

    response = client.post(url("disbursement-reverse", pk=disbursement.pk), {"reason": "Paid twice"}, follow=True)
    disbursement = reload(disbursement)
    assert disbursement.status == "reversed" and disbursement.reversed_by == team.approver
    assert f"entry #{disbursement.reversal_entry.sequence}" in " ".join(messages_of(response))
    assert 'id="reverse_button"' not in response.content.decode()


# --- Values of any size or form -------------------------------------------------------------

HUGE_VALUES = [
    ({"currency": "UAH", "rate_source": "NBU", "rate_date": "2025-03-10", "exchange_rate": "1e30"}, "exchange_rate",
     "at most 9\u00a0999\u00a0999\u00a0999.9999999999"),
    ({"currency": "UAH", "rate_source": "NBU", "rate_date": "2025-03-10", "exchange_rate": "1E+400"},
     "exchange_rate", "more than zero and at most 9\u00a0999"),
    ({"currency": "UAH", "rate_source": "NBU", "rate_date": "2025-03-10", "exchange_rate": "NaN"}, "exchange_rate",
     "more than zero"),
    ({"currency": "UAH", "rate_source": "NBU", "rate_date": "2025-03-10", "exchange_rate": "-0"}, "exchange_rate",
     "more than zero"),
    ({"currency": "UAH", "rate_source": "NBU", "rate_date": "2025-03-10", "exchange_rate": "0.00000000001"},
     "exchange_rate", "at most 10 decimal places"),
    ({"amount": "1e30"}, "amount", "at most 92\u00a0233\u00a0720\u00a0368\u00a0547\u00a0758.07 EUR"),
    ({"amount": "1E+999999999"}, "amount", "at most 92\u00a0233"),
    ({"amount": "9" * 29}, "amount", "at most 92\u00a0233"),  # The form takes 30 characters at most.
    ({"amount": "92233720368547758.08"}, "amount", "at most 92\u00a0233\u00a0720\u00a0368\u00a0547\u00a0758.07"),
    ({"amount": "Infinity"}, "amount", "Not an amount"),
    ({"amount": "-0"}, "amount", "more than zero"),
    ({"amount": "1.001"}, "amount", "more decimals than EUR allows"),
    ({"currency": "UAH", "amount": "92233720368547758.07", "exchange_rate": "2", "rate_source": "NBU",
      "rate_date": "2025-03-10"}, "amount", "the most the books can hold"),
    ({"people_helped": "9" * 12}, "people_helped", "at most 2\u00a0147\u00a0483\u00a0647"),
]


def english(path: str) -> str:
    """The page in English, whichever language reverse() was in, as the messages asserted are English."""
    return path.replace("/uk/", "/en/", 1)


@pytest.mark.django_db
@pytest.mark.parametrize(("changes", "field", "message"), HUGE_VALUES)
def test_an_amount_or_rate_of_any_size_is_an_error_on_its_field_not_a_500(client, team, changes, field, message):
    """The record form: a clear message naming the range, under the field, never amount_minor; nothing written."""
    login(client, team.volunteer)
    response = client.post(english(url("disbursement-create")), {**FORM, **changes})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {field}, errors
    assert message in " ".join(errors[field])
    assert "amount_minor" not in response.content.decode()
    assert Disbursement.objects.count() == 0


@pytest.mark.django_db
def test_the_edit_form_refuses_a_huge_rate_and_keeps_the_draft(client, team):
    disbursement = record(team)
    login(client, team.volunteer)
    data = {**FORM, "currency": "UAH", "exchange_rate": "1e30", "rate_source": "NBU", "rate_date": "2025-03-10"}
    response = client.post(english(url("disbursement-edit", pk=disbursement.pk)), data)
    assert response.status_code == 200
    assert "at most 9\u00a0999" in " ".join(response.context["form"].errors["exchange_rate"])
    assert reload(disbursement).currency == "EUR"


@pytest.mark.django_db
def test_the_range_message_is_in_the_volunteers_language(client, team):
    login(client, team.volunteer)
    response = client.post(url("disbursement-create").replace("/en/", "/uk/", 1), {**FORM, "amount": "1e30"})
    assert response.status_code == 200
    message = " ".join(response.context["form"].errors["amount"])
    assert "92\u00a0233\u00a0720\u00a0368\u00a0547\u00a0758.07" in message and "The amount" not in message
