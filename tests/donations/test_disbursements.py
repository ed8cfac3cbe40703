"""Recording, approving, rejecting and posting disbursements (donations/disbursements.py)."""

import datetime
import json
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction

from donations import disbursements, ledger
from donations.allocation import InsufficientProceeds, unallocated_balance
from donations.models import (
    Account,
    AidCategory,
    Allocation,
    AuditLogEntry,
    Disbursement,
    JournalEntry,
    LogHead,
    PublicDescription,
)
from donations.money import Money
from donations.verification import verify_ledger
from tests.donations.finance import (
    PAID_ON,
    approved,
    ensure_vocabulary,
    eur,
    finance_team,
    make_user,
    posted,
    record,
    sell,
)

PRIVATE_VALUES = ("Oleshky", "Halyna", "+380 67 000 0000", "CASE-OLESHKY-17", "Pharmacy Zdorovya")


@pytest.fixture
def team(books):
    ensure_vocabulary()
    return finance_team()


def audit_text() -> str:
    return json.dumps(list(AuditLogEntry.objects.values("action", "fields", "summary")), ensure_ascii=False)


def assert_no_private_values(text: str) -> None:
    for value in PRIVATE_VALUES:
        assert value not in text


# --- Recording ---------------------------------------------------------------


def test_a_disbursement_is_recorded_as_a_draft_with_its_ledger_amount(team):
    disbursement = record(
        team, amount="41250.00", currency="uah", exchange_rate="0.0225", rate_source="NBU official rate",
        rate_date=datetime.date(2025, 3, 10),
    )
    assert disbursement.status == Disbursement.Status.DRAFT
    assert (disbursement.amount_minor, disbursement.currency) == (4125000, "UAH")
    # 41 250.00 × 0.0225 = 928.125 EUR, rounded half-up to the cent.
    assert (disbursement.ledger_amount_minor, disbursement.ledger_currency) == (92813, "EUR")
    assert disbursement.exchange_rate == Decimal("0.0225")
    assert disbursement.recorded_by == team.volunteer
    entry = AuditLogEntry.objects.get()
    assert (entry.action, entry.actor, entry.disbursement) == ("recorded", team.volunteer, disbursement)
    assert_no_private_values(audit_text())


def test_an_amount_in_the_ledger_currency_has_rate_one(team):
    disbursement = record(team, amount=eur(12345))
    assert disbursement.exchange_rate == 1 and disbursement.ledger_amount_minor == 12345
    assert disbursement.rate_source == "" and disbursement.rate_date is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": "0"}, "amount", "must be more than zero"),
        ({"amount": "-10.00"}, "amount", "must be more than zero"),
        ({"amount": eur(-1)}, "amount", "must be more than zero"),
        ({"amount": "10.001"}, "amount", "more decimals than EUR allows"),
        ({"amount": "ten"}, "amount", "Not an amount"),
        ({"amount": "Halyna, Oleshky"}, "amount", "give a number such as 1250.50"),
        ({"amount": ""}, "amount", "Say how much was paid"),
        ({"currency": "XYZ"}, "currency", "Unknown currency 'XYZ'"),
        ({"currency": ""}, "currency", "Say which currency was paid"),
        ({"currency": "UAH"}, "exchange_rate", "needs its exchange rate to EUR"),
        ({"exchange_rate": "1.1"}, "exchange_rate", "already in the ledger currency EUR: its exchange rate is 1"),
        ({"currency": "UAH", "exchange_rate": "0", "rate_source": "NBU", "rate_date": PAID_ON},
         "exchange_rate", "more than zero"),
        ({"currency": "UAH", "exchange_rate": "-0.02", "rate_source": "NBU", "rate_date": PAID_ON},
         "exchange_rate", "more than zero"),
        ({"currency": "UAH", "exchange_rate": "0.02250000001", "rate_source": "NBU", "rate_date": PAID_ON},
         "exchange_rate", "at most 10 decimal places"),
        ({"currency": "UAH", "exchange_rate": 0.0225, "rate_source": "NBU", "rate_date": PAID_ON},
         "exchange_rate", "not a float"),
        ({"currency": "UAH", "exchange_rate": "0.0225", "rate_date": PAID_ON}, "rate_source", "where the exchange"),
        ({"currency": "UAH", "exchange_rate": "0.0225", "rate_source": "NBU"}, "rate_date", "date of the exchange"),
        ({"currency": "UAH", "amount": "0.01", "exchange_rate": "0.0225", "rate_source": "NBU", "rate_date": PAID_ON},
         "amount", "less than the smallest unit of EUR"),
        ({"payee_is_organisation": False, "payee_public": True}, "payee_public", "a person never is"),
        ({"payee_name": "  "}, "payee_name", "Say who was paid"),
        ({"people_helped": 0}, "people_helped", "above zero"),
        ({"people_helped": True}, "people_helped", "above zero"),
        ({"region": "Oleshky"}, "region", "Unknown region: choose an oblast"),
        ({"category": "weapons"}, "category", "There is no such aid category"),
        ({"public_description": "food-packages"}, "public_description", "belongs to another aid category"),
        ({"public_description": "free text about a family"}, "public_description", "no such public description"),
        ({"currency": "Halyna from Oleshky"}, "currency", "Unknown currency this value"),
        ({"paid_on": datetime.date.today() + datetime.timedelta(days=2)}, "paid_on", "cannot be in the future"),
        ({"paid_on": "14/03/2025"}, "paid_on", "must be a date like 2025-03-14"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(team, overrides, field, message):
    with pytest.raises(ValidationError) as caught:
        record(team, **overrides)
    assert "Oleshky" not in str(caught.value.message_dict)  # Free text is never repeated back.
    assert field in caught.value.message_dict
    assert any(message in text for text in caught.value.message_dict[field]), caught.value.message_dict
    assert not Disbursement.objects.exists()
    assert not AuditLogEntry.objects.exists()


def test_every_mistake_is_reported_at_once(team):
    with pytest.raises(ValidationError) as caught:
        record(team, amount="-1", region="", people_helped=-3, payee_is_organisation=False, payee_public=True)
    assert set(caught.value.message_dict) == {"amount", "region", "people_helped", "payee_public"}


@pytest.mark.parametrize(("cell", "expected"), [("no", False), ("FALSE", False), ("0", False), ("yes", True)])
def test_spreadsheet_yes_and_no_are_read_not_cast(team, cell, expected):
    disbursement = record(team, concerns_case=cell)
    assert disbursement.concerns_case is expected


def test_a_yes_or_no_that_is_neither_is_refused(team):
    with pytest.raises(ValidationError, match="Say yes or no"):
        record(team, payee_public="maybe")


def test_an_inactive_category_is_not_offered_for_new_disbursements(team):
    AidCategory.objects.filter(code="medicine").update(is_active=False)
    with pytest.raises(ValidationError, match="no longer offered"):
        record(team)


def test_a_draft_can_be_edited_and_the_log_names_only_the_fields(team):
    disbursement = record(team)
    disbursements.update_disbursement(
        disbursement=disbursement, by=team.volunteer, notes="Now also for Oleshky neighbours", people_helped=5,
        amount="5000.00", currency="UAH", exchange_rate="0.0225", rate_source="NBU", rate_date=PAID_ON,
    )
    disbursement.refresh_from_db()
    assert (disbursement.people_helped, disbursement.currency, disbursement.ledger_amount_minor) == (5, "UAH", 11250)
    update = AuditLogEntry.objects.get(action="updated")
    assert set(update.fields) >= {"notes", "people_helped", "amount_minor", "currency", "ledger_amount_minor"}
    assert_no_private_values(audit_text())


def test_a_posted_or_rejected_disbursement_can_no_longer_be_edited(team):
    sell("100001", 50000)
    done = posted(team)
    with pytest.raises(ValidationError, match="posted to the ledger, so it cannot be edited"):
        disbursements.update_disbursement(disbursement=done, by=team.volunteer, people_helped=9)
    refused = record(team)
    disbursements.submit_disbursement(disbursement=refused, by=team.volunteer)
    disbursements.reject_disbursement(disbursement=refused, by=team.approver, reason="duplicate")
    with pytest.raises(ValidationError, match="rejected, so it cannot be edited"):
        disbursements.update_disbursement(disbursement=refused, by=team.volunteer, people_helped=9)


# --- Approval and rejection --------------------------------------------------------


def test_the_recorder_can_never_approve_their_own_disbursement(team):
    disbursement = record(team, by=team.approver)
    disbursements.submit_disbursement(disbursement=disbursement, by=team.approver)
    with pytest.raises(ValidationError, match="You recorded this disbursement, so you cannot approve it"):
        disbursements.approve_disbursement(disbursement=disbursement, by=team.approver)
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.SUBMITTED and disbursement.approved_by is None
    assert not AuditLogEntry.objects.filter(action="approved").exists()
    disbursements.approve_disbursement(disbursement=disbursement, by=team.second_approver)
    disbursement.refresh_from_db()
    assert (disbursement.status, disbursement.approved_by) == ("approved", team.second_approver)


def test_the_database_refuses_self_approval_even_past_the_service(team):
    disbursement = record(team)
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.filter(pk=disbursement.pk).update(approved_by=team.volunteer)


def test_full_clean_names_the_self_approval_rule(team):
    disbursement = record(team)
    disbursement.approved_by = team.volunteer
    with pytest.raises(ValidationError, match="recorded a disbursement cannot approve it"):
        disbursement.full_clean()


@pytest.mark.postgres
def test_postgresql_refuses_self_approval_through_raw_sql(team):
    disbursement = record(team)
    with pytest.raises(IntegrityError, match="donations_disbursement_not_self_approved"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE donations_disbursement SET status = 'approved', submitted_at = now(), approved_at = now(),"
                " approved_by_id = recorded_by_id WHERE id = %s",
                [disbursement.pk],
            )
    disbursement.refresh_from_db()
    assert disbursement.approved_by is None


def test_a_volunteer_cannot_approve_post_or_reject(team):
    disbursement = record(team)
    disbursements.submit_disbursement(disbursement=disbursement, by=team.volunteer)
    outsider = make_user("customer")
    for step in (disbursements.approve_disbursement, disbursements.post_disbursement):
        with pytest.raises(PermissionDenied, match="approve_disbursement|post_disbursement"):
            step(disbursement=disbursement, by=team.volunteer)
    with pytest.raises(PermissionDenied):
        disbursements.reject_disbursement(disbursement=disbursement, by=team.volunteer, reason="no")
    with pytest.raises(PermissionDenied):
        record(team, by=outsider)
    with pytest.raises(PermissionDenied):
        disbursements.submit_disbursement(disbursement=disbursement, by=None)


@pytest.mark.parametrize(
    ("step", "state"),
    [("approve", "draft"), ("post", "draft"), ("post", "submitted"), ("submit", "submitted"), ("reject", "draft")],
)
def test_steps_out_of_order_are_refused(team, step, state):
    disbursement = record(team)
    if state == "submitted":
        disbursements.submit_disbursement(disbursement=disbursement, by=team.volunteer)
    call = {
        "approve": lambda: disbursements.approve_disbursement(disbursement=disbursement, by=team.approver),
        "post": lambda: disbursements.post_disbursement(disbursement=disbursement, by=team.approver),
        "submit": lambda: disbursements.submit_disbursement(disbursement=disbursement, by=team.volunteer),
        "reject": lambda: disbursements.reject_disbursement(disbursement=disbursement, by=team.approver, reason="x"),
    }[step]
    with pytest.raises(ValidationError, match="so it cannot be"):
        call()
    disbursement.refresh_from_db()
    assert disbursement.status == state


def test_a_rejection_needs_a_reason_which_stays_out_of_the_log(team):
    disbursement = record(team)
    disbursements.submit_disbursement(disbursement=disbursement, by=team.volunteer)
    with pytest.raises(ValidationError, match="Say why"):
        disbursements.reject_disbursement(disbursement=disbursement, by=team.approver, reason="  ")
    disbursements.reject_disbursement(
        disbursement=disbursement, by=team.approver, reason="Receipt shows Halyna's full address"
    )
    disbursement.refresh_from_db()
    assert disbursement.status == "rejected" and disbursement.rejected_by == team.approver
    assert "Halyna" not in audit_text()
    with pytest.raises(ValidationError, match="rejected, so it cannot be approved"):
        disbursements.approve_disbursement(disbursement=disbursement, by=team.approver)


def test_an_approved_disbursement_can_still_be_rejected_before_posting(team):
    disbursement = approved(team)
    disbursements.reject_disbursement(disbursement=disbursement, by=team.second_approver, reason="Duplicate")
    disbursement.refresh_from_db()
    assert disbursement.status == "rejected"
    with pytest.raises(ValidationError, match="cannot be posted"):
        disbursements.post_disbursement(disbursement=disbursement, by=team.approver)


# --- Posting ------------------------------------------------------------------------


def test_posting_a_case_moves_the_amount_from_the_aid_fund_as_a_salted_commitment(team):
    sell("100001", 100000)
    disbursement = posted(team, amount="41250.00", currency="UAH", exchange_rate="0.0225", rate_source="NBU",
                          rate_date=PAID_ON)
    entry = disbursement.posted_entry
    assert disbursement.status == "posted" and disbursement.posted_by == team.approver
    assert entry.kind == "disbursement" and entry.concerns_case
    assert entry.idempotency_key == f"disbursement:{disbursement.pk}"
    assert ledger.entry_postings(entry) == [
        ("aid-spent:medicine", eur(92813)), ("bank", eur(-92813)),
        ("aid-fund", eur(92813)), ("proceeds-to-aid", eur(-92813)),
    ]
    assert ledger.account_balance("aid-fund", "EUR") == eur(-100000 + 92813)
    public = json.loads(entry.public_leaf)
    assert set(public) == {"case", "commitment", "kind", "sequence"}
    private = json.loads(entry.private_leaf)
    assert private["date"] == "2025-03-10"
    assert private["details"] == {
        "category": "medicine", "region": "occupied", "people_helped": 3, "description": "medicines",
        "paid_amount": 4125000, "paid_currency": "UAH", "exchange_rate": "0.0225",
    }
    for text in (entry.public_leaf, entry.private_leaf, entry.memo):
        assert_no_private_values(text)
    assert_no_private_values(audit_text())
    assert list(AuditLogEntry.objects.values_list("action", "actor__username")) == [
        ("recorded", "volunteer"), ("submitted", "volunteer"), ("approved", "approver"), ("posted", "approver"),
    ]
    assert verify_ledger().ok


def test_an_organisation_purchase_is_public_and_names_the_payee_only_when_allowed(team):
    sell("100001", 90000)
    shown = posted(team, concerns_case=False, payee_public=True, category="food", public_description="food-packages",
                   payee_name="Partner NGO Food Bank", amount="300.00")
    hidden = posted(team, concerns_case=False, payee_public=False, category="food",
                    public_description="humanitarian-aid", amount="200.00")
    shown_leaf = json.loads(shown.posted_entry.public_leaf)
    assert shown_leaf["date"] == "2025-03"  # Month only.
    assert shown_leaf["details"]["payee"] == "Partner NGO Food Bank"
    assert shown_leaf["postings"] == [
        {"account": "aid-spent:food", "amount": 30000, "currency": "EUR"},
        {"account": "bank", "amount": -30000, "currency": "EUR"},
        {"account": "aid-fund", "amount": 30000, "currency": "EUR"},
        {"account": "proceeds-to-aid", "amount": -30000, "currency": "EUR"},
    ]
    hidden_leaf = json.loads(hidden.posted_entry.public_leaf)
    assert "payee" not in hidden_leaf["details"]
    for text in (shown.posted_entry.public_leaf, hidden.posted_entry.public_leaf):
        assert "Oleshky" not in text and "CASE-OLESHKY" not in text and "Zdorovya" not in text
    assert verify_ledger().ok


def test_a_case_never_carries_the_payee_even_a_public_organisation(team):
    sell("100001", 90000)
    disbursement = posted(team, concerns_case=True, payee_public=True)
    assert "payee" not in json.loads(disbursement.posted_entry.private_leaf)["details"]


def test_posting_is_idempotent(team):
    sell("100001", 50000)
    disbursement = posted(team)
    again = disbursements.post_disbursement(disbursement=disbursement, by=team.second_approver)
    assert again == disbursement.posted_entry
    assert JournalEntry.objects.filter(kind="disbursement").count() == 1
    assert Allocation.objects.count() == 1
    assert AuditLogEntry.objects.filter(action="posted").count() == 1


def test_posting_without_enough_proceeds_writes_nothing(team):
    sell("100001", 6000)
    disbursement = approved(team, amount="100.00")
    size = LogHead.objects.get().size
    with pytest.raises(InsufficientProceeds) as caught:
        disbursements.post_disbursement(disbursement=disbursement, by=team.approver)
    assert caught.value.messages == [
        "Not enough unallocated proceeds to fund this disbursement: it needs 100.00 EUR, 60.00 EUR is available, "
        "40.00 EUR short"
    ]
    disbursement.refresh_from_db()
    assert disbursement.status == "approved" and disbursement.posted_entry is None
    assert LogHead.objects.get().size == size
    assert not JournalEntry.objects.filter(kind="disbursement").exists()
    assert not Allocation.objects.exists()
    assert not AuditLogEntry.objects.filter(action="posted").exists()
    assert ledger.account_balance("aid-fund", "EUR") == eur(-6000)
    assert unallocated_balance() == eur(6000)


def test_a_new_aid_category_gets_its_account_when_first_posted(team):
    sell("100001", 50000)
    category = AidCategory.objects.create(code="winter-clothing", name="Winter clothing")
    PublicDescription.objects.create(code="warm-clothes", text="Warm clothes", text_uk="Теплий одяг",
                                     category=category)
    disbursement = posted(team, category="winter-clothing", public_description="warm-clothes")
    assert Account.objects.get(code="aid-spent:winter-clothing").type == "expense"
    assert ledger.account_balance("aid-spent:winter-clothing", "EUR") == eur(disbursement.ledger_amount_minor)


# --- What only PostgreSQL enforces -----------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE donations_disbursement SET people_helped = 1",
        "DELETE FROM donations_disbursement",
        "UPDATE donations_allocation SET amount_minor = 1",
        "DELETE FROM donations_allocation",
        "UPDATE donations_auditlogentry SET summary = 'edited'",
        "DELETE FROM donations_auditlogentry",
    ],
)
def test_posted_disbursements_allocations_and_the_audit_log_cannot_be_rewritten(team, statement):
    sell("100001", 50000)
    posted(team)
    with pytest.raises(IntegrityError, match="refused"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_disbursements_racing_for_the_same_proceeds_cannot_both_be_funded():
    """Each posting locks the log head, then the aid fund: the second sees the first's allocation."""
    ledger.open_accounts()
    ensure_vocabulary()
    team = finance_team()
    sell("100001", 15000)
    first, second = approved(team, amount="100.00"), approved(team, amount="100.00")
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def post(disbursement):
        try:
            barrier.wait(timeout=10)
            disbursements.post_disbursement(disbursement=disbursement, by=team.approver)
            outcomes[disbursement.pk] = "posted"
        except InsufficientProceeds as exc:
            outcomes[disbursement.pk] = exc.messages[0]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(d,)) for d in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == [
        "Not enough unallocated proceeds to fund this disbursement: it needs 100.00 EUR, 50.00 EUR is available, "
        "50.00 EUR short",
        "posted",
    ]
    assert Allocation.objects.count() == 1
    assert unallocated_balance() == eur(5000) == -ledger.account_balance("aid-fund", "EUR")
    assert Money(10000, "EUR") == Money(
        sum(Allocation.objects.values_list("amount_minor", flat=True)), "EUR"
    )
    assert verify_ledger().ok


def test_a_posted_disbursement_is_corrected_by_a_reversal_that_releases_its_funding(team):
    sell("9001", 50_000)
    before = unallocated_balance("EUR")
    disbursement = posted(team)
    assert unallocated_balance("EUR") == before - Money(10_000, "EUR")

    entry = disbursements.reverse_disbursement(disbursement=disbursement, by=team.approver, reason="Paid twice")
    disbursement.refresh_from_db()
    assert disbursement.status == Disbursement.Status.REVERSED
    assert entry.reverses_id == disbursement.posted_entry_id and entry.concerns_case
    assert unallocated_balance("EUR") == before
    assert ledger.account_balance("aid-spent:medicine", "EUR") == Money(0, "EUR")
    # Again: the same reversal, nothing new.
    assert disbursements.reverse_disbursement(disbursement=disbursement, by=team.approver, reason="x") == entry
    assert JournalEntry.objects.filter(kind="reversal").count() == 1
    log = AuditLogEntry.objects.filter(disbursement=disbursement, action="reversed").get()
    assert "Paid twice" not in log.summary
    assert verify_ledger().ok


def test_a_reversal_needs_a_reason_a_posted_disbursement_and_the_permission(team):
    sell("9001", 50_000)
    disbursement = posted(team)
    with pytest.raises(ValidationError, match="Say why"):
        disbursements.reverse_disbursement(disbursement=disbursement, by=team.approver, reason="  ")
    with pytest.raises(PermissionDenied):
        disbursements.reverse_disbursement(disbursement=disbursement, by=team.volunteer, reason="wrong")
    draft = record(team)
    with pytest.raises(ValidationError, match="cannot be reversed"):
        disbursements.reverse_disbursement(disbursement=draft, by=team.approver, reason="wrong")
    assert JournalEntry.objects.filter(kind="reversal").count() == 0


@pytest.mark.postgres
def test_postgresql_lets_a_posted_disbursement_change_only_into_its_reversal(team):
    sell("9001", 50_000)
    disbursement = posted(team)
    refused = [
        ("UPDATE donations_disbursement SET amount_minor = 1 WHERE id = %s", [disbursement.pk]),
        ("UPDATE donations_disbursement SET status = 'reversed', reversal_reason = 'x', "
         "reversal_entry_id = posted_entry_id, amount_minor = 1 WHERE id = %s", [disbursement.pk]),
        ("DELETE FROM donations_disbursement WHERE id = %s", [disbursement.pk]),
    ]
    for statement, params in refused:
        with pytest.raises(IntegrityError, match="is posted in the ledger"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
    disbursements.reverse_disbursement(disbursement=disbursement, by=team.approver, reason="duplicate")
    with pytest.raises(IntegrityError, match="is reversed in the ledger"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE donations_disbursement SET reversal_reason = 'y' WHERE id = %s", [disbursement.pk])


def test_a_name_typed_in_the_currency_column_is_not_repeated_in_the_error(team):
    with pytest.raises(ValidationError) as refused:
        record(team, currency="Kovalenko")
    assert "Kovalenko" not in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        record(team, currency="XYZ")
    assert "'XYZ'" in str(refused.value)
