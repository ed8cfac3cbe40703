"""A finance team as the workspace sees it: staff members of the two groups, and people who must see nothing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from donations.dashboard.groups import FINANCE_APPROVERS, FINANCE_VOLUNTEERS, ensure_finance_groups
from tests.donations.finance import ensure_vocabulary, make_user


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    settings.EVIDENCE_MAX_BYTES = 2 * 1024 * 1024
    return settings.EVIDENCE_ROOT


def member(username: str, group: str | None, *, is_staff: bool = True) -> User:
    """A user whose only permissions come from ``group`` (ensure_finance_groups makes it)."""
    user = make_user(username)
    user.is_staff = is_staff
    user.save(update_fields=["is_staff"])
    if group:
        user.groups.add(ensure_finance_groups()[group])
    return User.objects.get(pk=user.pk)  # Fresh: permissions are cached per instance.


@pytest.fixture
def team(db):
    """The builders' team (``record``, ``approved``, ``posted`` take it), as members of the workspace's groups."""
    ensure_vocabulary()
    return SimpleNamespace(
        volunteer=member("volunteer", FINANCE_VOLUNTEERS),
        approver=member("approver", FINANCE_APPROVERS),
        second_approver=member("second-approver", FINANCE_APPROVERS),
    )


@pytest.fixture
def customer(db):
    return make_user("customer")


def url(name: str, **kwargs) -> str:
    return reverse(f"finance-dashboard:{name}", kwargs=kwargs or None)


def login(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []
