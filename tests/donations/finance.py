"""Builders for the disbursement, allocation and evidence tests: finance volunteers, proceeds, disbursements."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.contrib.auth.models import Permission, User

from donations import disbursements, ledger, vocabulary
from donations.models import Disbursement
from donations.money import Money

PAID_ON = datetime.date(2025, 3, 10)

CATEGORIES = ["evacuation", "medicine", "food", "hygiene", "shelter", "transport", "other"]


def ensure_vocabulary() -> None:
    """The categories and phrases migration 0004 seeds, again after a flush (transactional tests)."""
    vocabulary.ensure_vocabulary()


def make_user(username: str, *codenames: str) -> User:
    user = User.objects.create_user(username=username, email=f"{username}@example.org", password="x")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="donations", codename__in=codenames))
    return User.objects.get(pk=user.pk)  # Fresh: permissions are cached per instance.


VOLUNTEER = ("add_disbursement", "change_disbursement")
APPROVER = (*VOLUNTEER, "approve_disbursement", "post_disbursement", "view_disbursement_evidence")


def finance_team() -> SimpleNamespace:
    """A volunteer who records, and two approvers (each may also record, but never approve their own)."""
    return SimpleNamespace(
        volunteer=make_user("volunteer", *VOLUNTEER),
        approver=make_user("approver", *APPROVER),
        second_approver=make_user("second-approver", *APPROVER),
    )


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def sell(order_number: str, net_minor: int, *, day: int = 1, currency: str = "EUR"):
    """An order's proceeds as the proceeds posting will make them: the net credited to the aid fund."""
    return ledger.post_entry(
        kind="order_proceeds",
        effective_date=datetime.date(2025, 2, day),
        postings=[("stripe-balance", Money(net_minor, currency)), ("aid-fund", Money(-net_minor, currency))],
        idempotency_key=f"order-proceeds:{order_number}",
        memo=f"order {order_number}",
    )


def refund(order_number: str, minor: int, *, number: int = 1, currency: str = "EUR"):
    """A refund taking ``minor`` back out of the aid fund."""
    return ledger.post_entry(
        kind="refund",
        effective_date=datetime.date(2025, 3, 20),
        postings=[("aid-fund", Money(minor, currency)), ("stripe-balance", Money(-minor, currency))],
        idempotency_key=f"order-refund:{order_number}:{number}",
        memo=f"refund {number} of order {order_number}",
    )


def disbursement_input(**overrides) -> dict:
    values = {
        "paid_on": PAID_ON,
        "amount": "100.00",
        "currency": "EUR",
        "category": "medicine",
        "region": "occupied",
        "people_helped": 3,
        "public_description": "medicines",
        "payee_name": "Pharmacy Zdorovya LLC",
        "payee_is_organisation": True,
        "concerns_case": True,
        "notes": "Insulin for the family in Oleshky, call Halyna +380 67 000 0000",
        "case_reference": "CASE-OLESHKY-17",
    }
    values.update(overrides)
    return values


def record(team: SimpleNamespace, *, by=None, **overrides) -> Disbursement:
    return disbursements.record_disbursement(recorded_by=by or team.volunteer, **disbursement_input(**overrides))


def approved(team: SimpleNamespace, **overrides) -> Disbursement:
    return approve(team, record(team, **overrides))


def approve(team: SimpleNamespace, disbursement: Disbursement) -> Disbursement:
    """Submit (by the volunteer who recorded it) and approve (by an approver who changed nothing)."""
    disbursements.submit_disbursement(disbursement=disbursement, by=team.volunteer)
    return disbursements.approve_disbursement(disbursement=disbursement, by=team.approver)


def posted(team: SimpleNamespace, **overrides) -> Disbursement:
    disbursement = approved(team, **overrides)
    disbursements.post_disbursement(disbursement=disbursement, by=team.approver)
    disbursement.refresh_from_db()
    return disbursement
