"""The public projection of the books: every public figure comes from here, and only from public leaves.

The transparency page, the open-data exports and the PDF reports all read the
same thing: the leaves of the public log up to a signed checkpoint, folded into
per-month sums. Nothing here reads a private field, a case entry's private
leaf or a disbursement row; aid to people appears only through the monthly
case aid summaries (``donations.case_aid``), whose cells already passed the
disclosure rules, so every breakdown built from them is safe by construction.

Folding is incremental: a ``PublicSnapshot`` keeps the fold at one tree size,
and the next checkpoint's fold starts from the nearest smaller snapshot, so a
page costs the same few queries at a thousand entries as at a million.
Aid paid inside the publication delay is kept out of public aid figures until
its month is past the delay (it counts as still held), and dates of aid are
months.
"""

from __future__ import annotations

import datetime
import json
from collections import OrderedDict, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from donations.case_aid import MEMO_PREFIX, latest_publishable_month_end
from donations.chart import AID_SPENT_PREFIX
from donations.models import Checkpoint, JournalEntry, PublicSnapshot
from donations.money import Money

FORMAT = 3  # Bump when the fold changes: older snapshots are then ignored and refolded.

# What each account's postings add to a month's figures, signed so that figures are positive.
_ACCOUNT_FIGURES = {
    "merch-sales": ("gross_sales", -1),
    "donations": ("donations", -1),
    "stripe-fees": ("stripe_fees", 1),
    "cost-of-merch": ("cost_of_merch", 1),
    "fulfilment-and-shipping": ("shipping_cost", 1),
    "fx-gains-losses": ("fx_result", -1),
}
MONTH_FIGURES = (
    "gross_sales", "donations", "refunds", "stripe_fees", "cost_of_merch", "shipping_cost", "fx_result",
    "net_proceeds", "orders",
)


# --- The fold ---------------------------------------------------------------------


def _new_state() -> dict[str, Any]:
    return {"format": FORMAT, "size": 0, "months": {}, "aid": {}, "lines": {}}


def _month_row(state: dict, currency: str, month: str) -> dict[str, int]:
    return state["months"].setdefault(currency, {}).setdefault(month, dict.fromkeys(MONTH_FIGURES, 0))


def _add_aid(state: dict, *, month: str, currency: str, category: str, region: str, source: str,
             amount: int, people: int, cases: int) -> None:
    key = "|".join((month, currency, category, region, source))
    cell = state["aid"].setdefault(key, [0, 0, 0])
    cell[0] += amount
    cell[1] += people
    cell[2] += cases


def fold_leaf(state: dict[str, Any], leaf: dict[str, Any]) -> None:
    """Add one public leaf to the fold. A case leaf (a commitment) adds nothing: its summary will."""
    state["size"] = leaf["sequence"]
    if leaf.get("case"):
        return
    kind, month = leaf["kind"], leaf["date"][:7]
    details = leaf.get("details") or {}
    reverses = leaf.get("reverses")
    original = state["lines"].get(str(reverses)) if reverses else None
    aid_kind = kind == "disbursement" or original is not None
    for posting in leaf["postings"]:
        account, amount, currency = posting["account"], posting["amount"], posting["currency"]
        row = _month_row(state, currency, month)
        if account in _ACCOUNT_FIGURES:
            figure, sign = _ACCOUNT_FIGURES[account]
            row[figure] += sign * amount
        elif account == "aid-fund" and not aid_kind:
            row["net_proceeds"] -= amount
        elif account == "stripe-balance" and kind == "refund":
            row["refunds"] -= amount
        elif account.startswith(AID_SPENT_PREFIX):
            source = original or details
            _add_aid(
                state, month=month, currency=currency,
                category=account[len(AID_SPENT_PREFIX):], region=str(source.get("region") or "unknown"),
                source="purchases", amount=amount,
                people=(-1 if original else 1) * int(source.get("people_helped") or 0), cases=0,
            )
        elif account.startswith(MEMO_PREFIX):
            category, _, region = account[len(MEMO_PREFIX):].partition(":")
            _add_aid(
                state, month=month, currency=currency, category=category, region=region, source="people",
                amount=amount, people=int(details.get(f"people:{category}:{region}") or 0),
                cases=int(details.get(f"cases:{category}:{region}") or 0),
            )
    if kind == "order_proceeds":
        _month_row(state, leaf["postings"][0]["currency"], month)["orders"] += 1
    elif kind == "reversal" and _reverses_a_sale(leaf):
        # Counted off in the month of the reversal, as its amounts are: a month's figures never change later.
        _month_row(state, leaf["postings"][0]["currency"], month)["orders"] -= 1
    if kind == "disbursement":
        state["lines"][str(leaf["sequence"])] = _line(leaf, month, details)
    elif original is not None:
        original["reversed_by"] = leaf["sequence"]


def _reverses_a_sale(leaf: dict) -> bool:
    """A reversal of an order's proceeds takes income back; refunds are never reversed, they are refunds."""
    return any(posting["account"] in ("merch-sales", "donations") for posting in leaf["postings"])


def _line(leaf: dict, month: str, details: dict) -> dict[str, Any]:
    aid = next(p for p in leaf["postings"] if p["account"].startswith(AID_SPENT_PREFIX))
    return {
        "sequence": leaf["sequence"], "month": month, "category": aid["account"][len(AID_SPENT_PREFIX):],
        "region": details.get("region"), "description": details.get("description"),
        "people_helped": int(details.get("people_helped") or 0), "amount": aid["amount"],
        "currency": aid["currency"], "paid_amount": details.get("paid_amount"),
        "paid_currency": details.get("paid_currency"), "payee": details.get("payee"), "reversed_by": None,
    }


# --- Snapshots --------------------------------------------------------------------


def public_leaves(*, start: int, end: int) -> Iterator[dict[str, Any]]:
    """Leaves ``start < sequence ≤ end``, parsed, in one streamed query."""
    rows = (
        JournalEntry.objects.filter(sequence__gt=start, sequence__lte=end)
        .order_by("sequence").values_list("public_leaf", flat=True)
    )
    for text in rows.iterator(chunk_size=2000):
        yield json.loads(text)


# Folds already read by this process, newest last: a snapshot of a tree size never changes, so a
# page need not fetch and decode it again. Read-only: ``figures_from_state`` never mutates a state.
_STATES: OrderedDict[tuple[int, str], dict[str, Any]] = OrderedDict()
_STATES_KEPT = 4


def _remember(key: tuple[int, str] | None, state: dict[str, Any]) -> dict[str, Any]:
    if key is None:
        return state
    _STATES[key] = state
    _STATES.move_to_end(key)
    while len(_STATES) > _STATES_KEPT:
        _STATES.popitem(last=False)
    return state


def folded_state(size: int, root_hash: str | None = None) -> dict[str, Any]:
    """The fold of the first ``size`` leaves: from memory, its snapshot, or the nearest smaller one plus the rest.

    With the tree's ``root_hash`` (a checkpoint's) the fold is kept in this
    process's memory under size and root. The result is shared: read it, never change it.
    """
    key = (size, root_hash) if root_hash else None
    if key in _STATES:
        return _STATES[key]
    base = (
        PublicSnapshot.objects.filter(tree_size__lte=size, format=FORMAT).order_by("-tree_size")
        .values_list("tree_size", "state").first()
    )
    if base is not None and base[0] == size:
        return _remember(key, base[1])
    state = base[1] if base is not None else _new_state()  # freshly decoded: ours to extend
    for leaf in public_leaves(start=state["size"], end=size):
        fold_leaf(state, leaf)
    state["size"] = size
    try:
        with transaction.atomic():
            PublicSnapshot.objects.create(tree_size=size, format=FORMAT, state=state)
    except IntegrityError:
        pass  # another request folded the same size first: the same state
    return _remember(key, state)


# --- What the pages, exports and reports read ----------------------------------------


@dataclass(frozen=True)
class Period:
    """A reporting period: months ``first``..``last`` inclusive, as ``YYYY-MM``; ``None`` for all time."""

    first: str | None = None
    last: str | None = None

    def holds(self, month: str) -> bool:
        return (self.first is None or month >= self.first) and (self.last is None or month <= self.last)


ALL_TIME = Period()


@dataclass(frozen=True)
class AidCell:
    category: str
    region: str
    source: str  # "purchases" (organisation purchases, shown line by line) or "people" (case aid, aggregated)
    amount: Money
    people_helped: int
    cases: int


@dataclass(frozen=True)
class MonthRow:
    month: str
    gross_sales: Money
    donations: Money
    net_proceeds: Money
    aid_disbursed: Money
    orders: int


@dataclass(frozen=True)
class DisbursementLine:
    sequence: int
    month: str
    category: str
    region: str | None
    description: str | None
    people_helped: int
    amount: Money
    paid: Money | None
    payee: str | None


@dataclass
class PublicFigures:
    """Everything public about one currency of the books, at one checkpoint, for one period."""

    tree_size: int
    root_hash: str
    checkpoint_note: str
    currency: str
    period: Period
    published_until: str
    totals: dict[str, Money] = field(default_factory=dict)
    orders: int = 0
    people_helped: int = 0
    months: list[MonthRow] = field(default_factory=list)
    aid_cells: list[AidCell] = field(default_factory=list)
    lines: list[DisbursementLine] = field(default_factory=list)
    lines_total: int = 0  # all the period's public lines, however many ``lines`` holds

    def aid_by(self, dimension: str) -> list[tuple[str, Money, int]]:
        """Aid summed by ``category`` or ``region``: (code, amount, people helped), largest first."""
        sums: dict[str, list] = defaultdict(lambda: [0, 0])
        for cell in self.aid_cells:
            sums[getattr(cell, dimension)][0] += cell.amount.minor
            sums[getattr(cell, dimension)][1] += cell.people_helped
        rows = [(code, Money(total, self.currency), people) for code, (total, people) in sums.items() if total]
        return sorted(rows, key=lambda row: (-row[1].minor, row[0]))


def figures_from_state(
    state: dict[str, Any], *, checkpoint: Checkpoint, currency: str, period: Period = ALL_TIME,
    today: datetime.date | None = None, lines_limit: int | None = None,
) -> PublicFigures:
    """Read a fold into figures: sums over the period's months, aid only for months past the delay."""
    published_until = latest_publishable_month_end(today or datetime.date.today()).strftime("%Y-%m")
    figures = PublicFigures(
        tree_size=checkpoint.tree_size, root_hash=checkpoint.root_hash, checkpoint_note=checkpoint.note,
        currency=currency, period=period, published_until=published_until,
    )
    aid_by_month: dict[str, int] = defaultdict(int)
    aid_until_end = 0  # the held balance is at the period's end: everything before it counts
    for key, (amount, people, cases) in sorted(state["aid"].items()):
        month, cell_currency, category, region, source = key.split("|")
        if cell_currency != currency or month > published_until:
            continue
        if period.last is None or month <= period.last:
            aid_until_end += amount
        if not period.holds(month):
            continue
        aid_by_month[month] += amount
        figures.aid_cells.append(AidCell(category, region, source, Money(amount, currency), people, cases))
    totals: dict[str, int] = dict.fromkeys(MONTH_FIGURES, 0)
    net_until_end = 0
    for month, row in sorted(state["months"].get(currency, {}).items()):
        if period.last is None or month <= period.last:
            net_until_end += row["net_proceeds"]
        if not period.holds(month):
            continue
        for name in MONTH_FIGURES:
            totals[name] += row[name]
        figures.months.append(MonthRow(
            month=month, gross_sales=Money(row["gross_sales"], currency), donations=Money(row["donations"], currency),
            net_proceeds=Money(row["net_proceeds"], currency), aid_disbursed=Money(aid_by_month[month], currency),
            orders=row["orders"],
        ))
    figures.orders = totals.pop("orders")
    aid = sum(aid_by_month.values())
    figures.totals = {name: Money(value, currency) for name, value in totals.items()}
    figures.totals["aid_disbursed"] = Money(aid, currency)
    # Held for aid at the end of the period: all net proceeds until then less all aid published until then.
    figures.totals["held"] = Money(net_until_end - aid_until_end, currency)
    figures.people_helped = sum(cell.people_helped for cell in figures.aid_cells)
    figures.lines, figures.lines_total = _lines(
        state, currency=currency, period=period, published_until=published_until, limit=lines_limit
    )
    return figures


def _lines(
    state: dict, *, currency: str, period: Period, published_until: str, limit: int | None
) -> tuple[list[DisbursementLine], int]:
    """The period's public lines, newest month first (all, or the ``limit`` newest), and how many there are."""
    total, newest = 0, []
    for line in _lines_newest_first(state):
        if line["reversed_by"] or line["currency"] != currency or line["month"] > published_until:
            continue
        if not period.holds(line["month"]):
            continue
        total += 1
        if limit is None or len(newest) < limit:
            newest.append(line)
    return [_line_of(line, currency) for line in newest], total


def _lines_newest_first(state: dict) -> list[dict]:
    """The fold's lines by month then sequence, newest first, sorted once per fold and kept beside it.

    The one thing ever added to a fold after it is made: a derived index, never
    stored in a snapshot (snapshots are written before anyone reads the fold).
    """
    ordered = state.get("_newest_first")
    if ordered is None or len(ordered) != len(state["lines"]):
        ordered = state["_newest_first"] = sorted(state["lines"].values(), key=_line_order, reverse=True)
    return ordered


def _line_order(line: dict) -> tuple[str, int]:
    return line["month"], line["sequence"]


def _line_of(line: dict, currency: str) -> DisbursementLine:
    paid = Money(line["paid_amount"], line["paid_currency"]) if line.get("paid_currency") else None
    return DisbursementLine(
        sequence=line["sequence"], month=line["month"], category=line["category"], region=line["region"],
        description=line["description"], people_helped=line["people_helped"],
        amount=Money(line["amount"], currency), paid=paid, payee=line["payee"],
    )


def public_figures(
    *, currency: str | None = None, period: Period = ALL_TIME, checkpoint: Checkpoint | None = None,
    today: datetime.date | None = None, lines_limit: int | None = None,
) -> PublicFigures | None:
    """The figures at the latest checkpoint (or the one given); ``None`` before the first checkpoint."""
    from donations.allocation import ledger_currency

    checkpoint = checkpoint or Checkpoint.objects.order_by("-id").first()
    if checkpoint is None:
        return None
    state = folded_state(checkpoint.tree_size, checkpoint.root_hash)
    return figures_from_state(
        state, checkpoint=checkpoint, currency=currency or ledger_currency(), period=period, today=today,
        lines_limit=lines_limit,
    )
