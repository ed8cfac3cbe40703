from django.db import models
from django.utils.translation import gettext_lazy as _
from oscar.apps.partner.abstract_models import AbstractStockRecord


class StockRecord(AbstractStockRecord):
    # What one unit costs the campaign to make and pack: the ledger posts it as
    # cost of merch when an order is paid, so net proceeds are what aid receives.
    cost_price = models.DecimalField(
        _("Cost price"),
        decimal_places=2,
        max_digits=12,
        blank=True,
        null=True,
        help_text=_("What one unit costs to produce, in the price currency."),
    )


from oscar.apps.partner.models import *  # noqa: E402, F403 -- Oscar's fork pattern: ours first
