"""``manage.py seed_demo``: a shop to click through in development (``make run`` calls it)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from shop.campaign.demo import ensure_demo_staff, load_demo_catalogue
from shop.campaign.demo_ledger import APPROVER_EMAIL, VOLUNTEER_EMAIL, demo_impact_url, load_demo_ledger
from shop.campaign.management.commands.setup_shop import describe_created, quiet_stock_alerts
from shop.campaign.reference_data import ensure_reference_data


class Command(BaseCommand):
    help = (
        "Load the reference data, a demo catalogue, six months of demo orders, refunds and disbursements in "
        "the proceeds ledger, and staff accounts with a well-known password. "
        "Development only: refuses to run unless DEBUG is on. Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        # Checked before any write: demo products and a known password have no
        # place in a live shop's database, not even half-loaded.
        if not settings.DEBUG:
            raise CommandError("seed_demo is for development only; it refuses to run with DEBUG off.")
        with quiet_stock_alerts(), transaction.atomic():
            created = ensure_reference_data()
            for kind, count in load_demo_catalogue().items():
                created[kind] = created.get(kind, 0) + count
            staff = ensure_demo_staff()
            # One transaction with the catalogue: the books are append-only, so a
            # half-loaded demo ledger could never be loaded again in full.
            for kind, count in load_demo_ledger(today=timezone.localdate()).items():
                created[kind] = created.get(kind, 0) + count
        if staff is None:  # unreachable while the DEBUG check above stands
            raise CommandError("The demo staff account is only created with DEBUG on.")
        email, password = staff
        self.stdout.write(self.style.SUCCESS(describe_created(created)))
        site = settings.SITE_URL.rstrip("/")
        self.stdout.write(f"Staff sign-in: {site}/en/dashboard/  email {email}  password {password}")
        self.stdout.write(f"Finance volunteer {VOLUNTEER_EMAIL} and approver {APPROVER_EMAIL}, same password")
        self.stdout.write(f"A demo supporter's impact page: {demo_impact_url()}")
