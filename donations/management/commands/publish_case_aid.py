"""Publish the monthly case aid summaries that are due (run daily from cron; safe to repeat)."""

from django.core.management.base import BaseCommand

from donations.case_aid import publish_case_aid_summaries, withheld_case_entries


class Command(BaseCommand):
    help = (
        "Post one summary entry for each month of aid to people that is past PUBLICATION_DELAY_DAYS and "
        "safe to publish (DISCLOSURE_MIN_CASES, DISCLOSURE_DOMINANCE_PERCENT); months that are not safe "
        "yet wait for the next. Idempotent."
    )

    def handle(self, *args, **options):
        entries = publish_case_aid_summaries()
        for entry in entries:
            self.stdout.write(f"posted summary #{entry.sequence}: {entry.memo}")
        waiting = withheld_case_entries()
        self.stdout.write(self.style.SUCCESS(
            f"{len(entries)} summar{'y' if len(entries) == 1 else 'ies'} posted; "
            f"{waiting} case entr{'y' if waiting == 1 else 'ies'} past the delay still held back for privacy"
        ))
