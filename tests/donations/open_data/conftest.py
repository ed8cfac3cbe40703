"""A small campaign's books with two signed checkpoints, and the canary that must never leave the private books."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from donations import case_aid
from donations.checkpoints import make_checkpoint
from tests.donations import finance
from tests.donations.conftest import post_sale

TODAY = datetime.date(2025, 6, 15)  # with the default 30-day delay: case aid up to April 2025 is summarised
CANARY = ("Olena Kovalenko", "Kovalenko", "+380 67 123 4567", "380 67 123 4567", "Velyka Dymerka", "Dymerka",
          "CASE-DYMERKA-42")
PRIVATE_NOTES = "Olena Kovalenko, +380 67 123 4567, lives in Velyka Dymerka"


def canary_disbursements(team: SimpleNamespace) -> None:
    """Five case disbursements in March (one carries the canary), an organisation purchase, a partner payment."""
    finance.posted(team, paid_on=datetime.date(2025, 3, 12), concerns_case=True, notes=PRIVATE_NOTES,
                   case_reference="CASE-DYMERKA-42", payee_name="Olena Kovalenko", payee_is_organisation=False)
    for day in (3, 5, 7, 9):
        finance.posted(team, paid_on=datetime.date(2025, 3, day), concerns_case=True)
    # An organisation purchase whose private fields hold the canary; the payee stays private.
    finance.posted(team, paid_on=datetime.date(2025, 3, 20), concerns_case=False, amount="40.00",
                   category="food", public_description="food-packages", notes=PRIVATE_NOTES,
                   case_reference="CASE-DYMERKA-42", payee_name="Olena Kovalenko's shop", people_helped=4)
    # A partner organisation shown publicly: an IATI disbursement line.
    finance.posted(team, paid_on=datetime.date(2025, 4, 2), concerns_case=False, amount="250.00",
                   payee_name='Partner NGO "Svitlo"', payee_public=True, notes=PRIVATE_NOTES, people_helped=12)


def sales(count: int, *, first_key: int) -> None:
    for number in range(count):
        post_sale(gross=2500 + number, fee=110, key=f"sale-{first_key + number}", day=1 + number % 28)


@pytest.fixture
def campaign(books):
    """Checkpoint ``first`` after sales, disbursements and a case aid summary; ``second`` after more sales."""
    finance.ensure_vocabulary()
    finance.sell("1001", 5_000_000)
    sales(3, first_key=1)
    canary_disbursements(finance.finance_team())
    assert case_aid.publish_case_aid_summaries(today=TODAY)
    first = make_checkpoint()
    sales(4, first_key=100)
    second = make_checkpoint()
    assert second.tree_size > first.tree_size
    return SimpleNamespace(first=first, second=second)
