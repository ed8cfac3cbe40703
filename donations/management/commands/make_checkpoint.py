"""Sign the log's current tree head: for the process that holds the key when the web servers do not."""

import base64

from django.core.management.base import BaseCommand, CommandError

from donations.checkpoints import CheckpointError, make_checkpoint


class Command(BaseCommand):
    help = (
        "Sign the current tree head of the public log with LEDGER_SIGNING_KEY and keep the checkpoint. "
        "Web processes do this after each posting batch when they hold the key; where the key lives off "
        "the web servers, run this (from cron, say every minute) on the machine that holds it."
    )

    def handle(self, *args, **options):
        try:
            checkpoint = make_checkpoint()
        except CheckpointError as exc:
            raise CommandError(str(exc)) from exc
        root = base64.b64encode(bytes.fromhex(checkpoint.root_hash)).decode()
        self.stdout.write(self.style.SUCCESS(f"checkpoint at tree size {checkpoint.tree_size}, root {root}"))
