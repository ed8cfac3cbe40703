"""Monthly case aid summaries: how the public sees aid to people without seeing any one of them.

An entry that concerns a case (aid to a person or family) enters the public
log as a salted commitment only. Once a month is past the publication delay,
``publish_case_aid_summaries`` posts ONE summary entry for it: memorandum
postings, one per published cell (category × region, merged where
``donations.disclosure`` says so), balanced by ``memo:case-aid-offset``, and
details with the covered case entries' sequence numbers and each cell's case
and people counts. Memorandum accounts sit off the balance sheet: the summary
states what the case entries already moved, it moves no money again.

A month whose cases cannot be published safely (fewer than k, or one case
dominating) is held and summarised with the next month that makes the
period safe; its summary names both months. Each case entry is covered by at
most one summary (a one-to-one row, ``CaseAidCoverage``), and ``verify_ledger``
checks that every summary's cells add up to the private entries it covers.
"""

from __future__ import annotations

import calendar
import datetime
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from donations import disclosure, ledger
from donations.chart import AID_SPENT_PREFIX
from donations.models import CaseAidCoverage, JournalEntry
from donations.money import Money

MEMO_PREFIX = "memo:case-aid:"
OFFSET_ACCOUNT = "memo:case-aid-offset"


def cell_account(category: str, region: str) -> str:
    """The memorandum account of one published cell, e.g. ``memo:case-aid:medicine:occupied``."""
    return f"{MEMO_PREFIX}{category}:{region}"


def disclosure_rules() -> disclosure.Rules:
    return disclosure.Rules(
        min_cases=settings.DISCLOSURE_MIN_CASES, dominance_percent=settings.DISCLOSURE_DOMINANCE_PERCENT
    )


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def latest_publishable_month_end(today: datetime.date, delay_days: int | None = None) -> datetime.date | None:
    """The last day of the latest month whose end is at least the publication delay before ``today``."""
    delay = settings.PUBLICATION_DELAY_DAYS if delay_days is None else delay_days
    limit = today - datetime.timedelta(days=delay)
    end = month_end(limit)
    if end > limit:  # the month holding ``limit`` is not over by then; take the one before
        end = limit.replace(day=1) - datetime.timedelta(days=1)
    return end


@dataclass(frozen=True)
class CaseEntry:
    """What a case entry's private leaf says, as the summary needs it."""

    entry_id: int
    sequence: int
    effective_date: datetime.date
    reverses_id: int | None
    contribution: disclosure.CaseContribution


def _private(entry_leaf: str) -> dict:
    return json.loads(entry_leaf) if entry_leaf else {}


def _aid_amount(leaf: dict) -> tuple[int, str]:
    """The amount of aid an entry records: its aid-spent postings (in the ledger currency)."""
    lines = [line for line in leaf.get("postings", []) if line["account"].startswith(AID_SPENT_PREFIX)]
    if not lines:
        lines = [line for line in leaf.get("postings", []) if line["amount"] > 0][:1]
    currencies = {line["currency"] for line in lines}
    if len(currencies) != 1:
        raise ledger.InvalidEntry(f"A case entry must record aid in one currency, not {sorted(currencies)}")
    return sum(line["amount"] for line in lines), currencies.pop()


def case_entries(entries: Iterable[JournalEntry]) -> list[CaseEntry]:
    """Read the private facts of case entries; a reversal takes category and region from what it reverses."""
    rows = list(entries)
    originals = {
        entry.pk: _private(entry.private_leaf)
        for entry in JournalEntry.objects.filter(pk__in={row.reverses_id for row in rows if row.reverses_id})
    }
    result = []
    for row in rows:
        leaf = _private(row.private_leaf)
        details = (originals.get(row.reverses_id) or {}).get("details", {}) if row.reverses_id else leaf.get(
            "details", {}
        )
        amount, currency = _aid_amount(leaf)
        is_case = row.reverses_id is None
        result.append(CaseEntry(
            entry_id=row.pk, sequence=row.sequence, effective_date=row.effective_date, reverses_id=row.reverses_id,
            contribution=disclosure.CaseContribution(
                category=str(details.get("category") or "other"), region=str(details.get("region") or "other"),
                currency=currency, amount_minor=amount,
                people=int(details.get("people_helped") or 0) if is_case else 0, counts_as_case=is_case,
            ),
        ))
    return result


def contributions(entries: Sequence[CaseEntry]) -> list[disclosure.CaseContribution]:
    """The cells' contributions; a case reversed within the same period is left out entirely."""
    ids = {entry.entry_id for entry in entries}
    cancelled = {entry.reverses_id for entry in entries if entry.reverses_id in ids}
    return [
        entry.contribution for entry in entries
        if entry.entry_id not in cancelled and entry.reverses_id not in cancelled
    ]


def _unsummarised_until(cutoff: datetime.date):
    """Case entries (and case reversals) paid by ``cutoff`` that no summary covers yet."""
    return JournalEntry.objects.filter(concerns_case=True, effective_date__lte=cutoff, case_aid_coverage__isnull=True)


def _uncovered_until(cutoff: datetime.date) -> list[CaseEntry]:
    rows = (
        _unsummarised_until(cutoff)
        .only("id", "sequence", "effective_date", "reverses_id", "private_leaf")
        .order_by("effective_date", "sequence")
    )
    return case_entries(rows)


@dataclass(frozen=True)
class SummaryPlan:
    first_month: datetime.date
    last_month_end: datetime.date
    entries: list[CaseEntry]
    cells: list[disclosure.Cell]


def plan_summaries(entries: Sequence[CaseEntry], rules: disclosure.Rules) -> list[SummaryPlan]:
    """Group uncovered case entries by month, carrying a month over while it is not safe to publish."""
    plans: list[SummaryPlan] = []
    pending: list[CaseEntry] = []
    for month in sorted({entry.effective_date.replace(day=1) for entry in entries}):
        pending.extend(entry for entry in entries if entry.effective_date.replace(day=1) == month)
        result = disclosure.disclose(contributions(pending), rules)
        if result.held or not _postable(result.cells):
            continue  # not safe (or nothing to state) yet: carry these cases into the next month
        first_month = min(entry.effective_date for entry in pending).replace(day=1)
        plans.append(SummaryPlan(first_month, month_end(month), pending, result.cells))
        pending = []
    return plans


def _postable(cells: Sequence[disclosure.Cell]) -> bool:
    return any(cell.amount_minor for cell in cells)


def summary_postings(cells: Sequence[disclosure.Cell]) -> list[tuple[str, Money]]:
    """One memorandum posting per non-zero cell, and the offset that balances each currency."""
    postings: list[tuple[str, Money]] = []
    totals: dict[str, int] = {}
    for cell in cells:
        if cell.amount_minor:
            postings.append((cell_account(cell.category, cell.region), Money(cell.amount_minor, cell.currency)))
            totals[cell.currency] = totals.get(cell.currency, 0) + cell.amount_minor
    postings.extend((OFFSET_ACCOUNT, Money(-total, currency)) for currency, total in sorted(totals.items()) if total)
    return postings


def summary_details(plan: SummaryPlan, rules: disclosure.Rules) -> dict[str, str | int]:
    """Flat public facts: the period, the rules applied, counts per cell, and which case leaves it covers."""
    details: dict[str, str | int] = {
        "from": plan.first_month.strftime("%Y-%m"),
        "to": plan.last_month_end.strftime("%Y-%m"),
        "cases": sum(cell.cases for cell in plan.cells),
        "people_helped": sum(cell.people for cell in plan.cells),
        "covers": ",".join(str(entry.sequence) for entry in sorted(plan.entries, key=lambda e: e.sequence)),
        "min_cases": rules.min_cases,
        "dominance_percent": rules.dominance_percent,
    }
    for cell in plan.cells:
        details[f"cases:{cell.category}:{cell.region}"] = cell.cases
        details[f"people:{cell.category}:{cell.region}"] = cell.people
    return details


def _open_cell_accounts(cells: Sequence[disclosure.Cell]) -> None:
    ledger.open_accounts([
        (OFFSET_ACCOUNT, "Case aid stated in monthly summaries (memorandum offset)", "memorandum"),
        *(
            (cell_account(cell.category, cell.region), f"Case aid (memorandum): {cell.category}, {cell.region}",
             "memorandum")
            for cell in cells
        ),
    ])


def publish_case_aid_summaries(*, today: datetime.date | None = None) -> list[JournalEntry]:
    """Post a summary for every month of case aid that is past the delay and safe to publish.

    Idempotent and safe to run from cron any number of times, concurrently
    too: it takes the log's lock first, so two runs cannot cover a case twice.
    """
    today = today or timezone.localdate()
    cutoff = latest_publishable_month_end(today)
    rules = disclosure_rules()
    posted = []
    with transaction.atomic():
        ledger.lock_log()
        for plan in plan_summaries(_uncovered_until(cutoff), rules):
            _open_cell_accounts(plan.cells)
            first, last = plan.entries[0].sequence, plan.entries[-1].sequence
            entry = ledger.post_entry(
                kind=JournalEntry.Kind.CASE_AID_SUMMARY,
                effective_date=plan.last_month_end,
                postings=summary_postings(plan.cells),
                memo=f"Case aid {plan.first_month:%Y-%m}..{plan.last_month_end:%Y-%m}",
                idempotency_key=f"case-aid-summary:{plan.last_month_end:%Y-%m}:{first}-{last}",
                details=summary_details(plan, rules),
            )
            CaseAidCoverage.objects.bulk_create(
                CaseAidCoverage(case_entry_id=item.entry_id, summary_entry=entry) for item in plan.entries
            )
            posted.append(entry)
    return posted


def withheld_case_entries(*, today: datetime.date | None = None) -> int:
    """How many case entries past the delay still wait for a safe summary (shown to finance volunteers)."""
    cutoff = latest_publishable_month_end(today or timezone.localdate())
    return _unsummarised_until(cutoff).count()
