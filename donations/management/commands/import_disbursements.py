"""Import disbursements from a CSV file (the dashboard's template): every row, or none."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from donations.audit import RECORD
from donations.disbursement_csv import DisbursementImportError, import_disbursements


def find_user(identifier: str):
    """The one user with this username, or with this email in any case; CommandError for none or several.

    Oscar gives self-registered customers random usernames, so volunteers know
    each other by email. Two accounts sharing an email (Django allows it), or
    one account's username being another's email, is refused rather than
    guessed: the disbursements would carry the wrong name for good.
    """
    user_model = get_user_model()
    identifier = identifier.strip()
    email_field = user_model.get_email_field_name()
    matches = list(
        user_model._default_manager.filter(
            Q(**{user_model.USERNAME_FIELD: identifier}) | Q(**{f"{email_field}__iexact": identifier})
        )[:3]
    )
    if not identifier or not matches:
        raise CommandError(f"There is no user with the username or email {identifier!r}.")
    if len(matches) > 1:
        names = ", ".join(repr(user.get_username()) for user in matches)
        raise CommandError(
            f"{identifier!r} names more than one user ({names}): give the username of the one who recorded them."
        )
    return matches[0]


class Command(BaseCommand):
    help = (
        "Record every row of a CSV file as a draft disbursement, or nothing if any row has a problem; "
        "problems are listed by spreadsheet row (the heading row is row 1) and column."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The CSV file, UTF-8, in the template's columns.")
        parser.add_argument(
            "--recorded-by",
            required=True,
            metavar="EMAIL_OR_USERNAME",
            help="The finance volunteer the disbursements are recorded by: their email (any case) or username.",
        )
        parser.add_argument("--submit", action="store_true", help="Submit them for approval as well.")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and record nothing.")
        parser.add_argument(
            "--allow-duplicates", action="store_true",
            help="Import rows that repeat another row or a disbursement already recorded (same date, amount, "
            "currency, category and payee); refused otherwise.",
        )

    def handle(self, *args, **options):
        user = find_user(options["recorded_by"])
        if not user.is_active or not user.has_perm(RECORD):
            raise CommandError(f"The user {user.get_username()!r} may not record disbursements (needs {RECORD}).")
        try:
            with options["file"].open("rb") as source:
                result = import_disbursements(
                    source, recorded_by=user, submit=options["submit"], dry_run=options["dry_run"],
                    allow_duplicates=options["allow_duplicates"],
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror or exc}") from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        except DisbursementImportError as exc:
            for error in exc.errors:
                where = "file" if error.row is None else f"row {error.row}"
                if error.column:
                    where += f", {error.column}"
                self.stderr.write(f"{where}: {error.message}")
            raise CommandError(f"{len(exc.errors)} problem(s) found; nothing was recorded.") from None
        if result.dry_run:
            self.stdout.write(
                self.style.SUCCESS(f"All {result.rows} row(s) are valid; nothing was recorded (dry run).")
            )
        else:
            state = "submitted for approval" if result.submitted else "as drafts"
            self.stdout.write(self.style.SUCCESS(f"Recorded {len(result.disbursements)} disbursement(s) {state}."))
