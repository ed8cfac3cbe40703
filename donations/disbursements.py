"""Recording, approving and posting disbursements: every state change of a ``Disbursement`` goes through here.

draft → submitted → approved → posted, or rejected with a reason. Each step
runs in one transaction, locks the disbursement row (so two approvers, or an
approval and a rejection, cannot both win) and writes an audit log entry.

Four eyes on the contents: nobody who recorded or changed a disbursement
(its fields, evidence or earmarks) approves or posts it, and a change after
submission sends it back to draft (``donations.four_eyes``); the database
refuses it too (a CHECK constraint and migration 0010's trigger).
Posting allocates the disbursement to net proceeds and posts ONE ledger entry
that moves its ledger-currency amount from the aid fund to aid spent in its
category. A disbursement to a person or family (``concerns_case``) posts a
case entry, whose public leaf is only a salted commitment.

Bad input raises ``ValidationError`` keyed by field (forms and the CSV
importer show it as is) before anything is written.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from donations import allocation, four_eyes, ledger
from donations.audit import APPROVE, EDIT, POST, RECORD, require_permission, write_audit
from donations.chart import aid_spent_account
from donations.models import AidCategory, AuditLogEntry, Disbursement, JournalEntry, PublicDescription, Region
from donations.money import Money, MoneyError, normalise_currency, round_to_minor
from donations.projection import Detail

RATE_PLACES = 10  # Disbursement.exchange_rate's decimal places.
RATE_MAX_DIGITS = 20

# States in which the contents may still change (a change withdraws any submission or approval).
EDITABLE = (Disbursement.Status.DRAFT, Disbursement.Status.SUBMITTED, Disbursement.Status.APPROVED)

# Fields a volunteer sets; everything else is set by the steps below.
INPUT_FIELDS = (
    "paid_on", "amount", "currency", "exchange_rate", "rate_source", "rate_date", "category", "region",
    "people_helped", "public_description", "concerns_case", "notes", "case_reference", "payee_name",
    "payee_is_organisation", "payee_public",
)


# --- Input ---------------------------------------------------------------------
#
# Messages never repeat free text back: a CSV importer prints them, and a cell
# typed in the wrong column may hold a name or a village.


def _echo(value: Any) -> str:
    """Repeat a value in a message only when it cannot be a name: a number, or three capital letters.

    A surname typed into the currency column ("Kovalenko") must not travel on
    in an error report, so anything with lower-case letters stays unsaid.
    """
    text = str(value).strip()
    if re.fullmatch(r"[0-9.,\-]{1,20}|[A-Z]{3}", text):
        return repr(text)
    return "this value"



def _clean_amount(amount: Any, currency: str | None, errors: dict[str, list[str]]) -> Money | None:
    if isinstance(amount, Money):
        if currency is not None and normalise_currency_or_none(currency) != amount.currency:
            errors.setdefault("currency", []).append(f"The amount is in {amount.currency}, not {currency}.")
            return None
        money = amount
    else:
        try:
            code = normalise_currency(currency or "")
        except MoneyError:
            errors.setdefault("currency", []).append(
                f"Unknown currency {_echo(currency)}: use an ISO 4217 code such as UAH, EUR, USD or PLN."
                if currency else "Say which currency was paid."
            )
            return None
        if amount is None or (isinstance(amount, str) and not amount.strip()):
            errors.setdefault("amount", []).append("Say how much was paid.")
            return None
        try:
            money = Money.from_decimal(amount.strip() if isinstance(amount, str) else amount, code)
        except MoneyError as exc:
            message = f"{exc}." if "decimals" in str(exc) else "Not an amount: give a number such as 1250.50."
            errors.setdefault("amount", []).append(message)
            return None
    if money.minor <= 0:
        errors.setdefault("amount", []).append(f"The amount paid must be more than zero, not {money}.")
        return None
    return money


def normalise_currency_or_none(currency: str) -> str | None:
    try:
        return normalise_currency(currency)
    except MoneyError:
        return None


def _clean_rate(
    value: Any, money: Money | None, ledger_code: str, errors: dict[str, list[str]]
) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if money is not None and money.currency != ledger_code:
            errors.setdefault("exchange_rate", []).append(
                f"An amount in {money.currency} needs its exchange rate to {ledger_code}, with its source and date."
            )
            return None
        return Decimal(1)
    if isinstance(value, float):
        errors.setdefault("exchange_rate", []).append("Give the exchange rate as a decimal string, not a float.")
        return None
    try:
        rate = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        errors.setdefault("exchange_rate", []).append(f"{_echo(value)} is not an exchange rate.")
        return None
    if not rate.is_finite() or rate <= 0:
        errors.setdefault("exchange_rate", []).append("The exchange rate must be more than zero.")
        return None
    if rate != rate.quantize(Decimal(1).scaleb(-RATE_PLACES)) or rate >= Decimal(10) ** (RATE_MAX_DIGITS - RATE_PLACES):
        errors.setdefault("exchange_rate", []).append(
            f"Give the exchange rate with at most {RATE_PLACES} decimal places."
        )
        return None
    if money is not None and money.currency == ledger_code and rate != 1:
        errors.setdefault("exchange_rate", []).append(
            f"The amount is already in the ledger currency {ledger_code}: its exchange rate is 1, not {rate}."
        )
        return None
    return rate


_TRUE, _FALSE = {"1", "true", "yes", "y", "on"}, {"0", "false", "no", "n", "off", ""}


def _clean_bool(value: Any, field: str, label: str, errors: dict[str, list[str]], *, default: bool) -> bool:
    """A checkbox or a spreadsheet cell: ``bool("false")`` is True, so strings are read, not cast."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    errors.setdefault(field, []).append(f"Say yes or no for {label}.")
    return default


def _lookup(model, value: Any, field: str, label: str, errors: dict[str, list[str]]):
    if isinstance(value, model):
        found = value
    elif isinstance(value, str) and value.strip():
        found = model.objects.filter(code=value.strip()).first()
        if found is None:
            errors.setdefault(field, []).append(f"There is no such {label}: choose one from the list.")
            return None
    else:
        errors.setdefault(field, []).append(f"Choose the {label}.")
        return None
    if not found.is_active:
        errors.setdefault(field, []).append(f"The {label} {found.code!r} is no longer offered.")
        return None
    return found


def _clean_date(value: Any, field: str, label: str, errors: dict[str, list[str]], *, required: bool):
    if value in (None, ""):
        if required:
            errors.setdefault(field, []).append(f"Give the {label}.")
        return None
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            errors.setdefault(field, []).append(f"The {label} must be a date like 2025-03-14.")
            return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        errors.setdefault(field, []).append(f"The {label} must be a date.")
        return None
    if value > timezone.localdate():
        errors.setdefault(field, []).append(f"The {label} cannot be in the future.")
        return None
    return value


def validate_disbursement_input(**values: Any) -> dict[str, Any]:
    """Check a volunteer's input as a whole and return model field values; all errors at once.

    For the dashboard form and the CSV importer as much as for the services
    below: it reads the database (categories, vocabulary) but writes nothing.
    """
    unknown = set(values) - set(INPUT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown disbursement fields: {', '.join(sorted(unknown))}")
    errors: dict[str, list[str]] = {}
    ledger_code = allocation.ledger_currency()

    paid_on = _clean_date(values.get("paid_on"), "paid_on", "date paid", errors, required=True)
    money = _clean_amount(values.get("amount"), values.get("currency"), errors)
    rate = _clean_rate(values.get("exchange_rate"), money, ledger_code, errors)
    rate_source = (values.get("rate_source") or "").strip()
    rate_date = _clean_date(values.get("rate_date"), "rate_date", "exchange rate's date", errors, required=False)
    if money is not None and money.currency != ledger_code and rate is not None:
        if not rate_source:
            errors.setdefault("rate_source", []).append("Say where the exchange rate comes from (e.g. NBU, ECB, bank).")
        if rate_date is None and "rate_date" not in errors:
            errors.setdefault("rate_date", []).append("Give the date of the exchange rate.")

    ledger_amount = None
    if money is not None and rate is not None:
        ledger_amount = round_to_minor(money.to_decimal() * rate, ledger_code)
        if ledger_amount.minor <= 0:
            errors.setdefault("amount", []).append(
                f"{money} at {rate} is less than the smallest unit of {ledger_code}."
            )

    category = _lookup(AidCategory, values.get("category"), "category", "aid category", errors)
    description = _lookup(
        PublicDescription, values.get("public_description"), "public_description", "public description", errors
    )
    if category is not None and description is not None and description.category_id not in (None, category.pk):
        errors.setdefault("public_description", []).append(
            f"The public description {description.code!r} belongs to another aid category."
        )

    region = values.get("region")
    if region not in Region.values:
        errors.setdefault("region", []).append(
            "Choose a region: an oblast, “occupied territories” or “other”." if not region
            else "Unknown region: choose an oblast, “occupied territories” or “other”."
        )

    people = values.get("people_helped")
    if isinstance(people, str) and people.strip().isdigit():
        people = int(people.strip())
    if not isinstance(people, int) or isinstance(people, bool) or people <= 0:
        errors.setdefault("people_helped", []).append("The number of people helped must be a whole number above zero.")

    payee_name = (values.get("payee_name") or "").strip()
    if not payee_name:
        errors.setdefault("payee_name", []).append("Say who was paid (kept private unless a public organisation).")
    is_organisation = _clean_bool(values.get("payee_is_organisation"), "payee_is_organisation",
                                  "“the payee is an organisation”", errors, default=False)
    payee_public = _clean_bool(values.get("payee_public"), "payee_public", "“show the payee publicly”", errors,
                               default=False)
    concerns_case = _clean_bool(values.get("concerns_case"), "concerns_case", "“aid to a person or family”", errors,
                                default=True)
    if payee_public and not is_organisation:
        errors.setdefault("payee_public", []).append(
            "Only an organisation can be shown publicly as the payee; a person never is."
        )

    if errors:
        raise ValidationError(errors)
    return {
        "paid_on": paid_on,
        "amount_minor": money.minor,
        "currency": money.currency,
        "exchange_rate": rate,
        "rate_source": rate_source,
        "rate_date": rate_date,
        "ledger_currency": ledger_code,
        "ledger_amount_minor": ledger_amount.minor,
        "category": category,
        "region": region,
        "people_helped": people,
        "public_description": description,
        "concerns_case": concerns_case,
        "notes": (values.get("notes") or "").strip(),
        "case_reference": (values.get("case_reference") or "").strip(),
        "payee_name": payee_name,
        "payee_is_organisation": is_organisation,
        "payee_public": payee_public,
    }


# --- Steps -----------------------------------------------------------------------


def _lock(disbursement: Disbursement) -> Disbursement:
    """Reload the row FOR UPDATE: the state read here is the state the step changes."""
    # NO KEY UPDATE: rows that merely reference the disbursement (audit, allocations) need not wait.
    return Disbursement.objects.select_for_update(of=("self",), no_key=True).get(pk=disbursement.pk)


def _require_status(disbursement: Disbursement, *allowed: str, doing: str) -> None:
    if disbursement.status not in allowed:
        raise ValidationError(
            f"Disbursement {disbursement.pk} is {disbursement.get_status_display().lower()}, so it cannot be {doing}.",
            code="invalid_transition",
        )


def _save(disbursement: Disbursement, fields: list[str]) -> None:
    disbursement.full_clean()  # Model constraints too (Django ≥ 4.1), so SQLite refuses what PostgreSQL would.
    disbursement.save(update_fields=fields)


def record_disbursement(*, recorded_by, **values: Any) -> Disbursement:
    """Record a disbursement as a draft. Keyword arguments are ``INPUT_FIELDS``.

    ``amount`` is Money, or a decimal string/Decimal with ``currency``;
    ``exchange_rate`` (ledger-currency units per unit paid) is required, with
    ``rate_source`` and ``rate_date``, unless the currency is the ledger's.
    ``category`` and ``public_description`` are instances or codes.
    """
    require_permission(recorded_by, RECORD)
    cleaned = validate_disbursement_input(**values)
    with transaction.atomic():
        disbursement = Disbursement(recorded_by=recorded_by, **cleaned)
        disbursement.full_clean()
        disbursement.save()
        write_audit(actor=recorded_by, action=AuditLogEntry.Action.RECORDED, disbursement=disbursement,
                    summary="recorded as a draft")
    return disbursement


def update_disbursement(*, disbursement: Disbursement, by, **values: Any) -> Disbursement:
    """Change a disbursement not yet posted or rejected; the audit log names the fields changed, never values.

    The editor can then neither approve nor post it, and a submitted or
    approved disbursement goes back to draft (``donations.four_eyes``).
    """
    require_permission(by, EDIT)
    with transaction.atomic():
        disbursement = _lock(disbursement)
        _require_status(disbursement, *EDITABLE, doing="edited")
        current = {
            "paid_on": disbursement.paid_on,
            "amount": Money(disbursement.amount_minor, disbursement.currency),
            "currency": disbursement.currency,
            "exchange_rate": disbursement.exchange_rate,
            "rate_source": disbursement.rate_source,
            "rate_date": disbursement.rate_date,
            "category": disbursement.category,
            "region": disbursement.region,
            "people_helped": disbursement.people_helped,
            "public_description": disbursement.public_description,
            "concerns_case": disbursement.concerns_case,
            "notes": disbursement.notes,
            "case_reference": disbursement.case_reference,
            "payee_name": disbursement.payee_name,
            "payee_is_organisation": disbursement.payee_is_organisation,
            "payee_public": disbursement.payee_public,
        }
        if isinstance(values.get("amount"), Money) and "currency" not in values:
            values["currency"] = values["amount"].currency
        if "currency" in values and "amount" not in values:
            values["amount"] = Money(disbursement.amount_minor, disbursement.currency).to_decimal()
        if "amount" in values and not isinstance(values["amount"], Money) and "currency" not in values:
            values["currency"] = disbursement.currency
        if "currency" in values and "exchange_rate" not in values:
            # A rate belongs to its currency pair: a new currency needs a new rate.
            if normalise_currency_or_none(values["currency"]) != disbursement.currency:
                values["exchange_rate"] = None
        cleaned = validate_disbursement_input(**{**current, **values})
        changed = [name for name, value in cleaned.items() if getattr(disbursement, name) != value]
        for name in changed:
            setattr(disbursement, name, cleaned[name])
        if changed:
            four_eyes.note_content_change(disbursement=disbursement, by=by, change="fields changed")
            _save(disbursement, changed)
            write_audit(actor=by, action=AuditLogEntry.Action.UPDATED, disbursement=disbursement, fields=changed,
                        summary=f"changed {len(changed)} field(s)")
    return disbursement


def submit_disbursement(*, disbursement: Disbursement, by) -> Disbursement:
    """Send a draft for approval by someone other than its recorder."""
    require_permission(by, RECORD)
    with transaction.atomic():
        disbursement = _lock(disbursement)
        _require_status(disbursement, Disbursement.Status.DRAFT, doing="submitted")
        disbursement.status = Disbursement.Status.SUBMITTED
        disbursement.submitted_at = timezone.now()
        _save(disbursement, ["status", "submitted_at"])
        write_audit(actor=by, action=AuditLogEntry.Action.SUBMITTED, disbursement=disbursement,
                    summary="draft → submitted")
    return disbursement


def approve_disbursement(*, disbursement: Disbursement, by) -> Disbursement:
    """Approve a submitted disbursement: never by whoever recorded it or changed its contents."""
    require_permission(by, APPROVE)
    with transaction.atomic():
        disbursement = _lock(disbursement)
        _require_status(disbursement, Disbursement.Status.SUBMITTED, doing="approved")
        four_eyes.refuse_editor(disbursement, by, doing="approve")
        disbursement.status = Disbursement.Status.APPROVED
        disbursement.approved_by = by
        disbursement.approved_at = timezone.now()
        _save(disbursement, ["status", "approved_by", "approved_at"])
        write_audit(actor=by, action=AuditLogEntry.Action.APPROVED, disbursement=disbursement,
                    summary="submitted → approved")
    return disbursement


def reject_disbursement(*, disbursement: Disbursement, by, reason: str) -> Disbursement:
    """Reject a submitted or approved (not yet posted) disbursement, saying why (kept private)."""
    require_permission(by, APPROVE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the disbursement is rejected."]})
    with transaction.atomic():
        disbursement = _lock(disbursement)
        _require_status(
            disbursement, Disbursement.Status.SUBMITTED, Disbursement.Status.APPROVED, doing="rejected"
        )
        previous = disbursement.status
        disbursement.status = Disbursement.Status.REJECTED
        disbursement.rejection_reason = reason
        disbursement.rejected_by = by
        disbursement.rejected_at = timezone.now()
        _save(disbursement, ["status", "rejection_reason", "rejected_by", "rejected_at"])
        # The reason is free text and may name someone: the log says only that there is one.
        write_audit(actor=by, action=AuditLogEntry.Action.REJECTED, disbursement=disbursement,
                    fields=["rejection_reason"], summary=f"{previous} → rejected")
    return disbursement


# The accounts a disbursement posts to besides aid spent in its category.
PAID_FROM = "bank"
APPROPRIATION = "proceeds-to-aid"


def disbursement_postings(disbursement: Disbursement) -> list[tuple[str, Money]]:
    """The entry's four postings (debit +, credit −): aid spent in its category, paid, out of the aid fund.

    - ``aid-spent:<category>`` + X and ``bank`` − X: what was bought, and the money leaving the bank;
    - ``aid-fund`` + X and ``proceeds-to-aid`` − X: the fund the net proceeds were credited to gives X
      up, releasing that much of their appropriation (``donations.proceeds``).

    So "aid fund balance = net proceeds − disbursed" holds, aid spent is an
    expense by category, and income − expenses − proceeds-to-aid stays zero.
    The amount is the ledger-currency amount: a payment in hryvnias leaves the
    books at the recorded exchange rate.
    """
    amount = Money(disbursement.ledger_amount_minor, disbursement.ledger_currency)
    return [
        (aid_spent_account(disbursement.category.code), amount),
        (PAID_FROM, -amount),
        (allocation.AID_FUND, amount),
        (APPROPRIATION, -amount),
    ]


def disbursement_details(disbursement: Disbursement) -> dict[str, Detail]:
    """Facts for the entry's leaf: public for an organisation purchase, inside the commitment for a case.

    Never the notes, the case reference, the rejection reason or evidence; the
    payee only when it is an organisation a volunteer made public, and never
    for a case.
    """
    details: dict[str, Detail] = {
        "category": disbursement.category.code,
        "region": disbursement.region,
        "people_helped": disbursement.people_helped,
        "description": disbursement.public_description.code,
        "paid_amount": disbursement.amount_minor,
        "paid_currency": disbursement.currency,
        "exchange_rate": format(disbursement.exchange_rate.normalize(), "f"),
    }
    if disbursement.payee_public and disbursement.payee_is_organisation and not disbursement.concerns_case:
        details["payee"] = disbursement.payee_name
    return details


def post_disbursement(*, disbursement: Disbursement, by) -> JournalEntry:
    """Post an approved disbursement: allocate it to net proceeds and post its one ledger entry.

    Idempotent: posting a posted disbursement returns its entry (the entry's
    idempotency key is ``disbursement:<id>``). Refuses, writing nothing, when
    earmarked or unallocated proceeds fall short; the message gives the
    shortfall.

    Order of work, all in one transaction: lock the disbursement; post the
    entry, which takes the log-head lock; then lock the aid fund and allocate.
    The allocation decides whether the posting stands (a shortfall rolls the
    entry back with everything else), but its lock comes second so that every
    transaction takes these locks in the same order as a refund does (posted
    entry first, then reallocation) and none can deadlock another.
    """
    require_permission(by, POST)
    with transaction.atomic():
        disbursement = _lock(disbursement)
        if disbursement.status == Disbursement.Status.POSTED:
            return disbursement.posted_entry
        _require_status(disbursement, Disbursement.Status.APPROVED, doing="posted")
        four_eyes.refuse_editor(disbursement, by, doing="post")
        category = disbursement.category
        # An aid category added after the chart was opened gets its account now (ledger writes it).
        ledger.open_accounts([(aid_spent_account(category.code), f"Aid spent: {category.name}", "expense")])
        entry = ledger.post_entry(
            kind=JournalEntry.Kind.DISBURSEMENT,
            effective_date=disbursement.paid_on,
            postings=disbursement_postings(disbursement),
            memo=f"Disbursement {disbursement.pk}",
            idempotency_key=f"disbursement:{disbursement.pk}",
            concerns_case=disbursement.concerns_case,
            details=disbursement_details(disbursement),
        )
        disbursement.status = Disbursement.Status.POSTED
        disbursement.posted_entry = entry
        disbursement.posted_by = by
        disbursement.posted_at = timezone.now()
        _save(disbursement, ["status", "posted_entry", "posted_by", "posted_at"])
        rows = allocation.allocate_disbursement(disbursement=disbursement)
        write_audit(
            actor=by, action=AuditLogEntry.Action.POSTED, disbursement=disbursement,
            summary=f"approved → posted as entry #{entry.sequence}, funded from {len(rows)} proceeds entr"
            + ("y" if len(rows) == 1 else "ies"),
        )
    return entry


def reverse_disbursement(
    *, disbursement: Disbursement, by, reason: str, on: datetime.date | None = None
) -> JournalEntry:
    """Correct a posted disbursement: post the exact negation of its entry and release its funding.

    The ledger is never edited: the original entry stays, a reversal entry
    points at it (a case entry's reversal is a case entry too), the proceeds
    that funded it become unallocated again, and the disbursement says it was
    reversed and why (privately). Record a corrected disbursement afresh.
    Idempotent: reversing a reversed disbursement returns its reversal.
    """
    require_permission(by, POST)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the disbursement is reversed."]})
    with transaction.atomic():
        disbursement = _lock(disbursement)
        if disbursement.status == Disbursement.Status.REVERSED:
            return disbursement.reversal_entry
        _require_status(disbursement, Disbursement.Status.POSTED, doing="reversed")
        entry = ledger.reverse_entry(
            disbursement.posted_entry,
            memo=f"Reversal of disbursement {disbursement.pk}",
            effective_date=on or timezone.localdate(),
            idempotency_key=f"disbursement-reversal:{disbursement.pk}",
        )
        released = allocation.release_disbursement(disbursement=disbursement)
        disbursement.status = Disbursement.Status.REVERSED
        disbursement.reversal_entry = entry
        disbursement.reversal_reason = reason
        disbursement.reversed_by = by
        disbursement.reversed_at = timezone.now()
        _save(disbursement, ["status", "reversal_entry", "reversal_reason", "reversed_by", "reversed_at"])
        write_audit(
            actor=by, action=AuditLogEntry.Action.REVERSED, disbursement=disbursement, fields=["reversal_reason"],
            summary=f"posted → reversed by entry #{entry.sequence}; {len(released)} allocation(s) released",
        )
    return entry
