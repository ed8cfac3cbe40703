"""``manage.py run_imports [--forever]``: check and record the spreadsheets volunteers uploaded (a worker).

Like ``render_reports``: several may run; each import is claimed by one (a
conditional UPDATE), and one whose runner died is taken over after
``donations.import_jobs.STALE_AFTER``. Progress is written to the import's
row, which the import page shows. Not needed where ``IMPORTS_RUN_IN_THREAD``
is on (development): the web process runs imports itself.
"""

import time

from django.core.management.base import BaseCommand

from donations.import_jobs import run_queued_imports


class Command(BaseCommand):
    help = "Check and record uploaded disbursement spreadsheets, all rows or none. Safe to run in parallel."

    def add_arguments(self, parser):
        parser.add_argument("--forever", action="store_true", help="Keep polling (a worker process).")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls when idle.")

    def handle(self, *args, forever: bool, interval: float, **options):
        while True:
            taken = run_queued_imports(limit=5)
            if options["verbosity"] > 1 or (taken and not forever):
                self.stdout.write(f"Ran {taken} import(s).")
            if not forever:
                return
            if not taken:
                time.sleep(interval)
