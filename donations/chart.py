"""The campaign's chart of accounts, as data.

Migration 0003 opens these accounts with its own frozen copy of this list (a
migration must not change meaning when this file does); ``ledger.open_accounts``
opens them again wherever a database lacks them (a test database after a
flush, a new aid category added here).

Debit positive, credit negative (see ``donations.models``): the aid fund is a
liability, money the campaign owes to aid, so net proceeds are *credited* to
it (its balance is negative while money waits to be spent).
"""

from __future__ import annotations

AID_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("evacuation", "Evacuation"),
    ("medicine", "Medicine"),
    ("food", "Food"),
    ("hygiene", "Hygiene"),
    ("shelter", "Shelter"),
    ("transport", "Transport"),
    ("other", "Other aid"),
)


AID_SPENT_PREFIX = "aid-spent:"


def aid_spent_account(category: str) -> str:
    """The account code of aid spent in a category, e.g. ``aid-spent:medicine``."""
    return f"{AID_SPENT_PREFIX}{category}"


# (code, name, type) — type is an ``Account.Type`` value.
CHART_OF_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("stripe-balance", "Stripe balance", "asset"),
    ("bank", "Bank account", "asset"),
    ("aid-fund", "Aid fund (net proceeds owed to aid)", "liability"),
    ("merch-sales", "Merchandise sales (gross proceeds)", "income"),
    ("donations", "Donations", "income"),
    ("cost-of-merch", "Cost of merchandise", "expense"),
    ("fulfilment-and-shipping", "Fulfilment and shipping", "expense"),
    ("stripe-fees", "Stripe fees", "expense"),
    ("fx-gains-losses", "Exchange gains and losses", "income"),
    # Added with proceeds posting (donations/proceeds.py says why): costs the proceeds
    # still owe makers and carriers, and the net result appropriated to the aid fund.
    ("costs-payable", "Merch and shipping costs payable", "liability"),
    ("proceeds-to-aid", "Net proceeds appropriated to aid", "equity"),
    *((aid_spent_account(code), f"Aid spent: {name}", "expense") for code, name in AID_CATEGORIES),
)
