"""CSV import and export of disbursements (donations/disbursement_csv.py) and the import_disbursements command."""

import csv
import datetime
import io
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.utils import translation

from donations import disbursement_csv, disbursements
from donations.disbursement_csv import (
    COLUMN_HELP,
    EXPORT_COLUMNS,
    TEMPLATE_COLUMNS,
    DisbursementImportError,
    RowError,
    export_disbursements_csv,
    import_disbursements,
    template_csv,
)
from donations.models import AuditLogEntry, Disbursement
from tests.donations.finance import ensure_vocabulary, finance_team, make_user, posted, record, sell

NAME = "Olena Kovalenko"


@pytest.fixture(autouse=True)
def english():
    """Messages asserted below are the English ones, whatever translations are added later."""
    with translation.override("en"):
        yield


@pytest.fixture
def team(books):
    ensure_vocabulary()
    return finance_team()


_payees = itertools.count(1)


def row(**overrides: str) -> dict[str, str]:
    """One spreadsheet row as a volunteer types it: every cell a string; each row another payment (payee)."""
    values = {
        "paid_on": "2025-03-10",
        "amount": "100.00",
        "currency": "EUR",
        "exchange_rate": "",
        "rate_source": "",
        "rate_date": "",
        "category": "medicine",
        "region": "occupied",
        "people_helped": "3",
        "public_description": "medicines",
        "concerns_case": "yes",
        "notes": "Insulin for the family in Oleshky",
        "case_reference": "CASE-OLESHKY-17",
        "payee_name": f"Pharmacy Zdorovya LLC no. {next(_payees)}",
        "payee_is_organisation": "yes",
        "payee_public": "no",
    }
    values.update(overrides)
    return values


def csv_text(rows: list[dict[str, str]], *, columns=TEMPLATE_COLUMNS, delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(columns)
    for values in rows:
        writer.writerow([values.get(column, "") for column in columns])
    return out.getvalue()


def csv_bytes(rows: list[dict[str, str]], **kwargs) -> bytes:
    return csv_text(rows, **kwargs).encode()


def refused(source, team, **kwargs) -> list[RowError]:
    """Import ``source``, expect a refusal, and check that nothing at all was written."""
    with pytest.raises(DisbursementImportError) as caught:
        import_disbursements(source, recorded_by=team.volunteer, **kwargs)
    assert Disbursement.objects.count() == 0
    assert AuditLogEntry.objects.count() == 0
    return caught.value.errors


# --- Template --------------------------------------------------------------------


def test_the_template_is_the_heading_row_only_with_a_bom_for_excel():
    text = template_csv()
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == [list(TEMPLATE_COLUMNS)]


def test_every_template_column_is_explained_in_order():
    assert tuple(column.name for column in COLUMN_HELP) == TEMPLATE_COLUMNS


def test_the_untouched_template_imports_nothing(team):
    errors = refused(template_csv().encode(), team)
    assert [(error.row, error.column) for error in errors] == [(None, "")]
    assert "no disbursements" in errors[0].message


def test_the_help_lists_the_codes_on_offer(team):
    guide = disbursement_csv.import_help()
    assert "medicine" in [category.code for category in guide.categories]
    assert {"medicines", "humanitarian-aid"} <= {description.code for description in guide.descriptions}
    assert "kharkiv" in [code for code, _label in guide.regions]
    assert guide.ledger_currency == "EUR"


# --- Import ------------------------------------------------------------------------


def test_a_valid_file_records_every_row_as_a_draft(team):
    source = csv_bytes(
        [
            row(),
            row(
                amount="41250.00",
                currency="UAH",
                exchange_rate="0.0225",
                rate_source="NBU",
                rate_date="2025-03-09",
                category="food",
                public_description="food-packages",
                region="Kharkiv",
                concerns_case="no",
                payee_public="yes",
            ),
            row(
                people_helped="12",
                public_description="humanitarian-aid",
                concerns_case="",
                notes="",
                case_reference="",
                payee_name="Halyna",
                payee_is_organisation="",
                payee_public="",
            ),
        ]
    )
    result = import_disbursements(source, recorded_by=team.volunteer)

    assert result.rows == 3 and not result.dry_run and not result.submitted
    first, foreign, person = Disbursement.objects.order_by("id")
    imported = AuditLogEntry.objects.get(action="imported")
    assert imported.actor == team.volunteer and "imported 3 disbursement(s)" in imported.summary
    assert "Halyna" not in imported.summary
    assert [d.pk for d in result.disbursements] == [first.pk, foreign.pk, person.pk]
    assert {d.status for d in (first, foreign, person)} == {Disbursement.Status.DRAFT}
    assert {d.recorded_by for d in (first, foreign, person)} == {team.volunteer}
    assert (first.amount_minor, first.currency, first.ledger_amount_minor) == (10000, "EUR", 10000)
    assert first.notes == "Insulin for the family in Oleshky" and first.payee_is_organisation
    # 41 250.00 UAH × 0.0225 = 928.125 EUR, half-up to 928.13.
    assert (foreign.amount_minor, foreign.currency, foreign.ledger_amount_minor) == (4125000, "UAH", 92813)
    assert foreign.exchange_rate == Decimal("0.0225") and foreign.rate_date == datetime.date(2025, 3, 9)
    assert (foreign.category.code, foreign.region, foreign.concerns_case, foreign.payee_public) == (
        "food",
        "kharkiv",
        False,
        True,
    )
    # An empty "aid to a person or family" cell keeps the safe default: a sealed commitment.
    assert person.concerns_case is True and person.payee_is_organisation is False and person.people_helped == 12
    assert list(AuditLogEntry.objects.values_list("action", flat=True)) == ["recorded"] * 3 + ["imported"]


def test_submit_sends_every_row_for_approval(team):
    result = import_disbursements(csv_bytes([row(), row()]), recorded_by=team.volunteer, submit=True)
    assert result.submitted
    assert set(Disbursement.objects.values_list("status", flat=True)) == {Disbursement.Status.SUBMITTED}
    assert AuditLogEntry.objects.filter(action="submitted").count() == 2


def test_a_dry_run_checks_every_row_and_writes_nothing(team):
    result = import_disbursements(csv_bytes([row(), row()]), recorded_by=team.volunteer, dry_run=True)
    assert (result.rows, result.disbursements, result.dry_run) == (2, [], True)
    assert Disbursement.objects.count() == 0 and AuditLogEntry.objects.count() == 0


def test_one_bad_row_in_500_writes_nothing_and_names_that_row_and_column(team):
    rows = [row() for _ in range(500)]
    rows[315] = row(amount="-25.00")  # Spreadsheet row 317: the heading is row 1, the first disbursement row 2.
    errors = refused(csv_bytes(rows), team)
    assert [(error.row, error.column) for error in errors] == [(317, "amount")]
    assert "more than zero" in errors[0].message


def test_every_bad_row_is_reported_not_just_the_first(team):
    rows = [row(), row(currency="XYZ"), row(), row(people_helped="0", region="atlantis")]
    errors = refused(csv_bytes(rows), team)
    assert [(error.row, error.column) for error in errors] == [(3, "currency"), (5, "region"), (5, "people_helped")]


@pytest.mark.parametrize(
    ("overrides", "column", "message"),
    [
        ({"currency": "XYZ"}, "currency", "Unknown currency: use an ISO 4217 code"),
        ({"currency": "UAH"}, "exchange_rate", "needs its exchange rate to EUR"),
        ({"currency": "UAH", "exchange_rate": "0.0225", "rate_date": "2025-03-09"}, "rate_source", "where the"),
        ({"category": "weapons"}, "category", "There is no such aid category"),
        ({"region": "crimea-south"}, "region", "Unknown region"),
        ({"public_description": "new-shoes"}, "public_description", "There is no such public description"),
        ({"public_description": "food-packages"}, "public_description", "belongs to another aid category"),
        ({"paid_on": "2025-02-30"}, "paid_on", "must be a date like 2025-03-14"),
        ({"paid_on": "10/03/2025"}, "paid_on", "must be a date like 2025-03-14"),
        ({"paid_on": ""}, "paid_on", "Give the date paid"),
        ({"paid_on": "2999-01-01"}, "paid_on", "cannot be in the future"),
        (
            {"currency": "UAH", "exchange_rate": "0.0225", "rate_source": "NBU", "rate_date": "09.13.2025"},
            "rate_date",
            "must be a date like 2025-03-14",
        ),
        ({"amount": "1,250.00"}, "amount", "Not an amount"),
        ({"people_helped": "3.5"}, "people_helped", "whole number above zero"),
        ({"payee_public": "maybe"}, "payee_public", "Say yes or no"),
        ({"payee_name": ""}, "payee_name", "Say who was paid"),
    ],
)
def test_a_bad_cell_is_reported_by_row_and_column(team, overrides, column, message):
    errors = refused(csv_bytes([row(), row(**overrides)]), team)
    assert [(error.row, error.column) for error in errors] == [(3, column)]
    assert message in errors[0].message


def test_dates_may_be_written_day_first_with_dots_as_ukrainian_spreadsheets_do(team):
    import_disbursements(csv_bytes([row(paid_on="9.03.2025")]), recorded_by=team.volunteer)
    assert Disbursement.objects.get().paid_on == datetime.date(2025, 3, 9)


def test_semicolons_between_columns_and_decimal_commas_are_read(team):
    text = csv_text(
        [
            row(
                amount="1250,50",
                currency="UAH",
                exchange_rate="0,0225",
                rate_source="NBU",
                rate_date="10.03.2025",
                notes="boxes, tape and labels",
            )
        ],
        delimiter=";",
    )
    import_disbursements(text.encode(), recorded_by=team.volunteer)
    disbursement = Disbursement.objects.get()
    assert (disbursement.amount_minor, disbursement.exchange_rate) == (125050, Decimal("0.0225"))
    assert disbursement.notes == "boxes, tape and labels"


def test_a_byte_order_mark_is_accepted_from_bytes_and_from_text_files(team):
    import_disbursements(b"\xef\xbb\xbf" + csv_bytes([row()]), recorded_by=team.volunteer)
    import_disbursements(io.StringIO("\ufeff" + csv_text([row()])), recorded_by=team.volunteer)
    import_disbursements(io.BytesIO(csv_bytes([row()])), recorded_by=team.volunteer)
    assert Disbursement.objects.count() == 3


@pytest.mark.parametrize("encoding", ["cp1251", "utf-16"])
def test_a_file_that_is_not_utf8_is_refused_clearly(team, encoding):
    source = csv_text([row(payee_name="Аптека Здоров'я", notes="Інсулін")]).encode(encoding)
    errors = refused(source, team)
    assert [(error.row, error.column) for error in errors] == [(None, "")]
    assert "not UTF-8" in errors[0].message and "CSV UTF-8" in errors[0].message


@pytest.mark.parametrize("source", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  \n"])
def test_an_empty_file_is_refused(team, source):
    errors = refused(source, team)
    assert len(errors) == 1 and "empty" in errors[0].message


def test_a_heading_row_with_missing_unknown_and_repeated_columns_is_refused_whole(team):
    columns = [column for column in TEMPLATE_COLUMNS if column not in ("region", "payee_public")]
    columns += [NAME, "notes"]
    errors = refused(csv_bytes([row()], columns=columns), team)
    assert [(error.row, error.column) for error in errors] == [
        (1, "region"),
        (1, "notes"),
        (1, "payee_public"),
        (1, "O"),
    ]
    assert "missing" in errors[0].message and "columns K, P" in errors[1].message
    assert all("Kovalenko" not in error.message for error in errors)


def test_an_export_fed_back_unchanged_is_refused_column_by_column(team):
    record(team)
    errors = refused_after_export(team)
    assert [error.column for error in errors][:2] == ["A", "B"]
    assert "“id” is a column of the export" in errors[0].message and len(errors) == len(EXPORT_COLUMNS) - len(
        TEMPLATE_COLUMNS
    )


def refused_after_export(team) -> list[RowError]:
    text = "".join(export_disbursements_csv(Disbursement.objects.all()))
    with pytest.raises(DisbursementImportError) as caught:
        import_disbursements(text.encode(), recorded_by=team.volunteer)
    assert Disbursement.objects.count() == 1
    return caught.value.errors


def test_headings_are_read_whatever_their_case_and_spacing(team):
    heading = ",".join(f" {column.upper().replace('_', ' ')} " for column in TEMPLATE_COLUMNS)
    text = heading + "\r\n" + csv_text([row()]).split("\r\n", 1)[1]
    import_disbursements(text.encode(), recorded_by=team.volunteer)
    assert Disbursement.objects.count() == 1


def test_a_cell_under_no_heading_is_refused_but_empty_ones_are_ignored(team):
    text = csv_text([row()], columns=[*TEMPLATE_COLUMNS, ""])
    lines = text.splitlines()
    good = "\r\n".join([lines[0], lines[1] + ","]) + "\r\n"
    import_disbursements(good.encode(), recorded_by=team.volunteer)
    assert Disbursement.objects.count() == 1
    bad = "\r\n".join([lines[0], lines[1] + f",{NAME}"]) + "\r\n"
    with pytest.raises(DisbursementImportError) as caught:
        import_disbursements(bad.encode(), recorded_by=team.volunteer)
    assert [(error.row, error.column) for error in caught.value.errors] == [(2, "R")]
    assert Disbursement.objects.count() == 1


def test_rows_are_counted_as_the_spreadsheet_shows_them_past_blank_lines_and_multiline_cells(team):
    text = csv_text([row(notes="line one\nline two"), row(), row(amount="0")])
    lines = text.split("\r\n")
    text = "\r\n".join([*lines[:3], ",,,,", *lines[3:]])  # A blank row 4; the multi-line cell is still row 2.
    errors = refused(text.encode(), team)
    assert [(error.row, error.column) for error in errors] == [(5, "amount")]


def test_a_file_with_too_many_rows_is_refused_before_any_row_is_checked(team, monkeypatch):
    monkeypatch.setattr(disbursement_csv, "MAX_ROWS", 5)
    errors = refused(csv_bytes([row(amount="-1")] * 6), team)
    assert len(errors) == 1 and "more than 5 rows" in errors[0].message
    import_disbursements(csv_bytes([row() for _ in range(5)]), recorded_by=team.volunteer)
    assert Disbursement.objects.count() == 5


def test_a_file_too_large_is_refused_unread(team, monkeypatch):
    monkeypatch.setattr(disbursement_csv, "MAX_FILE_BYTES", 1024)
    errors = refused(io.BytesIO(csv_bytes([row()] * 20)), team)
    assert len(errors) == 1 and "larger than" in errors[0].message


@pytest.mark.parametrize(
    ("column", "name"),
    [
        (column, name)
        for column in (
            "paid_on",
            "amount",
            "currency",
            "exchange_rate",
            "rate_date",
            "category",
            "region",
            "people_helped",
            "public_description",
            "concerns_case",
            "payee_is_organisation",
            "payee_public",
        )
        for name in (NAME, "Kovalenko", "+380671234567")
        if (column, name) != ("amount", "+380671234567")  # A phone number is, alas, a valid amount.
    ],
)
def test_a_name_typed_in_the_wrong_column_never_appears_in_a_message(team, column, name):
    errors = refused(csv_bytes([row(**{column: name})]), team)
    assert errors, "the misplaced name was not even refused"
    assert {error.column for error in errors} >= {column}
    for error in errors:
        assert "Kovalenko" not in error.message and "380671234567" not in error.message


def test_a_phone_number_as_a_rate_is_not_printed_back_even_as_a_number(team):
    # validate_disbursement_input would say "its exchange rate is 1, not 380671234".
    errors = refused(csv_bytes([row(exchange_rate="0380671234")]), team)
    assert [(error.row, error.column) for error in errors] == [(2, "exchange_rate")]
    assert "380671234" not in errors[0].message and "number above zero" in errors[0].message


def test_someone_who_may_not_record_cannot_import(team):
    reader = make_user("reader", "view_disbursement")
    with pytest.raises(PermissionDenied):
        import_disbursements(csv_bytes([row()]), recorded_by=reader)
    assert Disbursement.objects.count() == 0


# --- Command -------------------------------------------------------------------------


@pytest.fixture
def csv_path(tmp_path):
    def write(rows, **kwargs):
        path = tmp_path / "disbursements.csv"
        path.write_bytes(csv_bytes(rows, **kwargs))
        return path

    return write


def test_the_command_records_the_file_and_says_how_many(team, csv_path, capsys):
    call_command("import_disbursements", str(csv_path([row(), row()])), "--recorded-by", "volunteer", "--submit")
    assert "Recorded 2 disbursement(s) submitted for approval." in capsys.readouterr().out
    assert set(Disbursement.objects.values_list("status", flat=True)) == {"submitted"}


def test_the_command_lists_every_problem_by_row_and_writes_nothing(team, csv_path, capsys):
    path = csv_path([row(), row(amount="-5", payee_name=""), row(), row(category=NAME)])
    with pytest.raises(CommandError, match=r"3 problem\(s\) found; nothing was recorded"):
        call_command("import_disbursements", str(path), "--recorded-by", "volunteer")
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert [line.split(":", 1)[0] for line in lines] == ["row 3, amount", "row 3, payee_name", "row 5, category"]
    assert "more than zero" in lines[0] and "There is no such aid category" in lines[2]
    assert "Kovalenko" not in err
    assert Disbursement.objects.count() == 0 and AuditLogEntry.objects.count() == 0


def test_the_command_exits_non_zero_through_call_command_and_the_shell(team, csv_path):
    path = csv_path([row(amount="")])
    utility = ManagementUtility(["manage.py", "import_disbursements", str(path), "--recorded-by", "volunteer"])
    with pytest.raises(SystemExit) as exited:
        utility.execute()
    assert exited.value.code == 1


def test_the_command_dry_run_writes_nothing(team, csv_path, capsys):
    call_command("import_disbursements", str(csv_path([row()])), "--recorded-by", "volunteer", "--dry-run")
    assert "All 1 row(s) are valid; nothing was recorded (dry run)." in capsys.readouterr().out
    assert Disbursement.objects.count() == 0


@pytest.mark.parametrize(
    ("username", "message"),
    [("nobody", "There is no user with the username or email 'nobody'"), ("reader", "may not record disbursements")],
)
def test_the_command_refuses_an_unknown_user_or_one_without_permission(team, csv_path, username, message):
    make_user("reader", "view_disbursement")
    with pytest.raises(CommandError, match=message):
        call_command("import_disbursements", str(csv_path([row()])), "--recorded-by", username)
    assert Disbursement.objects.count() == 0


def test_the_command_refuses_a_missing_file(team, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_disbursements", str(tmp_path / "missing.csv"), "--recorded-by", "volunteer")


# --- Export ------------------------------------------------------------------------------


def exported(queryset=None) -> list[dict[str, str]]:
    text = "".join(export_disbursements_csv(queryset if queryset is not None else Disbursement.objects.all()))
    assert text.startswith("\ufeff")
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    assert tuple(reader.fieldnames) == EXPORT_COLUMNS
    return list(reader)


COMPARED = (
    "paid_on",
    "amount_minor",
    "currency",
    "exchange_rate",
    "rate_source",
    "rate_date",
    "ledger_currency",
    "ledger_amount_minor",
    "category_id",
    "region",
    "people_helped",
    "public_description_id",
    "concerns_case",
    "notes",
    "case_reference",
    "payee_name",
    "payee_is_organisation",
    "payee_public",
)


def test_an_export_imports_back_to_the_same_disbursements(team):
    originals = [
        record(team),
        record(
            team,
            amount="41250.00",
            currency="UAH",
            exchange_rate="0.0225",
            rate_source="NBU official rate",
            rate_date=datetime.date(2025, 3, 9),
            category="food",
            public_description="food-packages",
            region="kharkiv",
            concerns_case=False,
            payee_public=True,
        ),
        record(
            team,
            notes='-2 boxes returned, "damaged"\nsecond line',
            case_reference="",
            people_helped=40,
            payee_name="Олена, Київ",
            payee_is_organisation=False,
            public_description="humanitarian-aid",
        ),
    ]
    rows = exported()
    text = csv_text([{column: values[column] for column in TEMPLATE_COLUMNS} for values in rows])
    # The same payments again, on purpose: without allow_duplicates the importer refuses them as repeats.
    result = import_disbursements(text.encode(), recorded_by=team.approver, allow_duplicates=True)

    def fields(disbursement):
        return {name: getattr(disbursement, name) for name in COMPARED}

    by_id = {disbursement.pk: disbursement for disbursement in originals}
    copies = [by_id[int(values["id"])] for values in rows]  # The export's order: newest payment first.
    assert [fields(copy) for copy in result.disbursements] == [fields(original) for original in copies]


def test_the_export_names_status_ledger_amount_people_and_the_posted_entry(team):
    sell("100001", 200000)
    done = posted(
        team,
        amount="41250.00",
        currency="UAH",
        exchange_rate="0.0225",
        rate_source="NBU",
        rate_date=datetime.date(2025, 3, 9),
    )
    record(team, by=team.approver, paid_on=datetime.date(2025, 3, 1))
    draft_row, posted_row = sorted(exported(), key=lambda values: values["status"])
    assert (posted_row["id"], posted_row["status"], posted_row["amount"], posted_row["currency"]) == (
        str(done.pk),
        "posted",
        "41250.00",
        "UAH",
    )
    assert (posted_row["ledger_currency"], posted_row["ledger_amount"]) == ("EUR", "928.13")
    assert (posted_row["recorded_by"], posted_row["approved_by"], posted_row["posted_by"]) == (
        "volunteer",
        "approver",
        "approver",
    )
    assert posted_row["posted_entry_sequence"] == str(done.posted_entry.sequence)
    assert posted_row["approved_at"] and posted_row["posted_at"] and posted_row["submitted_at"]
    assert (draft_row["status"], draft_row["recorded_by"], draft_row["approved_by"]) == ("draft", "approver", "")
    assert draft_row["posted_entry_sequence"] == "" and draft_row["exchange_rate"] == "1"


def test_the_export_names_who_reversed_a_disbursement_and_the_reversal_entry(team):
    sell("100001", 200000)
    done = posted(team)
    reversal = disbursements.reverse_disbursement(disbursement=done, by=team.approver, reason="Paid twice")
    (values,) = exported()
    assert (values["status"], values["reversed_by"], values["reversal_reason"]) == (
        "reversed",
        "approver",
        "Paid twice",
    )
    assert values["reversal_entry_sequence"] == str(reversal.sequence) and values["reversed_at"]
    assert values["posted_entry_sequence"] == str(done.posted_entry.sequence)


def test_the_export_is_one_query_however_many_rows(team, django_assert_num_queries):
    for _ in range(5):
        record(team)
    with django_assert_num_queries(1):
        assert len(list(export_disbursements_csv(Disbursement.objects.all()))) == 6


def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(team):
    record(
        team,
        notes='=HYPERLINK("http://evil.example","x")',
        payee_name="@SUM(A1)",
        case_reference="+380 67 000 0000",
        rate_source="",
    )
    values = exported()[0]
    assert values["notes"] == '\'=HYPERLINK("http://evil.example","x")'
    assert values["payee_name"] == "'@SUM(A1)"
    assert values["case_reference"] == "'+380 67 000 0000"
    assert (values["amount"], values["people_helped"]) == ("100.00", "3")  # Plain numbers stay numbers.
    # And the importer reads the guarded cells back as they were typed.
    import_disbursements(
        csv_text([{column: values[column] for column in TEMPLATE_COLUMNS}]).encode(), recorded_by=team.volunteer,
        allow_duplicates=True,
    )
    copy = Disbursement.objects.order_by("-id").first()
    assert (copy.notes, copy.payee_name, copy.case_reference) == (
        '=HYPERLINK("http://evil.example","x")',
        "@SUM(A1)",
        "+380 67 000 0000",
    )


def test_a_row_repeating_another_or_a_recorded_payment_is_refused_unless_allowed(team):
    same = {"payee_name": "Apteka"}
    recorded = import_disbursements(csv_bytes([row(**same)]), recorded_by=team.volunteer).disbursements[0]
    with pytest.raises(DisbursementImportError) as refused:
        import_disbursements(
            csv_bytes([row(people_helped="9", **same), row(amount="12.00", **same), row(amount="12.00", **same)]),
            recorded_by=team.volunteer,
        )
    problems = [(error.row, error.message) for error in refused.value.errors]
    assert problems == [
        (2, f"Disbursement {recorded.pk} is already recorded with the same date, amount, currency, category and "
            "payee."),
        (4, "Row 3 has the same date, amount, currency, category and payee."),
    ]
    assert Disbursement.objects.count() == 1
    allowed = import_disbursements(
        csv_bytes([row(**same), row(**same)]), recorded_by=team.volunteer, allow_duplicates=True
    )
    assert len(allowed.disbursements) == 2 and Disbursement.objects.count() == 3


# --- Bulk path: queries, equivalence, values of any size ------------------------------------------


def _foreign(**overrides) -> dict[str, str]:
    foreign = {"currency": "UAH", "amount": "41250.00", "exchange_rate": "0.0225", "rate_source": "NBU",
               "rate_date": "2025-03-09"}
    return row(**{**foreign, **overrides})


def _inserts(model_rows: int, fields: int) -> int:
    """INSERT statements bulk_create needs for ``model_rows`` rows: one per batch the database allows."""
    from django.db import connection

    batch = min(disbursements.BULK_BATCH_SIZE, connection.ops.bulk_batch_size([None] * fields, [None] * model_rows))
    return -(-model_rows // batch)


def _import_queries(team, rows: int, django_assert_num_queries) -> int:
    from donations.models import AuditLogEntry as Entry

    before = Disbursement.objects.count()
    source = csv_bytes([_foreign() if number % 3 == 0 else row() for number in range(rows)])
    volunteer = type(team.volunteer).objects.get(pk=team.volunteer.pk)  # Permissions not cached yet.
    disbursement_fields = len([f for f in Disbursement._meta.concrete_fields if not f.primary_key])
    entry_fields = len([f for f in Entry._meta.concrete_fields if not f.primary_key])
    batches = _inserts(rows, disbursement_fields) + _inserts(rows, entry_fields)
    # Permissions (2), codes (2), repeats (1), two savepoints and their releases (4), the "imported" entry (1),
    # then the INSERTs: one each for disbursements and entries, unless SQLite's variable limit splits them.
    fixed = 10
    with django_assert_num_queries(fixed + batches):
        import_disbursements(source, recorded_by=volunteer)
    assert Disbursement.objects.count() == before + rows
    return batches


def test_an_import_costs_the_same_queries_for_10_rows_as_for_500_but_for_insert_batches(
    team, django_assert_num_queries
):
    """No query per row: 10 and 500 rows differ only in INSERT batches (none on PostgreSQL, which has no limit)."""
    from django.db import connection

    small = _import_queries(team, 10, django_assert_num_queries)
    large = _import_queries(team, 500, django_assert_num_queries)
    if connection.vendor == "postgresql":
        assert small == large == 2


def test_a_dry_run_of_500_rows_is_five_queries(team, django_assert_num_queries):
    source = csv_bytes([row() for _ in range(500)])
    volunteer = type(team.volunteer).objects.get(pk=team.volunteer.pk)
    with django_assert_num_queries(5):
        import_disbursements(source, recorded_by=volunteer, dry_run=True)


def test_the_bulk_path_records_exactly_what_recording_row_by_row_did(team):
    """Same fields (multi-currency rows with rates included) and the same audit entries as record + submit."""
    rows = [row(), _foreign(category="food", public_description="food-packages", region="Kharkiv"),
            row(concerns_case="", payee_is_organisation="", payee_public="", amount="0.01", people_helped="12"),
            _foreign(amount="3.33", exchange_rate="0.0333333333", payee_public="yes", concerns_case="no")]
    result = import_disbursements(csv_bytes(rows), recorded_by=team.volunteer, submit=True)
    bulk = [(d, list(AuditLogEntry.objects.filter(disbursement=d).values_list("action", "actor", "summary",
                                                                              "fields")))
            for d in result.disbursements]
    Disbursement.objects.filter(pk__in=[d.pk for d in result.disbursements])  # kept for comparison below

    by_row = []
    codes = disbursements.load_codes()
    for typed in rows:
        values = {name: typed[name] or None for name in TEMPLATE_COLUMNS}
        values["category"] = values["category"].lower()
        values["region"] = values["region"].lower()
        one = disbursements.record_disbursement(recorded_by=team.approver, **values)
        one = disbursements.submit_disbursement(disbursement=one, by=team.approver)
        by_row.append((one, list(AuditLogEntry.objects.filter(disbursement=one).values_list(
            "action", "actor", "summary", "fields"))))
    assert codes.categories

    def fields(disbursement):
        fresh = Disbursement.objects.get(pk=disbursement.pk)
        return {name: getattr(fresh, name) for name in (*COMPARED, "status")}

    for (imported, imported_log), (recorded, recorded_log) in zip(bulk, by_row, strict=True):
        assert fields(imported) == fields(recorded)
        assert Disbursement.objects.get(pk=imported.pk).submitted_at is not None
        assert [entry[0::2] for entry in imported_log] == [entry[0::2] for entry in recorded_log] == [
            ("recorded", "recorded as a draft"), ("submitted", "draft → submitted")]
        assert {entry[1] for entry in imported_log} == {team.volunteer.pk}
    assert AuditLogEntry.objects.filter(action="imported").count() == 1


BAD_NUMBERS = [
    ("amount", "1e30", "at most 92\u00a0233\u00a0720\u00a0368\u00a0547\u00a0758.07 EUR"),
    ("amount", "1E+400", "at most 92\u00a0233\u00a0720\u00a0368\u00a0547\u00a0758.07 EUR"),
    ("amount", "1E+999999999", "at most 92\u00a0233"),
    ("amount", "9" * 40, "at most 92\u00a0233"),
    ("amount", "92233720368547758.08", "at most 92\u00a0233\u00a0720\u00a0368\u00a0547\u00a0758.07 EUR"),
    ("amount", "NaN", "Not an amount"),
    ("amount", "sNaN", "Not an amount"),
    ("amount", "Infinity", "Not an amount"),
    ("amount", "-Infinity", "Not an amount"),
    ("amount", "-0", "more than zero"),
    ("amount", "1.001", "more decimals than EUR allows"),
    ("amount", "1E-400", "more decimals than EUR allows"),
    ("amount", "0." + "0" * 39 + "1", "more decimals than EUR allows"),
    ("exchange_rate", "1e30", "more than zero and at most 9\u00a0999\u00a0999\u00a0999.9999999999"),
    ("exchange_rate", "1E+400", "at most 9\u00a0999\u00a0999\u00a0999.9999999999"),
    ("exchange_rate", "9" * 40, "at most 9\u00a0999\u00a0999\u00a0999.9999999999"),
    ("exchange_rate", "10000000000", "at most 9\u00a0999\u00a0999\u00a0999.9999999999"),
    ("exchange_rate", "NaN", "more than zero"),
    ("exchange_rate", "Infinity", "more than zero"),
    ("exchange_rate", "-0", "more than zero"),
    ("exchange_rate", "0.00000000001", "at most 10 decimal places"),
    ("exchange_rate", "1E-400", "at most 10 decimal places"),
    ("people_helped", "9" * 40, "at most 2\u00a0147\u00a0483\u00a0647"),
    ("people_helped", "²", "whole number above zero"),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD_NUMBERS)
def test_a_number_of_any_size_or_form_is_a_row_error_naming_the_range(team, column, value, message):
    cells = _foreign(**{column: value}) if column == "exchange_rate" else row(**{column: value})
    errors = refused(csv_bytes([row(), cells]), team)
    assert [(error.row, error.column) for error in errors] == [(3, column)]
    assert message in errors[0].message
    assert "amount_minor" not in errors[0].message


def test_a_rate_that_makes_the_ledger_amount_too_large_is_refused_on_the_amount(team):
    errors = refused(csv_bytes([_foreign(amount="92233720368547758.07", exchange_rate="9999999999")]), team)
    assert [(error.row, error.column) for error in errors] == [(2, "amount")]
    assert "the most the books can hold" in errors[0].message


def test_a_text_longer_than_its_column_is_refused_as_the_model_would(team):
    errors = refused(csv_bytes([row(payee_name="P" * 201), row(case_reference="C" * 65)]), team)
    assert [(error.row, error.column) for error in errors] == [(2, "payee_name"), (3, "case_reference")]
    assert "at most 200 characters" in errors[0].message


@pytest.mark.parametrize("column", ["amount", "payee_name", "notes", "category"])
def test_a_nul_inside_a_cell_is_refused_with_its_row_and_column(team, column):
    cells = row()
    cells[column] = cells[column][:3] + "\x00" + cells[column][3:]
    errors = refused(csv_bytes([row(), cells]), team)
    assert (3, column) in [(error.row, error.column) for error in errors]
    nul = next(error for error in errors if error.column == column)
    assert "NUL character" in nul.message and "not UTF-8" not in nul.message


def test_nuls_all_through_the_heading_still_mean_the_file_is_not_utf8(team):
    source = csv_text([row()]).encode("utf-16-le")  # No byte order mark: decodes as UTF-8 with NULs.
    errors = refused(source, team)
    assert [(error.row, error.column) for error in errors] == [(None, "")] and "not UTF-8" in errors[0].message


def test_the_command_reports_bad_numbers_by_row_never_a_traceback(team, csv_path, capsys):
    path = csv_path([row(amount="1E+400"), _foreign(exchange_rate="1e30"), row(notes="a\x00b")])
    with pytest.raises(CommandError, match=r"3 problem\(s\) found; nothing was recorded"):
        call_command("import_disbursements", str(path), "--recorded-by", "volunteer")
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(":", 1)[0] for line in lines] == ["row 2, amount", "row 3, exchange_rate", "row 4, notes"]
    assert Disbursement.objects.count() == 0


@pytest.mark.parametrize("who", ["volunteer", "volunteer@example.org", "VOLUNTEER@Example.ORG", " volunteer "])
def test_the_command_takes_an_email_in_any_case_or_a_username(team, csv_path, who):
    call_command("import_disbursements", str(csv_path([row()])), "--recorded-by", who)
    assert Disbursement.objects.get().recorded_by == team.volunteer


def test_the_command_refuses_an_email_two_users_share(team, csv_path):
    make_user("volunteer-again", "add_disbursement")
    type(team.volunteer).objects.filter(username="volunteer-again").update(email="Volunteer@example.org")
    with pytest.raises(CommandError, match="more than one user"):
        call_command("import_disbursements", str(csv_path([row()])), "--recorded-by", "volunteer@example.org")
    assert Disbursement.objects.count() == 0


def test_the_command_refuses_an_unknown_email(team, csv_path):
    with pytest.raises(CommandError, match="no user with the username or email 'nobody@example.org'"):
        call_command("import_disbursements", str(csv_path([row()])), "--recorded-by", "nobody@example.org")
