"""``manage.py setup_shop``: the reference data a new shop needs before its first sale."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import BaseCommand
from django.db import transaction

from shop.campaign.reference_data import ensure_reference_data


def describe_created(created: dict[str, int]) -> str:
    """One line naming what was created, or saying nothing was."""
    parts = [f"{kind} {count}" for kind, count in created.items() if count]
    return "Created: " + ", ".join(parts) + "." if parts else "Nothing to create: everything was already there."


@contextmanager
def quiet_stock_alerts() -> Iterator[None]:
    """Hide Oscar's per-stock-record "Sending alerts" log lines while loading.

    Oscar checks for stock alerts on every stock record it saves and logs two
    INFO lines each time, which would bury the command's own summary. Alerts
    are still sent; only their routine log lines are hidden.
    """
    logger = logging.getLogger("oscar.alerts")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Create the countries, product classes, partners, donation product, shipping zones and campaign page "
        "a shop needs. Only what is missing is created, so it is safe to run after every deploy."
    )

    def handle(self, *args, **options):
        with quiet_stock_alerts(), transaction.atomic():
            created = ensure_reference_data()
        self.stdout.write(self.style.SUCCESS(describe_created(created)))
