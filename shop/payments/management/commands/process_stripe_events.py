"""``manage.py process_stripe_events``: apply queued Stripe webhook events (STRIPE_WEBHOOK_QUEUE=1)."""

import time

from django.core.management.base import BaseCommand

from shop.payments.webhooks import process_pending_events


class Command(BaseCommand):
    help = "Apply the Stripe webhook events that are stored but not yet processed. Safe to run in parallel."

    def add_arguments(self, parser):
        parser.add_argument("--forever", action="store_true", help="Keep polling (a worker process).")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls when idle.")

    def handle(self, *args, forever: bool, interval: float, **options):
        while True:
            done = process_pending_events(limit=200)
            if options["verbosity"] > 1 or (done and not forever):
                self.stdout.write(f"Applied {done} Stripe event(s).")
            if not forever:
                return
            if not done:
                time.sleep(interval)
