"""CSV import and export of disbursements, for finance volunteers who keep their records in a spreadsheet.

Import is all or nothing. Every row is checked first, by the rules of
``validate_disbursement_input`` and of the model (``check_disbursements``, in
Python: the codes are read once, so a file costs a few queries however many
rows it has); only a file without a single problem is recorded, in one
transaction, by ``record_disbursements`` (which checks the permission again
and writes each disbursement's "recorded" audit entry, as recording one by one
would), plus one "imported" entry for the file.

The dashboard runs an import in the background (``donations.import_jobs``);
the command runs it at once. Both end here.

Error messages name a row and a column, never a cell's content: a cell typed in
the wrong column may hold a beneficiary's name, and these messages are shown on
screen, printed by the command and pasted into chats.

The export is private (staff only): it carries notes, case references and payees.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from donations import allocation
from donations.audit import RECORD, require_permission, write_audit
from donations.disbursements import (
    INPUT_FIELDS,
    CheckedDisbursement,
    Codes,
    check_disbursements,
    load_codes,
    record_disbursements,
)
from donations.models import AidCategory, AuditLogEntry, Disbursement, PublicDescription, Region
from donations.money import Money, MoneyError, normalise_currency

TEMPLATE_COLUMNS: tuple[str, ...] = INPUT_FIELDS
# Checked and recorded in bulk (a few seconds for the lot), in the background from the dashboard.
MAX_ROWS = 10_000
MAX_FILE_BYTES = 5 * 1024 * 1024
# Excel opens a UTF-8 CSV as UTF-8 (so Cyrillic survives) only when it starts with a byte order mark.
EXCEL_BOM = "\ufeff"
EXPORT_CHUNK_SIZE = 2000

_DATE_COLUMNS = {"paid_on", "rate_date"}
_DECIMAL_COLUMNS = {"amount", "exchange_rate"}
_CODE_COLUMNS = {"category", "region", "public_description"}
_BOOL_WORDS = {"1", "0", "true", "false", "yes", "no", "y", "n", "on", "off"}
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
# Spreadsheets run a cell starting with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
# A cell of digits and separators with this many digits or fewer (an amount, a date) names nobody;
# a longer one may be a phone number.
_SHORT_NUMBER_DIGITS = 8
_NUMBERISH = re.compile(r"[\d\s.,+\-]+")


@dataclass(frozen=True)
class ColumnHelp:
    """One template column as the import page explains it."""

    name: str
    required: bool
    explanation: str
    example: str


COLUMN_HELP: tuple[ColumnHelp, ...] = (
    ColumnHelp(
        "paid_on",
        True,
        gettext_lazy("Date the money was paid: 2025-03-14 or 14.03.2025. Not in the future."),
        "2025-03-14",
    ),
    ColumnHelp(
        "amount",
        True,
        gettext_lazy(
            "Amount paid, in the currency paid: digits and a decimal point, no thousands separators (a decimal "
            "comma is fine in a file whose columns are separated by semicolons)."
        ),
        "1250.50",
    ),
    ColumnHelp("currency", True, gettext_lazy("Currency paid, as its ISO code: UAH, EUR, USD, PLN…"), "UAH"),
    ColumnHelp(
        "exchange_rate",
        False,
        gettext_lazy(
            "What one unit of the currency paid was worth in the ledger currency. Leave empty when the currency "
            "paid is the ledger currency."
        ),
        "0.0225",
    ),
    ColumnHelp("rate_source", False, gettext_lazy("Where the exchange rate comes from: NBU, ECB, the bank…"), "NBU"),
    ColumnHelp("rate_date", False, gettext_lazy("Date of the exchange rate."), "2025-03-14"),
    ColumnHelp("category", True, gettext_lazy("Code of the aid category (see the list)."), "medicine"),
    ColumnHelp(
        "region", True, gettext_lazy("Code of the region (see the list). Never a town or a village."), "kharkiv"
    ),
    ColumnHelp("people_helped", True, gettext_lazy("How many people the aid reached: a whole number above zero."), "4"),
    ColumnHelp(
        "public_description",
        True,
        gettext_lazy(
            "Code of the phrase the public pages show (see the list). Nothing else from the file is published."
        ),
        "medicines",
    ),
    ColumnHelp(
        "concerns_case",
        False,
        gettext_lazy(
            "yes when the aid went to a person or a family (only a sealed commitment is published), no for "
            "purchases for an organisation. Empty means yes."
        ),
        "yes",
    ),
    ColumnHelp("notes", False, gettext_lazy("Private notes for the finance team. Never published."), ""),
    ColumnHelp("case_reference", False, gettext_lazy("Private case reference. A code, never a name."), "CASE-17"),
    ColumnHelp(
        "payee_name",
        True,
        gettext_lazy("Who was paid. Private, unless the payee is an organisation shown publicly."),
        "Apteka Zdorovya LLC",
    ),
    ColumnHelp(
        "payee_is_organisation", False, gettext_lazy("yes when the payee is an organisation. Empty means no."), "yes"
    ),
    ColumnHelp(
        "payee_public",
        False,
        gettext_lazy("yes to show an organisation payee publicly (a person never is). Empty means no."),
        "no",
    ),
)


@dataclass(frozen=True)
class ImportHelp:
    """What the import page shows beside the template: the columns, and the codes a row may use."""

    columns: tuple[ColumnHelp, ...]
    ledger_currency: str
    categories: list[AidCategory]
    descriptions: list[PublicDescription]
    regions: list[tuple[str, str]]
    max_rows: int
    max_megabytes: int


def import_help() -> ImportHelp:
    """The columns explained and the codes on offer now (active categories and phrases). Two queries."""
    return ImportHelp(
        columns=COLUMN_HELP,
        ledger_currency=allocation.ledger_currency(),
        categories=list(AidCategory.objects.filter(is_active=True)),
        descriptions=list(PublicDescription.objects.filter(is_active=True).select_related("category")),
        regions=list(Region.choices),
        max_rows=MAX_ROWS,
        max_megabytes=MAX_FILE_BYTES // (1024 * 1024),
    )


class _Line:
    """A file-like object whose ``write`` hands the line back, so ``csv.writer`` can feed a stream."""

    def write(self, line: str) -> str:
        return line


def template_csv() -> str:
    """The empty template: the heading row only.

    No example row: one left in by mistake would be recorded as a real
    disbursement. The example is on the import page, beside the download.
    """
    return EXCEL_BOM + csv.writer(_Line()).writerow(TEMPLATE_COLUMNS)


# --- Import --------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem: its spreadsheet row (the heading row is 1; None for the file as a whole) and column."""

    row: int | None
    column: str
    message: str
    # "repeat" for a likely repeated payment, which the volunteer may confirm as new; else empty.
    kind: str = ""


class DisbursementImportError(Exception):
    """The file was refused and nothing was written; ``errors`` lists every problem found."""

    def __init__(self, errors: Iterable[RowError]) -> None:
        self.errors = sorted(errors, key=lambda error: (error.row or 0, _column_order(error.column)))
        super().__init__(
            ngettext("%(count)d problem in the file", "%(count)d problems in the file", len(self.errors))
            % {"count": len(self.errors)}
        )


@dataclass(frozen=True)
class ImportResult:
    """What an import recorded (nothing on a dry run, which only checks)."""

    rows: int
    disbursements: list[Disbursement]
    submitted: bool
    dry_run: bool


@dataclass(frozen=True)
class _Row:
    number: int
    values: dict[str, str | None]


def _column_order(column: str) -> int:
    return TEMPLATE_COLUMNS.index(column) if column in TEMPLATE_COLUMNS else len(TEMPLATE_COLUMNS)


def _letter(index: int) -> str:
    """A column's spreadsheet name: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _file_error(message: str) -> DisbursementImportError:
    """A problem with the file as a whole: no row, no column."""
    return DisbursementImportError([RowError(None, "", message)])


def _read_text(source: bytes | str | IO[bytes] | IO[str]) -> str:
    data = source if isinstance(source, bytes | str) else source.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _file_error(
            _("The file is larger than %(megabytes)d MB: split it into smaller files.")
            % {"megabytes": MAX_FILE_BYTES // (1024 * 1024)}
        )
    not_utf8 = _(
        "The file is not UTF-8 text. In Excel save it as “CSV UTF-8”; in LibreOffice or Google Sheets choose "
        "the character set “Unicode (UTF-8)”. Then upload it again."
    )
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _file_error(not_utf8) from None
    else:
        text = data.removeprefix(EXCEL_BOM)
    if "\x00" in text.split("\n", 1)[0]:
        # UTF-16, as Excel's "Unicode text" writes it, decodes as UTF-8 with NULs all through the heading.
        # A NUL further down is one bad cell, reported with its row and column by _read_rows.
        raise _file_error(not_utf8)
    if not text.strip():
        raise _file_error(_("The file is empty: start from the template, which has the heading row."))
    return text


def _delimiter(text: str) -> str:
    """Comma, or semicolon as spreadsheets in Ukrainian (and most European) settings write CSV."""
    heading = text.split("\n", 1)[0]
    return ";" if heading.count(";") > heading.count(",") else ","


def _column_positions(heading: list[str]) -> tuple[dict[str, int], list[RowError]]:
    """Each template column's index in the file; problems with the heading row, all of them."""
    found: dict[str, list[int]] = {}
    errors: list[RowError] = []
    for index, cell in enumerate(heading):
        name = re.sub(r"[\s-]+", "_", cell.strip().lower())
        if not name:
            continue  # A blank heading: its cells must be blank too (checked row by row).
        if name in TEMPLATE_COLUMNS:
            found.setdefault(name, []).append(index)
        elif name in EXPORT_COLUMNS:
            message = _("“%(name)s” is a column of the export, not of the template: delete the column.")
            errors.append(RowError(1, _letter(index), message % {"name": name}))
        else:
            # The heading itself is not repeated: a data row pasted over it could hold anything.
            errors.append(
                RowError(
                    1,
                    _letter(index),
                    _("This column's heading is not one of the template's columns. Use the template's heading row."),
                )
            )
    for name in TEMPLATE_COLUMNS:
        if name not in found:
            errors.append(RowError(1, name, _("The column “%(name)s” is missing.") % {"name": name}))
        elif len(found[name]) > 1:
            errors.append(
                RowError(
                    1,
                    name,
                    _("The column “%(name)s” appears more than once (columns %(letters)s).")
                    % {"name": name, "letters": ", ".join(_letter(i) for i in found[name])},
                )
            )
    return {name: indexes[0] for name, indexes in found.items()}, errors


def _normalise_cell(name: str, text: str, delimiter: str) -> str | None:
    text = text.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_STARTS:
        text = text[1:]  # The export's guard against formulas, undone.
    if not text:
        return None  # Empty means "not given": validate_disbursement_input applies the defaults.
    if name in _DECIMAL_COLUMNS and delimiter == ";" and _DECIMAL_COMMA.fullmatch(text):
        # With semicolons between columns the comma is the decimal mark, never a thousands separator.
        text = text.replace(",", ".")
    elif name in _DATE_COLUMNS and (match := _DOTTED_DATE.fullmatch(text)):
        day, month, year = match.groups()
        text = f"{year}-{int(month):02d}-{int(day):02d}"
    elif name in _CODE_COLUMNS:
        text = text.lower()
    return text


def _read_rows(text: str) -> tuple[list[_Row], list[RowError]]:
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[_Row] = []
    errors: list[RowError] = []
    try:
        positions, heading_errors = _column_positions(next(reader))
        if heading_errors:
            raise DisbursementImportError(heading_errors)
        used = set(positions.values())
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # Blank lines a spreadsheet leaves at the end.
            if len(rows) == MAX_ROWS:
                raise _file_error(
                    _("The file has more than %(limit)d rows: split it into files of at most %(limit)d rows.")
                    % {"limit": MAX_ROWS}
                )
            stray = [index for index, cell in enumerate(cells) if index not in used and cell.strip()]
            if stray:
                errors.append(
                    RowError(
                        number,
                        _letter(stray[0]),
                        _("This cell is in a column without a heading: move it to its column or delete it."),
                    )
                )
            for name, index in positions.items():
                if index < len(cells) and "\x00" in cells[index]:
                    # Refused, not stripped: PostgreSQL cannot store it, and a cell holding one was damaged on
                    # the way (a binary paste, a broken export), so its other characters are in doubt too.
                    errors.append(RowError(number, name, str(_NUL_MESSAGE)))
            values = {
                name: _normalise_cell(
                    name, cells[index].replace("\x00", "") if index < len(cells) else "", delimiter
                )
                for name, index in positions.items()
            }
            rows.append(_Row(number, values))
    except csv.Error:
        raise _file_error(
            _("The file could not be read as CSV near line %(line)d.") % {"line": reader.line_num}
        ) from None
    if not rows and not errors:
        raise _file_error(_("The file has a heading row but no disbursements."))
    return rows, errors


_NUL_MESSAGE = gettext_lazy(
    "This cell contains a NUL character (an invisible control character, often left by copying from another "
    "program): retype the cell."
)

# The model's fields that are not columns, by the column a volunteer corrects.
_MODEL_COLUMNS = {"amount_minor": "amount", "ledger_amount_minor": "amount", "ledger_currency": "currency"}

# What a message says instead when it would repeat something typed in the row.
_PLAIN_MESSAGES = {
    "paid_on": gettext_lazy("Give the date paid as a date like 2025-03-14, not in the future."),
    "amount": gettext_lazy(
        "Give the amount paid as a number above zero, such as 1250.50, with no more decimals than its currency has."
    ),
    "currency": gettext_lazy("Unknown currency: use an ISO 4217 code such as UAH, EUR, USD or PLN."),
    "exchange_rate": gettext_lazy(
        "Give the exchange rate as a number above zero, such as 0.0225, with at most 10 "
        "decimals; leave it empty when the currency paid is the ledger currency."
    ),
    "rate_source": gettext_lazy("Say where the exchange rate comes from (e.g. NBU, ECB, bank)."),
    "rate_date": gettext_lazy("Give the exchange rate's date as a date like 2025-03-14, not in the future."),
    "category": gettext_lazy("Choose an aid category from the list."),
    "region": gettext_lazy("Choose a region from the list."),
    "people_helped": gettext_lazy("The number of people helped must be a whole number above zero."),
    "public_description": gettext_lazy("Choose a public description from the list that fits the aid category."),
    "concerns_case": gettext_lazy("Say yes or no."),
    "payee_is_organisation": gettext_lazy("Say yes or no."),
    "payee_public": gettext_lazy("Say yes or no."),
    "payee_name": gettext_lazy("Say who was paid."),
}


class _Vocabulary:
    """The codes a row may contain, read once per import: lookups by code, and what is safe to repeat."""

    def __init__(self, codes: Codes) -> None:
        self.codes = codes
        self.categories = codes.categories
        self.descriptions = codes.descriptions

    def is_code(self, text: str) -> bool:
        lowered = text.lower()
        if lowered in _BOOL_WORDS or lowered in Region.values or text in self.categories or text in self.descriptions:
            return True
        try:
            normalise_currency(text)
        except MoneyError:
            return False
        return True


def _typed_texts(row: _Row, vocabulary: _Vocabulary) -> set[str]:
    """What a message must not repeat: every cell of the row except codes and short numbers."""
    texts: set[str] = set()
    for text in row.values.values():
        if text is None or vocabulary.is_code(text):
            continue
        if _NUMBERISH.fullmatch(text) and sum(char.isdigit() for char in text) <= _SHORT_NUMBER_DIGITS:
            continue
        texts.add(text)
        try:
            texts.add(str(Decimal(text)))  # How a rate or an amount is printed back.
        except (InvalidOperation, ValueError):
            pass
    return texts


def _row_errors(row: _Row, exc: ValidationError, vocabulary: _Vocabulary) -> list[RowError]:
    """The validator's messages, except that one repeating a cell is replaced by its plain version.

    ``validate_disbursement_input`` repeats short code-like values (a currency
    typed as "XYZ"), but a single word in the wrong column may be a surname.
    """
    typed = _typed_texts(row, vocabulary)
    by_field = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    errors = []
    for field, messages in by_field.items():
        for message in messages:
            if any(re.search(rf"(?<!\w){re.escape(text)}(?!\w)", message, re.IGNORECASE) for text in typed):
                message = str(_PLAIN_MESSAGES.get(field, gettext_lazy("This value cannot be used here.")))
            column = _MODEL_COLUMNS.get(field, field)
            errors.append(RowError(row.number, "" if column == "__all__" else column, message))
    return errors


# What makes two payments "the same" for a volunteer checking a spreadsheet twice.
REPEAT = "repeat"
DUPLICATE_KEY = ("paid_on", "amount_minor", "currency", "category", "payee_name")


def _duplicate_key(disbursement: Disbursement) -> tuple:
    return tuple(getattr(disbursement, "category_id" if name == "category" else name) for name in DUPLICATE_KEY)


def find_duplicates(checked: list[tuple[_Row, CheckedDisbursement]]) -> list[RowError]:
    """Rows that repeat an earlier row, or a disbursement already recorded (not rejected), by ``DUPLICATE_KEY``.

    The same file imported twice, or a payment typed twice, would otherwise
    record the aid twice. Messages name rows and disbursement ids, never
    values. One query, however many rows.
    """
    errors: list[RowError] = []
    first_row: dict[tuple, int] = {}
    keys = {row.number: _duplicate_key(item.disbursement) for row, item in checked}
    recorded: dict[tuple, int] = {}
    if keys:
        existing = Disbursement.objects.exclude(status=Disbursement.Status.REJECTED).filter(
            paid_on__in={key[0] for key in keys.values()}, amount_minor__in={key[1] for key in keys.values()}
        )
        columns = [f"{name}_id" if name == "category" else name for name in DUPLICATE_KEY]
        for row in existing.order_by("pk").values_list("pk", *columns):
            recorded.setdefault(tuple(row[1:]), row[0])
    for row, _item in checked:
        key = keys[row.number]
        if key in recorded:
            errors.append(RowError(row.number, "amount", _(
                "Disbursement %(id)s is already recorded with the same date, amount, currency, category and payee."
            ) % {"id": recorded[key]}, kind=REPEAT))
        elif key in first_row:
            errors.append(RowError(row.number, "amount", _(
                "Row %(row)s has the same date, amount, currency, category and payee."
            ) % {"row": first_row[key]}, kind=REPEAT))
        else:
            first_row[key] = row.number
    return errors


@dataclass(frozen=True)
class CheckedFile:
    """A file whose every row passed: what ``record_import`` writes."""

    rows: int
    disbursements: list[CheckedDisbursement]
    submit: bool


def check_import(
    source: bytes | str | IO[bytes] | IO[str],
    *,
    recorded_by,
    submit: bool = False,
    allow_duplicates: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> CheckedFile:
    """Read and check a whole file, writing nothing; ``DisbursementImportError`` lists every problem.

    A few queries per file, none per row: the permission, the codes (two)
    and the repeats (one). ``progress`` hears (rows checked, rows in the file).
    """
    # Before reading the file: someone who may not record learns nothing from it.
    require_permission(recorded_by, RECORD)
    rows, errors = _read_rows(_read_text(source))
    codes = load_codes()
    vocabulary = _Vocabulary(codes)
    results = check_disbursements(
        [dict(row.values) for row in rows], recorded_by=recorded_by, codes=codes, submit=submit,
        progress=(lambda done: progress(done, len(rows))) if progress else None,
    )
    checked: list[tuple[_Row, CheckedDisbursement]] = []
    for row, result in zip(rows, results, strict=True):
        if isinstance(result, ValidationError):
            errors.extend(_row_errors(row, result, vocabulary))
        else:
            checked.append((row, result))
    if not errors and not allow_duplicates:
        errors.extend(find_duplicates(checked))
    if errors:
        raise DisbursementImportError(errors)
    return CheckedFile(rows=len(rows), disbursements=[item for _row, item in checked], submit=submit)


def record_import(checked: CheckedFile, *, recorded_by) -> list[Disbursement]:
    """Record a checked file in one transaction: its disbursements, their audit entries, one "imported" entry."""
    with transaction.atomic():
        recorded = record_disbursements(
            recorded_by=recorded_by, checked=checked.disbursements, submit=checked.submit
        )
        ids = [disbursement.pk for disbursement in recorded]
        write_audit(
            actor=recorded_by, action=AuditLogEntry.Action.IMPORTED,
            summary=f"imported {len(ids)} disbursement(s) from a spreadsheet"
            + (f", ids {ids[0]}–{ids[-1]}" if ids else "") + (", submitted" if checked.submit else ""),
        )
    return recorded


def import_disbursements(
    source: bytes | str | IO[bytes] | IO[str],
    *,
    recorded_by,
    submit: bool = False,
    dry_run: bool = False,
    allow_duplicates: bool = False,
) -> ImportResult:
    """Record every row of a CSV file as a draft disbursement (submitted, with ``submit``), or none.

    ``source`` is the file's bytes or text, or a file opened in either mode:
    UTF-8 with or without a byte order mark, columns separated by commas or
    semicolons, the heading row naming ``TEMPLATE_COLUMNS``. Raises
    ``DisbursementImportError`` listing every problem (with its spreadsheet
    row and column) before anything is written, and ``PermissionDenied`` for
    someone who may not record disbursements. ``dry_run`` checks and writes
    nothing. A row that repeats another row or a disbursement already recorded
    (``find_duplicates``) is refused unless ``allow_duplicates``.
    """
    checked = check_import(source, recorded_by=recorded_by, submit=submit, allow_duplicates=allow_duplicates)
    if dry_run:
        return ImportResult(rows=checked.rows, disbursements=[], submitted=False, dry_run=True)
    recorded = record_import(checked, recorded_by=recorded_by)
    return ImportResult(rows=checked.rows, disbursements=recorded, submitted=submit, dry_run=False)


# --- Export --------------------------------------------------------------------

EXPORT_COLUMNS: tuple[str, ...] = (
    "id",
    "status",
    *TEMPLATE_COLUMNS,
    "ledger_currency",
    "ledger_amount",
    "recorded_by",
    "recorded_at",
    "submitted_at",
    "approved_by",
    "approved_at",
    "rejected_by",
    "rejected_at",
    "rejection_reason",
    "posted_by",
    "posted_at",
    "posted_entry_sequence",
    "reversed_by",
    "reversed_at",
    "reversal_reason",
    "reversal_entry_sequence",
)


# Who took each step, and when (the users by username).
_STEPS_BY = ("recorded", "approved", "rejected", "posted", "reversed")
_STEPS_AT = ("recorded", "submitted", "approved", "rejected", "posted", "reversed")


def _without_formula(cell: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe; plain numbers stay numbers."""
    if cell.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _export_row(d: Disbursement) -> dict[str, str]:
    """One disbursement's cells by column; the input columns exactly as the importer reads them."""
    sequence = {
        "posted_entry_sequence": d.export_posted_sequence,
        "reversal_entry_sequence": d.export_reversal_sequence,
    }
    return {
        "id": str(d.pk),
        "status": d.status,
        "paid_on": d.paid_on.isoformat(),
        "amount": str(Money(d.amount_minor, d.currency).to_decimal()),
        "currency": d.currency,
        "exchange_rate": format(d.exchange_rate.normalize(), "f"),
        "rate_source": d.rate_source,
        "rate_date": d.rate_date.isoformat() if d.rate_date else "",
        "category": d.export_category,
        "region": d.region,
        "people_helped": str(d.people_helped),
        "public_description": d.export_description,
        "concerns_case": _yes_no(d.concerns_case),
        "notes": d.notes,
        "case_reference": d.case_reference,
        "payee_name": d.payee_name,
        "payee_is_organisation": _yes_no(d.payee_is_organisation),
        "payee_public": _yes_no(d.payee_public),
        "ledger_currency": d.ledger_currency,
        "ledger_amount": str(Money(d.ledger_amount_minor, d.ledger_currency).to_decimal()),
        "rejection_reason": d.rejection_reason,
        "reversal_reason": d.reversal_reason,
        **{f"{step}_by": getattr(d, f"export_{step}_by") or "" for step in _STEPS_BY},
        **{f"{step}_at": _when(getattr(d, f"{step}_at")) for step in _STEPS_AT},
        **{name: str(value) if value else "" for name, value in sequence.items()},
    }


def export_disbursements_csv(queryset: QuerySet[Disbursement]) -> Iterator[str]:
    """The disbursements as CSV lines, heading first, for a ``StreamingHttpResponse``. One query.

    PRIVATE: for finance staff only. It includes the notes, case references,
    payees and rejection and reversal reasons that never leave the workspace
    otherwise.
    The input columns are written as the importer reads them, so a
    volunteer can correct a copy and import it again as new drafts.
    Related names come as annotations rather than ``select_related``: the
    posted entry's leaves and the users' password hashes are not needed.
    """
    username = get_user_model().USERNAME_FIELD
    rows = queryset.annotate(
        export_category=F("category__code"),
        export_description=F("public_description__code"),
        export_posted_sequence=F("posted_entry__sequence"),
        export_reversal_sequence=F("reversal_entry__sequence"),
        **{f"export_{step}_by": F(f"{step}_by__{username}") for step in _STEPS_BY},
    ).iterator(chunk_size=EXPORT_CHUNK_SIZE)
    writer = csv.writer(_Line())
    yield EXCEL_BOM + writer.writerow(EXPORT_COLUMNS)
    for disbursement in rows:
        cells = _export_row(disbursement)
        yield writer.writerow([_without_formula(cells[column]) for column in EXPORT_COLUMNS])
