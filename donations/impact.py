"""What one order funded, told to its supporter without telling anyone about a person helped.

An impact link is private but made to be shared, and whoever holds it may be
exactly the person who must not learn about a case. So the page says no
more about aid to people than the public log has already said:

- **Purchases** (aid bought for organisations and communities, not about a
  person) are shown line by line once past the publication delay, as on the
  transparency page: month, category, public description, coarse region, the
  payee only when it is an organisation a volunteer made public.
- **Aid to people** (cases) is shown only through the monthly summaries that
  ``donations.case_aid`` published under ``donations.disclosure``. For each
  summary the order's cases fall into, the page names the published cells
  they belong to, with the cells' published totals, case and people counts —
  the same cells, amounts and merging the public log shows, never a cell the
  summary merged away, never a case not yet summarised.
- **The order's own share** of a summary is an amount too: one order funding
  one large case would tell its amount. It is shown only when the cases the
  order funded in that summary would themselves pass the disclosure rules
  (at least k cases, none dominating the order's share by the p% rule).
  Otherwise the page says the order helped and not how much, and the amount
  joins one figure with whatever is not yet published and what is still
  unspent, which ``net − purchases`` already implies: no new number.

So two impact pages of orders that share a cell show that cell's public
figures, nothing finer; the ``/transparency/withheld/`` page states the rule.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from donations import allocation, case_aid, disclosure
from donations.models import AidCategory, CaseAidCoverage, Disbursement, JournalEntry, Region
from donations.money import Money
from donations.proceeds import ProceedsNotPosted, proceeds_balance


@dataclass(frozen=True)
class FundedPurchase:
    """A purchase the order helped pay for, in public terms: as the transparency page lists it."""

    month: datetime.date
    category: str
    description: str
    region: str | None
    payee: str | None
    amount: Money


@dataclass(frozen=True)
class PublishedCell:
    """One cell exactly as a published case aid summary states it (category or region may be merged)."""

    category: str | None  # in the reader's language; None when categories are merged
    region: str | None  # None when regions are merged
    amount: Money
    cases: int
    people: int


@dataclass(frozen=True)
class CaseAidShare:
    """The order's part in one published summary of aid to people."""

    first_month: datetime.date
    last_month: datetime.date
    cells: tuple[PublishedCell, ...]
    order_amount: Money | None  # None: the order's own share could single out a case, so it is not told

    @property
    def one_month(self) -> bool:
        return self.first_month == self.last_month


@dataclass(frozen=True)
class OrderImpact:
    """One order's proceeds and what they funded, for its supporter: all public-grade."""

    order_number: str
    recorded: bool  # its proceeds are in the books (and not reversed)
    paid: Money | None = None
    refunded: Money | None = None
    merch_net: Money | None = None
    donation_net: Money | None = None
    allocated: Money | None = None
    purchases: tuple[FundedPurchase, ...] = ()
    purchases_awaiting: Money | None = None  # purchases inside the publication delay
    case_aid: tuple[CaseAidShare, ...] = ()

    @property
    def net(self) -> Money:
        return self.merch_net + self.donation_net

    @property
    def fully_refunded(self) -> bool:
        return self.refunded is not None and self.refunded.minor > 0 and self.refunded == self.paid

    @property
    def purchases_total(self) -> Money:
        return sum((line.amount for line in self.purchases), self.purchases_awaiting)

    @property
    def case_aid_told(self) -> Money:
        """The order's aid to people whose amount the page may state (summaries where the order's share is safe)."""
        return sum((share.order_amount for share in self.case_aid if share.order_amount), self._zero)

    @property
    def untold(self) -> Money:
        """Allocated to aid whose amount is not told: aid to people not yet published, or not safe to state."""
        return Money(max((self.allocated - self.purchases_total - self.case_aid_told).minor, 0), self.net.currency)

    @property
    def unspent(self) -> Money:
        """Net proceeds not yet allocated to any aid: still waiting to be spent."""
        return Money(max((self.net - self.allocated).minor, 0), self.net.currency)

    @property
    def untold_or_unspent(self) -> Money:
        """The one figure the page shows when some aid may not be told apart from what is unspent."""
        return self.untold + self.unspent

    @property
    def _zero(self) -> Money:
        return Money.zero(self.net.currency)


def order_impact(order_number: str, *, today: datetime.date | None = None) -> OrderImpact:
    """Everything the impact page of ``order_number`` shows, in the active language.

    A fixed number of queries whatever the order funded: five for the order's
    entries (``proceeds_balance``), one for what is allocated, two for what it
    funded, and at most five more for the summaries of aid to people (13 in
    all when the order funded published cases, none of them reversed).
    """
    try:
        balance = proceeds_balance(order_number)
    except ProceedsNotPosted:
        # Not in the books (yet, or reversed): say so, rather than show zeros as if they were facts.
        return OrderImpact(order_number=order_number, recorded=False)
    currency = balance.currency
    entry_id = balance.proceeds_entry.pk
    allocated = allocation.allocated_by_entry(currency, entry_ids=[entry_id]).get(entry_id, 0)
    fundings = [
        funding for funding in allocation.order_funding(order_number)
        if funding.disbursement.status == Disbursement.Status.POSTED and funding.amount.currency == currency
    ]
    purchases, awaiting = _purchases([f for f in fundings if not f.disbursement.concerns_case], today=today)
    return OrderImpact(
        order_number=order_number,
        recorded=True,
        paid=balance.paid,
        refunded=balance.paid - balance.unrefunded,
        merch_net=balance.merch_net,
        donation_net=balance.donation_net,
        allocated=Money(allocated, currency),
        purchases=purchases,
        purchases_awaiting=Money(awaiting, currency),
        case_aid=_case_aid_shares([f for f in fundings if f.disbursement.concerns_case], currency),
    )


def _uk() -> bool:
    return (get_language() or "").startswith("uk")


# --- Purchases --------------------------------------------------------------------------------


def _purchases(
    fundings: list[allocation.Funding], *, today: datetime.date | None
) -> tuple[tuple[FundedPurchase, ...], int]:
    """Purchases past the publication delay by month × category × description × region × public payee."""
    cutoff = (today or timezone.localdate()) - datetime.timedelta(days=int(settings.PUBLICATION_DELAY_DAYS))
    uk = _uk()
    sums: dict[tuple, int] = defaultdict(int)
    currency, awaiting = None, 0
    for funding in fundings:
        disbursement = funding.disbursement
        currency = funding.amount.currency
        if disbursement.paid_on > cutoff:
            awaiting += funding.amount.minor
            continue
        category, description = disbursement.category, disbursement.public_description
        key = (
            disbursement.paid_on.replace(day=1),
            (category.name_uk if uk and category.name_uk else category.name),
            (description.text_uk if uk and description.text_uk else description.text),
            disbursement.get_region_display(),
            disbursement.payee_name if disbursement.payee_public and disbursement.payee_is_organisation else None,
        )
        sums[key] += funding.amount.minor
    # A missing payee sorts as empty text, beside other payees' names.
    ordered = sorted(sums.items(), key=lambda item: tuple("" if part is None else part for part in item[0]))
    return tuple(FundedPurchase(*key, amount=Money(total, currency)) for key, total in ordered), awaiting


# --- Aid to people, through the published summaries only -------------------------------------


def _case_aid_shares(fundings: list[allocation.Funding], currency: str) -> tuple[CaseAidShare, ...]:
    """The published summaries the order's cases are in, each with the cells they fell into."""
    funded_by_entry = {
        funding.disbursement.posted_entry_id: funding.amount.minor
        for funding in fundings if funding.disbursement.posted_entry_id
    }
    if not funded_by_entry:
        return ()
    summary_of = dict(
        CaseAidCoverage.objects.filter(case_entry_id__in=funded_by_entry)
        .values_list("case_entry_id", "summary_entry_id")
    )
    if not summary_of:
        return ()  # nothing the order funded for people is published yet
    summaries = {
        entry.pk: entry for entry in JournalEntry.objects.filter(pk__in=set(summary_of.values())).only(
            "id", "sequence", "public_leaf"
        )
    }
    covered: dict[int, list[JournalEntry]] = defaultdict(list)
    coverage = (
        CaseAidCoverage.objects.filter(summary_entry_id__in=summaries).select_related("case_entry")
        .order_by("case_entry__sequence")
    )
    for row in coverage:
        covered[row.summary_entry_id].append(row.case_entry)
    names = _category_names()
    order_rules = case_aid.disclosure_rules()
    shares = []
    for summary_id, summary in sorted(summaries.items(), key=lambda item: item[1].sequence):
        funded = {entry_id: amount for entry_id, amount in funded_by_entry.items() if summary_of.get(entry_id)
                  == summary_id}
        share = _share_of_summary(summary, covered[summary_id], funded, currency, names, order_rules)
        if share is not None:
            shares.append(share)
    return tuple(sorted(shares, key=lambda share: share.first_month))


def _share_of_summary(
    summary: JournalEntry, covered: list[JournalEntry], funded: dict[int, int], currency: str,
    names: dict[str, tuple[str, str]], order_rules: disclosure.Rules,
) -> CaseAidShare | None:
    """Which published cells of ``summary`` hold the funded cases, recomputed as the summary was made.

    The summary's own leaf gives the cells' figures; the private entries it
    covers, merged under the rules it states, say which cell each case is in
    (exactly as ``verify_ledger`` rechecks it). A case the summary does not
    place in a published cell (cancelled by a reversal in the same period) is
    not told at all; the page never shows a cell the summary did not publish.
    """
    leaf = json.loads(summary.public_leaf)
    details = leaf.get("details") or {}
    published = _published_cells(leaf, currency)
    rules = disclosure.Rules(
        min_cases=int(details.get("min_cases", 0)), dominance_percent=int(details.get("dominance_percent", 0))
    )
    entries = case_aid.case_entries(covered)
    cells = disclosure.disclose(case_aid.contributions(entries), rules).cells
    cell_of = {id(item): (cell.category, cell.region) for cell in cells for item in cell.contributions}
    touched: set[tuple[str, str]] = set()
    mine: list[disclosure.CaseContribution] = []
    for entry in entries:
        if entry.entry_id not in funded:
            continue
        key = cell_of.get(id(entry.contribution))
        if key is None or key not in published:
            continue
        touched.add(key)
        # The order's part of this case, placed in its published cell, for the order-level check below.
        mine.append(disclosure.CaseContribution(
            category=key[0], region=key[1], currency=currency, amount_minor=funded[entry.entry_id], people=0,
        ))
    if not touched:
        return None
    told = sum(item.amount_minor for item in mine)
    safe = bool(mine) and not disclosure.is_sensitive(mine, _stricter(rules, order_rules))
    return CaseAidShare(
        first_month=_month(details.get("from")),
        last_month=_month(details.get("to")),
        cells=tuple(_cell(key, published[key], names) for key in sorted(touched)),
        order_amount=Money(told, currency) if safe else None,
    )


def _stricter(first: disclosure.Rules, second: disclosure.Rules) -> disclosure.Rules:
    return disclosure.Rules(
        min_cases=max(first.min_cases, second.min_cases),
        dominance_percent=max(first.dominance_percent, second.dominance_percent),
    )


def _published_cells(leaf: dict, currency: str) -> dict[tuple[str, str], tuple[Money, int, int]]:
    """(category, region) → (amount, cases, people), from a summary's public leaf."""
    details = leaf.get("details") or {}
    cells = {}
    for posting in leaf.get("postings", []):
        account = posting["account"]
        if not account.startswith(case_aid.MEMO_PREFIX) or posting["currency"] != currency:
            continue
        category, _sep, region = account[len(case_aid.MEMO_PREFIX):].partition(":")
        cells[(category, region)] = (
            Money(posting["amount"], currency),
            int(details.get(f"cases:{category}:{region}") or 0),
            int(details.get(f"people:{category}:{region}") or 0),
        )
    return cells


def _cell(key: tuple[str, str], figures: tuple[Money, int, int], names: dict[str, tuple[str, str]]) -> PublishedCell:
    category, region = key
    amount, cases, people = figures
    if category == disclosure.MERGED:
        category_name = None
    else:
        english, ukrainian = names.get(category, (category, ""))
        category_name = ukrainian if _uk() and ukrainian else english
    region_name = None if region == disclosure.MERGED else str(dict(Region.choices).get(region, _("Other")))
    return PublishedCell(category=category_name, region=region_name, amount=amount, cases=cases, people=people)


def _category_names() -> dict[str, tuple[str, str]]:
    return {code: (name, name_uk) for code, name, name_uk in AidCategory.objects.values_list("code", "name", "name_uk")}


def _month(text: str | None) -> datetime.date:
    text = str(text or "1970-01")
    return datetime.date(int(text[:4]), int(text[5:7]), 1)
