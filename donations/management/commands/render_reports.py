"""``manage.py render_reports [--forever]``: render the reports volunteers requested (a worker).

Like ``process_stripe_events``: several may run, each queued report is taken
by one (rows locked with SKIP LOCKED). Progress is written to the report's
row, which the workspace's report page shows.
"""

import time

from django.core.management.base import BaseCommand

from donations.reports.publishing import render_queued_reports


class Command(BaseCommand):
    help = "Render queued PDF reports (then an approver publishes them). Safe to run in parallel."

    def add_arguments(self, parser):
        parser.add_argument("--forever", action="store_true", help="Keep polling (a worker process).")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between polls when idle.")

    def handle(self, *args, forever: bool, interval: float, **options):
        while True:
            done = render_queued_reports(limit=5)
            if options["verbosity"] > 1 or (done and not forever):
                self.stdout.write(f"Rendered {done} report(s).")
            if not forever:
                return
            if not done:
                time.sleep(interval)
