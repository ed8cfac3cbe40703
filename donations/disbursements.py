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
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from donations import allocation, four_eyes, ledger
from donations.audit import APPROVE, EDIT, POST, RECORD, require_permission, write_audit
from donations.chart import aid_spent_account
from donations.model_rules import model_rule_errors
from donations.models import AidCategory, AuditLogEntry, Disbursement, JournalEntry, PublicDescription, Region
from donations.money import MAX_MINOR, Money, MoneyError, currency_exponent, normalise_currency, round_to_minor
from donations.projection import Detail

RATE_PLACES = 10  # Disbursement.exchange_rate's decimal places.
RATE_MAX_DIGITS = 20
# The columns' limits (BigIntegerField, PositiveIntegerField): beyond them the database refuses the row.
AMOUNT_MAX_MINOR = MAX_MINOR
PEOPLE_MAX = 2**31 - 1
# Checked before any arithmetic: a Decimal like 1E+999999999 overflows the context when scaled.
_AMOUNT_MAX_ADJUSTED = len(str(AMOUNT_MAX_MINOR)) - 1
_TEXT_FIELDS = ("rate_source", "notes", "case_reference", "payee_name")

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



def grouped(value: Decimal | int) -> str:
    """A limit as people read it: digit groups of three split by no-break spaces, a decimal point (12 345.67).

    The point, not a locale's comma: it is how the amount must be typed in the
    form and in a comma-separated file, in either language.
    """
    sign, text = ("-", str(value)[1:]) if str(value).startswith("-") else ("", str(value))
    whole, point, fraction = text.partition(".")
    groups = []
    while whole:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    return sign + "\u00a0".join(groups or ["0"]) + point + fraction


def largest_amount(currency: str) -> str:
    """The largest amount the books hold in ``currency``, grouped for a message: 92 233 720 368 547 758.07."""
    return grouped(Decimal(AMOUNT_MAX_MINOR).scaleb(-currency_exponent(currency)))


def _decimal(value: Any) -> Decimal | None:
    """A typed number as a Decimal, whatever its size or form, or None when it is not one (floats are not)."""
    if isinstance(value, float | bool):
        return None
    try:
        return Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        return None


def _clean_amount(amount: Any, currency: str | None, errors: dict[str, list[str]]) -> Money | None:
    if isinstance(amount, Money):
        if currency is not None and normalise_currency_or_none(currency) != amount.currency:
            errors.setdefault("currency", []).append(
                _("The amount is in %(amount_currency)s, not %(currency)s.")
                % {"amount_currency": amount.currency, "currency": _echo(currency)}
            )
            return None
        money = amount
    else:
        try:
            code = normalise_currency(currency or "")
        except MoneyError:
            errors.setdefault("currency", []).append(
                _("Unknown currency %(currency)s: use an ISO 4217 code such as UAH, EUR, USD or PLN.")
                % {"currency": _echo(currency)}
                if currency else _("Say which currency was paid.")
            )
            return None
        if amount is None or (isinstance(amount, str) and not amount.strip()):
            errors.setdefault("amount", []).append(_("Say how much was paid."))
            return None
        value = _decimal(amount)
        if value is None or not value.is_finite():
            errors.setdefault("amount", []).append(_("Not an amount: give a number such as 1250.50."))
            return None
        if value and value.adjusted() > _AMOUNT_MAX_ADJUSTED:
            errors.setdefault("amount", []).append(_amount_too_large(code))
            return None
        places = currency_exponent(code)
        if value != value.quantize(Decimal(1).scaleb(-places)):  # Safe now: at most 19 digits before the point.
            errors.setdefault("amount", []).append(
                _("The amount paid has more decimals than %(currency)s allows (at most %(places)d).")
                % {"currency": code, "places": places}
            )
            return None
        try:
            money = Money.from_decimal(value, code)
        except MoneyError:  # Within 19 digits but past the last minor unit a 64-bit integer holds.
            errors.setdefault("amount", []).append(_amount_too_large(code))
            return None
    if money.minor <= 0:
        errors.setdefault("amount", []).append(
            _("The amount paid must be more than zero, not %(amount)s.") % {"amount": money}
        )
        return None
    if money.minor > AMOUNT_MAX_MINOR:
        errors.setdefault("amount", []).append(_amount_too_large(money.currency))
        return None
    return money


def _amount_too_large(currency: str) -> str:
    return _("The amount paid must be at most %(largest)s %(currency)s.") % {
        "largest": largest_amount(currency), "currency": currency,
    }


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
                _("An amount in %(currency)s needs its exchange rate to %(ledger)s, with its source and date.")
                % {"currency": money.currency, "ledger": ledger_code}
            )
            return None
        return Decimal(1)
    if isinstance(value, float):
        errors.setdefault("exchange_rate", []).append(_("Give the exchange rate as a decimal string, not a float."))
        return None
    rate = _decimal(value)
    if rate is None:
        errors.setdefault("exchange_rate", []).append(
            _("%(value)s is not an exchange rate.") % {"value": _echo(value)}
        )
        return None
    # Magnitude first: quantizing 1E+30 to ten places needs more digits than the context has.
    if not rate.is_finite() or rate <= 0:
        errors.setdefault("exchange_rate", []).append(_("The exchange rate must be more than zero."))
        return None
    if rate.adjusted() >= RATE_MAX_DIGITS - RATE_PLACES:
        errors.setdefault("exchange_rate", []).append(_rate_range())
        return None
    if rate != rate.quantize(Decimal(1).scaleb(-RATE_PLACES)):
        errors.setdefault("exchange_rate", []).append(
            _("Give the exchange rate with at most %(places)d decimal places.") % {"places": RATE_PLACES}
        )
        return None
    if money is not None and money.currency == ledger_code and rate != 1:
        errors.setdefault("exchange_rate", []).append(
            _("The amount is already in the ledger currency %(ledger)s: its exchange rate is 1, not %(rate)s.")
            % {"ledger": ledger_code, "rate": rate}
        )
        return None
    return rate


def _rate_range() -> str:
    largest = grouped(Decimal(10) ** (RATE_MAX_DIGITS - RATE_PLACES) - Decimal(1).scaleb(-RATE_PLACES))
    return _("The exchange rate must be more than zero and at most %(largest)s.") % {"largest": largest}


def _ledger_amount(money: Money, rate: Decimal, ledger_code: str) -> Money | None:
    """The amount in the ledger currency, exact: the product may have more digits than the default context."""
    with localcontext() as context:
        context.prec = 2 * RATE_MAX_DIGITS + 10
        try:
            return round_to_minor(money.to_decimal() * rate, ledger_code)
        except MoneyError:  # More than the books can hold.
            return None


def _clean_text(values: dict[str, Any], field: str, errors: dict[str, list[str]]) -> str:
    text = (values.get(field) or "").strip()
    if "\x00" in text:
        # PostgreSQL cannot store it, and it is never typed on purpose: refused, not silently dropped.
        errors.setdefault(field, []).append(
            _("This text contains a NUL character (an invisible control character): delete it.")
        )
    return text


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


@dataclass(frozen=True)
class Codes:
    """The aid categories and public descriptions by code, read once to check many rows without a query each."""

    categories: dict[str, AidCategory]
    descriptions: dict[str, PublicDescription]


def load_codes() -> Codes:
    """Every category and description, retired ones too (a row naming one is told it is retired). Two queries."""
    return Codes(
        categories={category.code: category for category in AidCategory.objects.all()},
        descriptions={description.code: description for description in PublicDescription.objects.all()},
    )


def _lookup(model, value: Any, field: str, label: str, errors: dict[str, list[str]], known: dict | None = None):
    if isinstance(value, model):
        found = value
    elif isinstance(value, str) and value.strip():
        code = value.strip()
        found = known.get(code) if known is not None else model.objects.filter(code=code).first()
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


@functools.cache
def _region_codes() -> frozenset[str]:
    return frozenset(Region.values)  # Region.values builds a new list at every read: thousands a file.


def validate_disbursement_input(*, codes: Codes | None = None, **values: Any) -> dict[str, Any]:
    """Check a volunteer's input as a whole and return model field values; all errors at once.

    For the dashboard form and the CSV importer as much as for the services
    below: it reads the database (categories, vocabulary) but writes nothing.
    With ``codes`` (``load_codes``) it reads nothing at all, so a file's rows
    are checked without a query each. Amounts and rates of any size or form
    get a message naming the allowed range, never an exception.
    """
    unknown = set(values) - set(INPUT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown disbursement fields: {', '.join(sorted(unknown))}")
    errors: dict[str, list[str]] = {}
    ledger_code = allocation.ledger_currency()

    paid_on = _clean_date(values.get("paid_on"), "paid_on", "date paid", errors, required=True)
    money = _clean_amount(values.get("amount"), values.get("currency"), errors)
    rate = _clean_rate(values.get("exchange_rate"), money, ledger_code, errors)
    rate_source = _clean_text(values, "rate_source", errors)
    rate_date = _clean_date(values.get("rate_date"), "rate_date", "exchange rate's date", errors, required=False)
    if money is not None and money.currency != ledger_code and rate is not None:
        if not rate_source:
            errors.setdefault("rate_source", []).append("Say where the exchange rate comes from (e.g. NBU, ECB, bank).")
        if rate_date is None and "rate_date" not in errors:
            errors.setdefault("rate_date", []).append("Give the date of the exchange rate.")

    ledger_amount = None
    if money is not None and rate is not None:
        ledger_amount = _ledger_amount(money, rate, ledger_code)
        if ledger_amount is None:
            errors.setdefault("amount", []).append(
                _("At this exchange rate the amount comes to more than %(largest)s %(ledger)s, the most the books "
                  "can hold.") % {"largest": largest_amount(ledger_code), "ledger": ledger_code}
            )
        elif ledger_amount.minor <= 0:
            errors.setdefault("amount", []).append(
                _("%(amount)s at %(rate)s is less than the smallest unit of %(ledger)s.")
                % {"amount": money, "rate": rate, "ledger": ledger_code}
            )

    category = _lookup(AidCategory, values.get("category"), "category", "aid category", errors,
                       codes.categories if codes else None)
    description = _lookup(
        PublicDescription, values.get("public_description"), "public_description", "public description", errors,
        codes.descriptions if codes else None,
    )
    if category is not None and description is not None and description.category_id not in (None, category.pk):
        errors.setdefault("public_description", []).append(
            f"The public description {description.code!r} belongs to another aid category."
        )

    region = values.get("region")
    if region not in _region_codes():
        errors.setdefault("region", []).append(
            "Choose a region: an oblast, “occupied territories” or “other”." if not region
            else "Unknown region: choose an oblast, “occupied territories” or “other”."
        )

    people = values.get("people_helped")
    if isinstance(people, str) and re.fullmatch(r"[0-9]+", people.strip()):  # "²".isdigit() is True
        digits = people.strip()
        people = int(digits) if len(digits) <= 20 else PEOPLE_MAX + 1  # int() refuses 4,300 digits and more.
    if not isinstance(people, int) or isinstance(people, bool) or people <= 0:
        errors.setdefault("people_helped", []).append("The number of people helped must be a whole number above zero.")
    elif people > PEOPLE_MAX:
        errors.setdefault("people_helped", []).append(
            _("The number of people helped must be at most %(largest)s.") % {"largest": grouped(PEOPLE_MAX)}
        )

    payee_name = _clean_text(values, "payee_name", errors)
    notes = _clean_text(values, "notes", errors)
    case_reference = _clean_text(values, "case_reference", errors)
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
        "notes": notes,
        "case_reference": case_reference,
        "payee_name": payee_name,
        "payee_is_organisation": is_organisation,
        "payee_public": payee_public,
    }


# --- Many at once: a spreadsheet ---------------------------------------------------
#
# record_disbursement checks one row with about a dozen queries (the codes, the
# foreign keys and each CHECK constraint asked of the database). A file of
# thousands is checked here in Python against the same rules, with the codes
# read once, then written with a handful of INSERTs.

# Rows per INSERT: the SQL stays a sane size; SQLite's variable limit may cut batches smaller.
BULK_BATCH_SIZE = 1000
PROGRESS_EVERY = 500


@dataclass(frozen=True)
class CheckedDisbursement:
    """A new disbursement that passed ``validate_disbursement_input`` and its model's rules; not saved yet.

    Made only by ``check_disbursements`` and taken only by
    ``record_disbursements``, so nothing reaches the bulk INSERT unchecked.
    """

    disbursement: Disbursement


def check_disbursements(
    rows: Sequence[dict[str, Any]],
    *,
    recorded_by,
    codes: Codes,
    submit: bool = False,
    progress: Callable[[int], None] | None = None,
) -> list[CheckedDisbursement | ValidationError]:
    """Check each row (keyword arguments of ``record_disbursement``) as recording it would; no query at all.

    For each row, in order: a ``CheckedDisbursement``, or the
    ``ValidationError`` keyed by field that ``record_disbursement`` would have
    raised (the model's field limits and CHECK constraints included, as its
    ``full_clean`` checks them). ``progress`` hears the number of rows
    checked so far, now and then.
    """
    results: list[CheckedDisbursement | ValidationError] = []
    status = Disbursement.Status.SUBMITTED if submit else Disbursement.Status.DRAFT
    now = timezone.now()
    for index, values in enumerate(rows):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress(index)
        try:
            cleaned = validate_disbursement_input(codes=codes, **values)
        except ValidationError as exc:
            results.append(exc)
            continue
        disbursement = Disbursement(
            recorded_by=recorded_by, status=status, recorded_at=now, submitted_at=now if submit else None, **cleaned
        )
        errors = model_rule_errors(disbursement)
        results.append(ValidationError(errors) if errors else CheckedDisbursement(disbursement))
    if progress is not None:
        progress(len(rows))
    return results


def record_disbursements(
    *, recorded_by, checked: Sequence[CheckedDisbursement], submit: bool = False
) -> list[Disbursement]:
    """Record checked disbursements as drafts (or submitted, with ``submit``) and write their audit entries.

    What ``record_disbursement`` then ``submit_disbursement`` write for each
    row (the disbursement, its "recorded" entry and, when submitted, its
    "submitted" entry), in bulk: a few INSERTs however many rows. All or
    nothing: one transaction (a savepoint inside the caller's).
    """
    require_permission(recorded_by, RECORD)
    status = Disbursement.Status.SUBMITTED if submit else Disbursement.Status.DRAFT
    now = timezone.now()
    disbursements = []
    for item in checked:
        if not isinstance(item, CheckedDisbursement):
            raise TypeError("record_disbursements takes what check_disbursements returned, nothing else")
        disbursement = item.disbursement
        made_for = (disbursement.pk, disbursement.recorded_by_id, disbursement.status)
        if made_for != (None, recorded_by.pk, status):
            raise ValueError("A checked disbursement was saved, or checked for someone or something else")
        disbursement.recorded_at = now
        disbursement.submitted_at = now if submit else None
        disbursements.append(disbursement)
    with transaction.atomic():
        Disbursement.objects.bulk_create(disbursements, batch_size=BULK_BATCH_SIZE)
        entries = []
        for disbursement in disbursements:
            entries.append(AuditLogEntry(actor=recorded_by, action=AuditLogEntry.Action.RECORDED,
                                         disbursement=disbursement, summary="recorded as a draft", at=now))
            if submit:
                entries.append(AuditLogEntry(actor=recorded_by, action=AuditLogEntry.Action.SUBMITTED,
                                             disbursement=disbursement, summary="draft → submitted", at=now))
        AuditLogEntry.objects.bulk_create(entries, batch_size=BULK_BATCH_SIZE)
    return disbursements


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
