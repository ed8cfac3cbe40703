"""Recheck the books and the public log; exit non-zero on any break."""

import base64

from django.core.management.base import BaseCommand, CommandError

from donations.verification import verify_ledger


class Command(BaseCommand):
    help = (
        "Recompute every entry's balance, leaf and leaf hash, the sequence, reversal links, running "
        "balances, and the Merkle root against every stored checkpoint and its signature."
    )

    def handle(self, *args, **options):
        report = verify_ledger()
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        for problem in report.problems:
            self.stderr.write(f"BROKEN {problem}")
        summary = (
            f"{report.entries} entries, {report.postings} postings, "
            f"root {base64.b64encode(report.root).decode()}, latest checkpoint at "
            f"{'none' if report.latest_checkpoint_size is None else report.latest_checkpoint_size}"
        )
        if not report.ok:
            raise CommandError(f"ledger verification failed with {len(report.problems)} problem(s): {summary}")
        self.stdout.write(self.style.SUCCESS(f"ledger verified: {summary}"))
