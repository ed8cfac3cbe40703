"""Which net proceeds paid for which disbursement: the link from an order to the aid it funded.

Net proceeds are what a paid order credited to the aid fund, less what its
refunds (and a reversal of the order) took back; ``net_proceeds_by_entry`` is
the one place that says so. A posted disbursement is funded by specific net
proceeds, oldest unspent first unless a volunteer earmarked others, and every
piece of that funding is an ``Allocation`` row. Allocation rows are
append-only: when a refund takes back proceeds that were already spent, the
funding moves to other proceeds through a released/reallocated pair of rows.

Invariants (kept here under a lock, rechecked by ``verify_allocations``, and
on PostgreSQL partly by a deferred trigger, migration 0004):
- per proceeds entry: 0 ≤ Σ allocations ≤ its net proceeds;
- per posted disbursement: Σ allocations = its ledger amount, in its ledger
  currency; no other disbursement has any;
- hence the unallocated balance Σ(net) − Σ(allocations) equals the aid fund's
  credit balance whenever proceeds, refunds and disbursements are the only
  entries that touch the aid fund.

Lock order: whoever allocates holds the log-head lock first (``post_entry``
takes it) and then the aid-fund account row (``_lock_aid_fund``). Posting a
disbursement posts its entry before it allocates for that reason; a refund
calls ``reallocate_refunded_proceeds`` after posting the refund.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from donations import four_eyes
from donations.audit import RECORD, require_permission, write_audit
from donations.models import Account, Allocation, AuditLogEntry, Disbursement, Earmark, JournalEntry, Posting
from donations.money import Money, normalise_currency

if TYPE_CHECKING:
    from donations.verification import Problem

AID_FUND = "aid-fund"
PROCEEDS_KEY_PREFIX = "order-proceeds:"
REFUND_KEY_PREFIX = "order-refund:"
FEE_KEY_PREFIX = "order-fee:"
# Entries that take back part of one order's proceeds, found by the order number in their key.
ORDER_LINKED_PREFIXES = (REFUND_KEY_PREFIX, FEE_KEY_PREFIX)


class AllocationError(ValidationError):
    """Proceeds cannot fund a disbursement as asked; the message says which and by how much."""


class InsufficientProceeds(AllocationError):  # noqa: N818 -- named after the refusal, as in donations.ledger
    pass


def ledger_currency() -> str:
    """The books' currency: LEDGER_CURRENCY if set, else the shop's currency."""
    return normalise_currency(getattr(settings, "LEDGER_CURRENCY", "") or getattr(settings, "SHOP_CURRENCY", "EUR"))


def order_number_from_key(key: str | None, prefix: str | None = None) -> str | None:
    """``order-proceeds:100042`` → ``100042``; a refund key carries a suffix (``order-refund:100042:re_1``).

    Without ``prefix``, any of the order keys (proceeds, refund, fee) will do.
    """
    prefixes = (prefix,) if prefix else (PROCEEDS_KEY_PREFIX, *ORDER_LINKED_PREFIXES)
    for candidate in prefixes:
        if key and key.startswith(candidate):
            return key[len(candidate):].split(":", 1)[0] or None
    return None


def proceeds_entry_for_order(order_number: str) -> JournalEntry | None:
    return JournalEntry.objects.filter(
        kind=JournalEntry.Kind.ORDER_PROCEEDS, idempotency_key=f"{PROCEEDS_KEY_PREFIX}{order_number}"
    ).first()


# --- Net proceeds --------------------------------------------------------------


def net_proceeds_by_entry(currency: str, *, entry_ids: list[int] | None = None) -> dict[int, int]:
    """Net proceeds per order-proceeds entry, in minor units of ``currency``: THE definition.

    What an order-proceeds entry credited to the aid fund, less the aid-fund
    debits of the entries that take some of it back (refunds keyed
    ``order-refund:<order number>:…``, a late Stripe fee keyed
    ``order-fee:<order number>``), net of reversals of any of these. Those
    entries name no entry they adjust, so the order number in their key is the
    link (``donations.proceeds`` writes the keys). Five queries whatever the
    size of the ledger; ``entry_ids`` narrows them to some entries.
    """
    fund = Posting.objects.filter(account__code=AID_FUND, currency=currency)
    proceeds = fund.filter(entry__kind=JournalEntry.Kind.ORDER_PROCEEDS)
    reversals = fund.filter(
        entry__kind=JournalEntry.Kind.REVERSAL, entry__reverses__kind=JournalEntry.Kind.ORDER_PROCEEDS
    )
    if entry_ids is not None:
        proceeds = proceeds.filter(entry_id__in=entry_ids)
        reversals = reversals.filter(entry__reverses_id__in=entry_ids)
    net: dict[int, int] = defaultdict(int)
    for entry_id, total in proceeds.values("entry_id").annotate(total=Sum("amount_minor")).values_list(
        "entry_id", "total"
    ):
        net[entry_id] -= total
    for entry_id, total in reversals.values("entry__reverses_id").annotate(total=Sum("amount_minor")).values_list(
        "entry__reverses_id", "total"
    ):
        net[entry_id] -= total

    taken_back: dict[str | None, int] = defaultdict(int)
    linked = _key_prefixed("entry__idempotency_key")
    for key, minor in fund.filter(linked).exclude(entry__kind=JournalEntry.Kind.REVERSAL).values_list(
        "entry__idempotency_key", "amount_minor"
    ):
        taken_back[order_number_from_key(key)] += minor
    reversed_linked = _key_prefixed("entry__reverses__idempotency_key")
    for key, minor in fund.filter(reversed_linked, entry__kind=JournalEntry.Kind.REVERSAL).values_list(
        "entry__reverses__idempotency_key", "amount_minor"
    ):
        taken_back[order_number_from_key(key)] += minor
    if taken_back:
        orders = JournalEntry.objects.filter(
            kind=JournalEntry.Kind.ORDER_PROCEEDS,
            idempotency_key__in=[f"{PROCEEDS_KEY_PREFIX}{number}" for number in taken_back if number],
        )
        if entry_ids is not None:
            orders = orders.filter(id__in=entry_ids)
        for entry_id, key in orders.values_list("id", "idempotency_key"):
            net[entry_id] -= taken_back[order_number_from_key(key)]
    return dict(net)


def _key_prefixed(field: str) -> Q:
    condition = Q()
    for prefix in ORDER_LINKED_PREFIXES:
        condition |= Q(**{f"{field}__startswith": prefix})
    return condition


def allocated_by_entry(currency: str, *, entry_ids: list[int] | None = None) -> dict[int, int]:
    rows = Allocation.objects.filter(currency=currency)
    if entry_ids is not None:
        rows = rows.filter(proceeds_entry_id__in=entry_ids)
    return dict(
        rows.values("proceeds_entry_id").annotate(total=Sum("amount_minor")).values_list("proceeds_entry_id", "total")
    )


@dataclass(frozen=True)
class ProceedsBalance:
    """One order's net proceeds and how much of them is allocated."""

    entry_id: int
    sequence: int
    effective_date: datetime.date
    order_number: str | None
    net: Money
    allocated: Money

    @property
    def unallocated(self) -> Money:
        return self.net - self.allocated

    @property
    def overallocated(self) -> int:
        """How much more is allocated than the net (a negative net counts as none), in minor units."""
        return max(self.allocated.minor - max(self.net.minor, 0), 0)

    @property
    def available(self) -> int:
        """What may still be allocated (never below zero, even while a refund awaits reallocation)."""
        return max(self.unallocated.minor, 0)


def proceeds_balances(currency: str | None = None, *, entry_ids: list[int] | None = None) -> list[ProceedsBalance]:
    """Every order-proceeds entry's net and allocated amounts, oldest first (seven queries)."""
    currency = currency or ledger_currency()
    net = net_proceeds_by_entry(currency, entry_ids=entry_ids)
    allocated = allocated_by_entry(currency, entry_ids=entry_ids)
    ids = net.keys() | allocated.keys()
    rows = JournalEntry.objects.filter(id__in=ids).order_by("sequence").values_list(
        "id", "sequence", "effective_date", "idempotency_key"
    )
    return [
        ProceedsBalance(
            entry_id=entry_id, sequence=sequence, effective_date=effective_date,
            order_number=order_number_from_key(key, PROCEEDS_KEY_PREFIX),
            net=Money(net.get(entry_id, 0), currency), allocated=Money(allocated.get(entry_id, 0), currency),
        )
        for entry_id, sequence, effective_date, key in rows
    ]


def unallocated_balance(currency: str | None = None) -> Money:
    """Net proceeds not yet allocated to any disbursement: Σ net − Σ allocations."""
    currency = currency or ledger_currency()
    net = sum(net_proceeds_by_entry(currency).values())
    allocated = Allocation.objects.filter(currency=currency).aggregate(total=Sum("amount_minor"))["total"] or 0
    return Money(net - allocated, currency)


def unallocated_proceeds(currency: str | None = None) -> list[ProceedsBalance]:
    """Proceeds with money still to allocate, oldest first: what the next disbursement would draw on."""
    return [balance for balance in proceeds_balances(currency) if balance.available > 0]


# --- Earmarks ------------------------------------------------------------------


def _lock_disbursement(disbursement: Disbursement) -> Disbursement:
    return Disbursement.objects.select_for_update(of=("self",), no_key=True).get(pk=disbursement.pk)


def earmark_disbursement(
    *, disbursement: Disbursement, proceeds_entry: JournalEntry, amount: Money, by
) -> Earmark:
    """Ask that ``amount`` of this disbursement be funded from ``proceeds_entry`` (replacing an earlier ask).

    Checked now against what is unallocated, and again when the disbursement
    is posted, since other disbursements may draw on the same proceeds meanwhile.
    Choosing the funding is a change of contents (``donations.four_eyes``).
    """
    require_permission(by, RECORD)
    with transaction.atomic():
        disbursement = _lock_disbursement(disbursement)
        if disbursement.status in (Disbursement.Status.POSTED, Disbursement.Status.REJECTED):
            raise AllocationError(
                f"Disbursement {disbursement.pk} is {disbursement.status}: only one not yet posted or rejected "
                "can be earmarked", code="state",
            )
        if not isinstance(amount, Money) or amount.minor <= 0:
            raise AllocationError("An earmark is a positive amount of Money", code="amount")
        if amount.currency != disbursement.ledger_currency:
            raise AllocationError(
                f"Earmark in the ledger currency {disbursement.ledger_currency}, not {amount.currency}", code="currency"
            )
        if proceeds_entry.kind != JournalEntry.Kind.ORDER_PROCEEDS:
            raise AllocationError(f"Entry #{proceeds_entry.sequence} is not an order's proceeds", code="entry")
        others = (
            Earmark.objects.filter(disbursement=disbursement).exclude(proceeds_entry=proceeds_entry)
            .aggregate(total=Sum("amount_minor"))["total"] or 0
        )
        if others + amount.minor > disbursement.ledger_amount_minor:
            ledger_amount = Money(disbursement.ledger_amount_minor, disbursement.ledger_currency)
            raise AllocationError(
                f"Earmarks would total {Money(others, amount.currency) + amount}, more than the disbursement's "
                f"{ledger_amount}", code="amount",
            )
        balance = next(iter(proceeds_balances(amount.currency, entry_ids=[proceeds_entry.pk])), None)
        available = balance.available if balance else 0
        if amount.minor > available:
            raise AllocationError(
                f"{_describe_entry(proceeds_entry.sequence, balance.order_number if balance else None)} has only "
                f"{Money(available, amount.currency)} unallocated; {amount} cannot be earmarked from it",
                code="insufficient",
            )
        four_eyes.note_content_change(disbursement=disbursement, by=by, change="earmark set")
        earmark, _created = Earmark.objects.update_or_create(
            disbursement=disbursement, proceeds_entry=proceeds_entry,
            defaults={"amount_minor": amount.minor, "created_by": by, "created_at": timezone.now()},
        )
        write_audit(
            actor=by, action=AuditLogEntry.Action.EARMARKED, disbursement=disbursement,
            summary=f"earmarked proceeds entry #{proceeds_entry.sequence}",
        )
    return earmark


def remove_earmark(*, earmark: Earmark, by) -> None:
    require_permission(by, RECORD)
    with transaction.atomic():
        disbursement = _lock_disbursement(earmark.disbursement)
        if disbursement.status == Disbursement.Status.POSTED:
            raise AllocationError("A posted disbursement's funding is kept as allocated", code="state")
        sequence = earmark.proceeds_entry.sequence
        four_eyes.note_content_change(disbursement=disbursement, by=by, change="earmark removed")
        Earmark.objects.filter(pk=earmark.pk).delete()
        write_audit(
            actor=by, action=AuditLogEntry.Action.EARMARK_REMOVED, disbursement=disbursement,
            summary=f"earmark on proceeds entry #{sequence} removed",
        )


# --- Allocating ----------------------------------------------------------------


def _lock_aid_fund() -> None:
    """Serialise everything that allocates: one row, locked until the transaction ends.

    Allocating reads what is unallocated and then writes rows that use it up;
    two transactions doing that at once would both see the same money free.
    """
    # NO KEY UPDATE: allocators queue behind each other, while postings that only reference the account do not.
    if Account.objects.select_for_update(no_key=True).filter(code=AID_FUND).first() is None:
        raise AllocationError("The aid-fund account does not exist: open the chart of accounts first")


def _describe_entry(sequence: int, order_number: str | None) -> str:
    return f"order {order_number} (entry #{sequence})" if order_number else f"proceeds entry #{sequence}"


@dataclass(frozen=True)
class PlannedAllocation:
    entry_id: int
    amount_minor: int
    earmarked: bool


def plan_allocation(disbursement: Disbursement) -> list[PlannedAllocation]:
    """How a disbursement would be funded now: its earmarks first, then the oldest unspent proceeds.

    Read-only; ``allocate_disbursement`` calls it under the lock. Raises
    ``AllocationError`` naming the earmarked proceeds that fall short, or
    ``InsufficientProceeds`` with the shortfall.
    """
    currency = disbursement.ledger_currency
    need = disbursement.ledger_amount_minor
    balances = proceeds_balances(currency)
    available = {balance.entry_id: balance.available for balance in balances}
    by_id = {balance.entry_id: balance for balance in balances}
    plan: list[PlannedAllocation] = []
    for earmark in Earmark.objects.filter(disbursement=disbursement).select_related("proceeds_entry").order_by("id"):
        entry = earmark.proceeds_entry
        have = available.get(entry.pk, 0)
        if earmark.amount_minor > have:
            balance = by_id.get(entry.pk)
            raise AllocationError(
                f"{_describe_entry(entry.sequence, balance.order_number if balance else None)} has "
                f"{Money(have, currency)} unallocated, but {Money(earmark.amount_minor, currency)} is earmarked "
                "from it: change or remove the earmark",
                code="earmark_insufficient",
            )
        take = min(earmark.amount_minor, need)
        if take:
            plan.append(PlannedAllocation(entry.pk, take, earmarked=True))
            available[entry.pk] = have - take
            need -= take
    for balance in balances:
        if not need:
            break
        take = min(available[balance.entry_id], need)
        if take > 0:
            plan.append(PlannedAllocation(balance.entry_id, take, earmarked=False))
            available[balance.entry_id] -= take
            need -= take
    if need:
        wanted = Money(disbursement.ledger_amount_minor, currency)
        raise InsufficientProceeds(
            f"Not enough unallocated proceeds to fund this disbursement: it needs {wanted}, "
            f"{Money(disbursement.ledger_amount_minor - need, currency)} is available, "
            f"{Money(need, currency)} short",
            code="insufficient_proceeds",
        )
    return _merge(plan)


def _merge(plan: list[PlannedAllocation]) -> list[PlannedAllocation]:
    """An earmark and the oldest-first pass may both draw on one entry: one row per entry."""
    merged: dict[int, PlannedAllocation] = {}
    for item in plan:
        if item.entry_id in merged:
            earlier = merged[item.entry_id]
            item = PlannedAllocation(item.entry_id, earlier.amount_minor + item.amount_minor, earlier.earmarked)
        merged[item.entry_id] = item
    return list(merged.values())


def allocate_disbursement(*, disbursement: Disbursement) -> list[Allocation]:
    """Fund a disbursement that is being posted, inside the caller's transaction.

    The caller (``post_disbursement``) has locked the disbursement and posted
    its entry, so it holds the log-head lock; the aid-fund lock comes next.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_disbursement runs inside post_disbursement's transaction")
    _lock_aid_fund()
    if Allocation.objects.filter(disbursement=disbursement).exists():
        raise AllocationError("This disbursement is already allocated", code="already_allocated")
    plan = plan_allocation(disbursement)
    return Allocation.objects.bulk_create(
        Allocation(
            disbursement=disbursement, proceeds_entry_id=item.entry_id, amount_minor=item.amount_minor,
            currency=disbursement.ledger_currency, kind=Allocation.Kind.ALLOCATED, earmarked=item.earmarked,
        )
        for item in plan
    )


def release_disbursement(*, disbursement: Disbursement) -> list[Allocation]:
    """Give back everything allocated to a disbursement whose entry is being reversed.

    One negative row per proceeds entry still funding it, so those proceeds are
    unallocated again and the history of what funded it stays readable.
    Inside ``reverse_disbursement``'s transaction, after its entry (same lock order as posting).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("release_disbursement runs inside reverse_disbursement's transaction")
    _lock_aid_fund()
    standing = (
        Allocation.objects.filter(disbursement=disbursement)
        .values("proceeds_entry_id", "currency")
        .annotate(total=Sum("amount_minor"))
        .filter(total__gt=0)
        .order_by("proceeds_entry_id")
    )
    return Allocation.objects.bulk_create(
        Allocation(
            disbursement=disbursement, proceeds_entry_id=row["proceeds_entry_id"], amount_minor=-row["total"],
            currency=row["currency"], kind=Allocation.Kind.RELEASED,
        )
        for row in standing
    )


def reallocate_refunded_proceeds(*, by=None, currency: str | None = None) -> Money:
    """Move funding off proceeds that refunds (or reversals) took back, onto the oldest unspent proceeds.

    Call it after posting a refund, in the same transaction. For every entry
    whose allocations exceed its net, the newest funding drawn on it is
    released (a negative row) and the same amount reallocated (positive rows)
    from other proceeds, so each disbursement stays exactly funded. Returns
    what could not be moved because too little is unallocated anywhere: the
    aid fund is then overdrawn, and ``verify_allocations`` says so until
    proceeds arrive and this runs again.
    """
    currency = normalise_currency(currency or ledger_currency())
    with transaction.atomic():
        _lock_aid_fund()
        balances = proceeds_balances(currency)
        over = [balance for balance in balances if balance.overallocated]
        if not over:
            return Money.zero(currency)
        pool = {balance.entry_id: balance.available for balance in balances if balance.available > 0}
        pool_order = [balance.entry_id for balance in balances if balance.entry_id in pool]
        sequences = {balance.entry_id: balance.sequence for balance in balances}
        shortfall = 0
        for balance in over:
            excess = balance.overallocated
            pairs = (
                Allocation.objects.filter(proceeds_entry_id=balance.entry_id, currency=currency)
                .values("disbursement_id").annotate(total=Sum("amount_minor")).filter(total__gt=0)
                .order_by("-disbursement_id").values_list("disbursement_id", "total")
            )
            for disbursement_id, total in pairs:
                if not excess:
                    break
                move = min(excess, total, sum(pool.values()))
                if not move:
                    break
                rows = [Allocation(
                    disbursement_id=disbursement_id, proceeds_entry_id=balance.entry_id, amount_minor=-move,
                    currency=currency, kind=Allocation.Kind.RELEASED,
                )]
                left = move
                for entry_id in pool_order:
                    take = min(pool[entry_id], left)
                    if take:
                        rows.append(Allocation(
                            disbursement_id=disbursement_id, proceeds_entry_id=entry_id, amount_minor=take,
                            currency=currency, kind=Allocation.Kind.REALLOCATED,
                        ))
                        pool[entry_id] -= take
                        left -= take
                    if not left:
                        break
                Allocation.objects.bulk_create(rows)
                targets = ", ".join(f"#{sequences[row.proceeds_entry_id]}" for row in rows[1:])
                write_audit(
                    actor=by, action=AuditLogEntry.Action.REALLOCATED, disbursement_id=disbursement_id,
                    summary=f"funding moved from refunded proceeds entry #{balance.sequence} to {targets}",
                )
                excess -= move
            shortfall += excess
    return Money(shortfall, currency)


# --- Questions the workspace and the impact link ask --------------------------


@dataclass(frozen=True)
class Funding:
    """Part of a disbursement paid for by one order's proceeds (private: the disbursement is the full row)."""

    disbursement: Disbursement
    amount: Money


def order_funding(order_number: str) -> list[Funding]:
    """What did this order fund? Each disbursement its proceeds paid for, with how much (three queries)."""
    entry = proceeds_entry_for_order(order_number)
    if entry is None:
        return []
    totals = (
        Allocation.objects.filter(proceeds_entry=entry).values("disbursement_id", "currency")
        .annotate(total=Sum("amount_minor")).filter(total__gt=0).values_list("disbursement_id", "currency", "total")
    )
    amounts = {disbursement_id: Money(total, currency) for disbursement_id, currency, total in totals}
    disbursements = Disbursement.objects.filter(pk__in=amounts).select_related("category", "public_description")
    return [
        Funding(disbursement=disbursement, amount=amounts[disbursement.pk])
        for disbursement in disbursements.order_by("paid_on", "pk")
    ]


@dataclass(frozen=True)
class ProceedsShare:
    """Part of a disbursement's funding: which order's proceeds, and how much."""

    entry_id: int
    sequence: int
    effective_date: datetime.date
    order_number: str | None
    amount: Money
    earmarked: bool


def disbursement_funding(disbursement: Disbursement) -> list[ProceedsShare]:
    """Which proceeds paid for this disbursement? Oldest first, net of any moves after refunds (one query)."""
    rows = (
        Allocation.objects.filter(disbursement=disbursement)
        .values("proceeds_entry_id", "proceeds_entry__sequence", "proceeds_entry__effective_date",
                "proceeds_entry__idempotency_key", "currency")
        .annotate(total=Sum("amount_minor"), earmarks=Count("id", filter=Q(earmarked=True)))
        .filter(total__gt=0).order_by("proceeds_entry__sequence")
    )
    return [
        ProceedsShare(
            entry_id=row["proceeds_entry_id"], sequence=row["proceeds_entry__sequence"],
            effective_date=row["proceeds_entry__effective_date"],
            order_number=order_number_from_key(row["proceeds_entry__idempotency_key"], PROCEEDS_KEY_PREFIX),
            amount=Money(row["total"], row["currency"]), earmarked=bool(row["earmarks"]),
        )
        for row in rows
    ]


# --- Verification ----------------------------------------------------------------


def verify_allocations() -> list[Problem]:
    """Recheck every allocation invariant from the rows; each problem names the entry or disbursement.

    For ``verify_ledger`` to call beside its own checks.
    """
    # Imported here: donations.verification will import this module to call us.
    from donations.verification import Problem

    problems: list[Problem] = []
    currencies = set(Allocation.objects.values_list("currency", flat=True).distinct())
    currencies |= set(
        Disbursement.objects.filter(status=Disbursement.Status.POSTED).values_list("ledger_currency", flat=True)
    )
    currencies.add(ledger_currency())
    for currency in sorted(currencies):
        for balance in proceeds_balances(currency):
            if balance.overallocated:
                problems.append(Problem(balance.sequence, (
                    f"{balance.allocated} of its proceeds is allocated, but its net proceeds are {balance.net}"
                    " (a refund awaits reallocate_refunded_proceeds, or the aid fund is overdrawn)"
                )))
            if balance.allocated.minor < 0:
                problems.append(Problem(balance.sequence, f"more was released than allocated ({balance.allocated})"))
    not_proceeds = (
        Allocation.objects.exclude(proceeds_entry__kind=JournalEntry.Kind.ORDER_PROCEEDS)
        .values_list("proceeds_entry__sequence", flat=True).distinct()
    )
    for sequence in not_proceeds:
        problems.append(Problem(sequence, "is allocated to a disbursement but is not an order's proceeds"))
    negative_pairs = (
        Allocation.objects.values("disbursement_id", "proceeds_entry__sequence").annotate(total=Sum("amount_minor"))
        .filter(total__lt=0).values_list("disbursement_id", "proceeds_entry__sequence")
    )
    for disbursement_id, sequence in negative_pairs:
        problems.append(Problem(sequence, f"releases more than it gave disbursement {disbursement_id}"))
    problems.extend(_verify_disbursement_side())
    problems.extend(_verify_unmatched_refunds())
    return problems


def _verify_disbursement_side() -> list[Problem]:
    from donations.verification import Problem

    problems: list[Problem] = []
    totals: dict[int, dict[str, int]] = defaultdict(dict)
    for disbursement_id, currency, total in (
        Allocation.objects.values("disbursement_id", "currency").annotate(total=Sum("amount_minor"))
        .values_list("disbursement_id", "currency", "total")
    ):
        totals[disbursement_id][currency] = total
    posted = Disbursement.objects.filter(status=Disbursement.Status.POSTED).values_list(
        "pk", "ledger_amount_minor", "ledger_currency", "posted_entry_id", "posted_entry__sequence"
    )
    posted_ids = set()
    fund_debits = dict(
        Posting.objects.filter(account__code=AID_FUND, entry__disbursement__isnull=False)
        .values("entry_id").annotate(total=Sum("amount_minor")).values_list("entry_id", "total")
    )
    reversed_entries = set(
        JournalEntry.objects.filter(reverses__disbursement__isnull=False).values_list("reverses_id", flat=True)
    )
    for pk, amount, currency, entry_id, sequence in posted:
        posted_ids.add(pk)
        allocated = totals.get(pk, {})
        if allocated != {currency: amount}:
            described = ", ".join(f"{Money(total, cur)}" for cur, total in sorted(allocated.items())) or "nothing"
            problems.append(Problem(sequence, (
                f"disbursement {pk} is {Money(amount, currency)} in the ledger, but {described} is allocated to it"
            )))
        if fund_debits.get(entry_id) != amount:
            problems.append(Problem(sequence, (
                f"disbursement {pk}'s entry does not take its {Money(amount, currency)} out of the aid fund"
            )))
        if entry_id in reversed_entries:
            problems.append(Problem(sequence, (
                f"disbursement {pk}'s entry was reversed, but its allocations still stand"
            )))
    reversed_ids = set(
        Disbursement.objects.filter(status=Disbursement.Status.REVERSED).values_list("pk", flat=True)
    )
    for pk in sorted(reversed_ids):
        if any(totals.get(pk, {}).values()):
            problems.append(Problem(None, f"disbursement {pk} was reversed, but its allocations were not released"))
    for disbursement_id in sorted(totals.keys() - posted_ids - reversed_ids):
        problems.append(Problem(None, f"disbursement {disbursement_id} has allocations but is not posted"))
    return problems


def _verify_unmatched_refunds() -> list[Problem]:
    from donations.verification import Problem

    linked = (
        JournalEntry.objects.filter(_key_prefixed("idempotency_key"), postings__account__code=AID_FUND)
        .exclude(kind=JournalEntry.Kind.REVERSAL).values_list("sequence", "idempotency_key").distinct()
    )
    numbers = {sequence: order_number_from_key(key) for sequence, key in linked}
    known = set(
        JournalEntry.objects.filter(
            kind=JournalEntry.Kind.ORDER_PROCEEDS,
            idempotency_key__in=[f"{PROCEEDS_KEY_PREFIX}{number}" for number in numbers.values() if number],
        ).values_list("idempotency_key", flat=True)
    )
    return [
        Problem(sequence, "takes proceeds back from the aid fund for an order that has no proceeds entry")
        for sequence, number in sorted(numbers.items())
        if number is None or f"{PROCEEDS_KEY_PREFIX}{number}" not in known
    ]
