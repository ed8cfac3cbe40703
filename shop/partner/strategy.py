"""The shop's pricing strategy: Oscar's default, plus the donation's chosen amount."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from oscar.apps.partner import availability, prices
from oscar.apps.partner import strategy as oscar_strategy

from shop.donation import (
    donation_amount_from_line,
    donation_amount_from_options,
    donation_limits,
    is_donation,
)


class Selector:
    def strategy(self, request: Any = None, user: Any = None, **kwargs: Any) -> CampaignStrategy:
        return CampaignStrategy(request)


class CampaignStrategy(oscar_strategy.Default):
    """Prices come from stock records, tax-inclusive (no tax is added on top).

    A donation's price is the amount the supporter chose, carried as a line
    option; a donation product shown alone (catalogue, product page) is priced
    at the minimum gift so that it reads "from 2.00".
    """

    def fetch_for_line(self, line: Any, stockrecord: Any = None) -> oscar_strategy.PurchaseInfo:
        if is_donation(line.product):
            return self.donation_purchase_info(line.product, donation_amount_from_line(line))
        return super().fetch_for_line(line, stockrecord)

    def fetch_for_product_with_options(
        self, product: Any, options: list[dict[str, Any]]
    ) -> oscar_strategy.PurchaseInfo:
        if is_donation(product):
            return self.donation_purchase_info(product, donation_amount_from_options(options))
        return self.fetch_for_product(product)

    def fetch_for_product(self, product: Any, stockrecord: Any = None) -> oscar_strategy.PurchaseInfo:
        if is_donation(product):
            return self.donation_purchase_info(product, None)
        return super().fetch_for_product(product, stockrecord)

    def donation_purchase_info(
        self, product: Any, amount: Decimal | None
    ) -> oscar_strategy.PurchaseInfo:
        stockrecord = self.select_stockrecord(product)
        if stockrecord is None:
            return oscar_strategy.PurchaseInfo(
                price=prices.Unavailable(),
                availability=availability.Unavailable(),
                stockrecord=None,
            )
        if amount is None:
            amount = donation_limits()[0]
        return oscar_strategy.PurchaseInfo(
            price=prices.FixedPrice(
                currency=settings.OSCAR_DEFAULT_CURRENCY, excl_tax=amount, tax=Decimal("0.00")
            ),
            availability=availability.Available(),
            stockrecord=stockrecord,
        )
