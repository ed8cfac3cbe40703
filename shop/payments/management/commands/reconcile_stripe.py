"""``manage.py reconcile_stripe --since YYYY-MM-DD [--dry-run]``: apply what the shop missed from Stripe.

Safe to run at any time and from a scheduled job (say hourly, ``--since`` two
days back, ``--verbosity 0``): a second run changes nothing. With
``--verbosity 0`` it prints only problems, on stderr; it exits non-zero when
the input is bad, when Stripe cannot be reached, or when an item could not be
applied (everything else still is).
"""

import re
from datetime import date, datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shop.payments.reconciliation import ReconciliationStopped, reconcile_stripe
from shop.payments.stripe_gateway import StripeNotConfigured

STRIPE_EVENT_RETENTION = timedelta(days=30)  # Stripe lists events of the last 30 days only
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Command(BaseCommand):
    help = (
        "Ask Stripe for the Checkout Sessions and events created since a date and apply what the shop missed: "
        "orders for paid sessions, baskets of expired ones, fees, events, refunds. Reports each change."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since", required=True, metavar="YYYY-MM-DD",
            help="First day to check, from midnight in the shop's time zone (TIME_ZONE).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; change nothing.")

    def handle(self, *args, since: str, dry_run: bool, **options):
        verbosity = options["verbosity"]
        start = self.parse_since(since)
        today = timezone.localdate()
        if verbosity and today - start.date() > STRIPE_EVENT_RETENTION:
            oldest = today - STRIPE_EVENT_RETENTION
            self.stdout.write(f"note: Stripe keeps events for 30 days; those before {oldest} cannot be checked.")
        prefix = "would change: " if dry_run else "changed: "
        try:
            result = reconcile_stripe(
                since=start,
                dry_run=dry_run,
                on_change=(lambda finding: self.stdout.write(f"{prefix}{finding}")) if verbosity else None,
                on_problem=lambda finding: self.stderr.write(f"problem: {finding}"),
            )
        except ReconciliationStopped as exc:
            done = len(exc.progress.changes)
            problem = "not configured" if isinstance(exc.__cause__, StripeNotConfigured) else "unavailable"
            raise CommandError(
                f"Stripe is {problem} ({exc}). "
                + (f"{done} change(s) were applied completely before it stopped; " if done and not dry_run else "")
                + "nothing else was changed. Run the command again later."
            ) from exc
        summary = (
            f"Checked {result.sessions} Checkout Session(s) and {result.events} event(s) "
            f"since {start:%Y-%m-%d %H:%M %Z}: {len(result.changes)} change(s)"
            f"{' would be made (dry run: nothing changed)' if dry_run else ''}."
        )
        if result.problems:
            raise CommandError(f"{summary} {len(result.problems)} item(s) could not be applied: see above.")
        if verbosity:
            self.stdout.write(summary)

    def parse_since(self, value: str) -> datetime:
        """Midnight at the start of the given day, in the shop's time zone."""
        try:
            if not _DATE.match(value):
                raise ValueError(value)
            day = date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--since must be a date written YYYY-MM-DD (e.g. 2026-11-01), not {value!r}") from None
        if day > timezone.localdate():
            raise CommandError(f"--since {value} is in the future: there is nothing to reconcile yet.")
        return timezone.make_aware(datetime.combine(day, time.min))
