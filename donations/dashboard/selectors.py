"""Every read the finance workspace's pages need, each in a number of queries that does not grow with the rows.

List pages get a ``Page`` of display rows (amounts as ``Money``): a count
query and a rows query, whatever the page size or the table's length.
``tests/donations/dashboard/test_selectors.py`` and the page tests pin the
counts.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from donations import allocation, four_eyes, ledger
from donations.audit import APPROVE, EDIT, POST, RECORD, VIEW_EVIDENCE, audit_log
from donations.dashboard.filters import awaiting_approval, filter_disbursements
from donations.disbursements import EDITABLE
from donations.models import (
    Account,
    AccountBalance,
    AuditLogEntry,
    Disbursement,
    DisbursementEditor,
    DisbursementEvidence,
    Earmark,
    JournalEntry,
    Posting,
)
from donations.money import Money
from donations.selectors import log_state

PAGE_SIZE = 50


def _page(rows: QuerySet | list, number: Any, per_page: int = PAGE_SIZE) -> Page:
    """One page (a bad or out-of-range number gives the first or last page, never an error)."""
    return Paginator(rows, per_page).get_page(number)


# --- Disbursements ----------------------------------------------------------------


@dataclass(frozen=True)
class DisbursementRow:
    disbursement: Disbursement
    evidence_count: int

    @property
    def amount(self) -> Money:
        return Money(self.disbursement.amount_minor, self.disbursement.currency)

    @property
    def ledger_amount(self) -> Money:
        return Money(self.disbursement.ledger_amount_minor, self.disbursement.ledger_currency)


def disbursements(params: Mapping[str, Any], *, awaiting_approval_by=None) -> QuerySet[Disbursement]:
    """Disbursements newest paid first, filtered as the CSV export filters them (``filter_disbursements``).

    ``awaiting_approval_by``: only those submitted and recorded by someone else.
    """
    rows = (
        Disbursement.objects.select_related("category", "recorded_by")
        .annotate(evidence_count=Count("evidence"))
        .order_by("-paid_on", "-id")
    )
    rows = filter_disbursements(rows, params)
    if awaiting_approval_by is not None:
        rows = awaiting_approval(rows, awaiting_approval_by)
    return rows


def disbursement_page(params: Mapping[str, Any], *, awaiting_approval_by=None, page: Any = 1) -> Page:
    """A page of ``DisbursementRow`` for the list. Two queries (three with a category filter)."""
    result = _page(disbursements(params, awaiting_approval_by=awaiting_approval_by), page)
    result.object_list = [DisbursementRow(row, row.evidence_count) for row in result.object_list]
    return result


@dataclass(frozen=True)
class DisbursementActions:
    """Which buttons the detail page shows; the services refuse the same things, with a message."""

    edit: bool
    submit: bool
    approve: bool
    reject: bool
    post: bool
    reverse: bool
    earmark: bool
    add_evidence: bool
    remove_evidence: bool
    view_evidence: bool
    recorded_by_you: bool  # recorded or changed by this user: another approver must decide
    edit_reopens: bool  # a change now withdraws the submission (and any approval)

    @property
    def any_step(self) -> bool:
        return self.edit or self.submit or self.approve or self.reject or self.post or self.reverse


def disbursement_actions(
    disbursement: Disbursement, user, *, editors: Collection[int] | None = None
) -> DisbursementActions:
    """The steps ``user`` may take on ``disbursement`` now.

    ``editors``: the ids of everyone who recorded or changed it (the detail
    page has them); without them, one query reads them. Whoever recorded or
    changed a disbursement never sees approve, reject or post: four eyes on the
    contents, whatever permissions they hold (the services refuse it too).
    """
    status, statuses = disbursement.status, Disbursement.Status
    if editors is None:
        editors = four_eyes.editor_ids(disbursement)
    mine = user.pk in editors or disbursement.recorded_by_id == user.pk
    may_judge = user.has_perm(APPROVE) and not mine
    return DisbursementActions(
        edit=status in EDITABLE and user.has_perm(EDIT),
        submit=status == statuses.DRAFT and user.has_perm(RECORD),
        approve=status == statuses.SUBMITTED and may_judge,
        reject=status in (statuses.SUBMITTED, statuses.APPROVED) and may_judge,
        post=status == statuses.APPROVED and user.has_perm(POST) and not mine,
        reverse=status == statuses.POSTED and user.has_perm(POST),
        earmark=status in (statuses.DRAFT, statuses.SUBMITTED, statuses.APPROVED) and user.has_perm(RECORD),
        add_evidence=status != statuses.REJECTED and user.has_perm(RECORD),
        remove_evidence=status == statuses.DRAFT and user.has_perm(RECORD),
        view_evidence=user.has_perm(VIEW_EVIDENCE),
        recorded_by_you=mine and status in (statuses.SUBMITTED, statuses.APPROVED),
        edit_reopens=status in four_eyes.REOPENED_BY_A_CHANGE,
    )


@dataclass(frozen=True)
class EarmarkRow:
    earmark: Earmark

    @property
    def amount(self) -> Money:
        return Money(self.earmark.amount_minor, self.earmark.disbursement.ledger_currency)

    @property
    def order_number(self) -> str | None:
        return allocation.order_number_from_key(
            self.earmark.proceeds_entry.idempotency_key, allocation.PROCEEDS_KEY_PREFIX
        )


@dataclass(frozen=True)
class DisbursementPage:
    """Everything the detail page shows: the row with its people, evidence, earmarks, funding and audit log."""

    disbursement: Disbursement
    evidence: list[DisbursementEvidence]
    earmarks: list[EarmarkRow]
    funding: list[allocation.ProceedsShare]
    audit: list[AuditLogEntry]
    editors: list[DisbursementEditor]

    @property
    def editor_ids(self) -> set[int]:
        return {row.editor_id for row in self.editors} | {self.disbursement.recorded_by_id}

    @property
    def amount(self) -> Money:
        return Money(self.disbursement.amount_minor, self.disbursement.currency)

    @property
    def ledger_amount(self) -> Money:
        return Money(self.disbursement.ledger_amount_minor, self.disbursement.ledger_currency)


def disbursement_detail(pk: int) -> DisbursementPage | None:
    """The detail page's rows, or None if there is no such disbursement. Six queries."""
    disbursement = (
        Disbursement.objects.select_related(
            "category",
            "public_description",
            "recorded_by",
            "approved_by",
            "rejected_by",
            "posted_by",
            "posted_entry",
        )
        .filter(pk=pk)
        .first()
    )
    if disbursement is None:
        return None
    evidence = list(disbursement.evidence.select_related("uploaded_by").order_by("id"))
    earmarks = [
        EarmarkRow(earmark)
        for earmark in Earmark.objects.filter(disbursement=disbursement)
        .select_related("proceeds_entry", "created_by")
        .order_by("id")
    ]
    for row in earmarks:
        row.earmark.disbursement = disbursement  # Its ledger currency, without a query per earmark.
    return DisbursementPage(
        disbursement=disbursement,
        evidence=evidence,
        earmarks=earmarks,
        funding=allocation.disbursement_funding(disbursement),
        audit=list(audit_log(disbursement=disbursement)),
        editors=list(DisbursementEditor.objects.filter(disbursement=disbursement).select_related("editor")),
    )


def proceeds_entry_by_reference(reference: str) -> JournalEntry | None:
    """An order's proceeds entry by order number, or by ``#<sequence>``. One query."""
    reference = reference.strip()
    proceeds = JournalEntry.objects.filter(kind=JournalEntry.Kind.ORDER_PROCEEDS)
    if reference.startswith("#") and reference[1:].isdigit():
        return proceeds.filter(sequence=int(reference[1:])).first()
    return proceeds.filter(idempotency_key=f"{allocation.PROCEEDS_KEY_PREFIX}{reference}").first()


# --- Ledger -------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountRow:
    account: Account
    balances: list[Money]


@dataclass(frozen=True)
class LedgerOverview:
    accounts: list[AccountRow]
    totals: list[Money]  # Per currency, over every account: zero when the books balance.
    unallocated: Money
    log_size: int


def ledger_overview() -> LedgerOverview:
    """Every account with its balances per currency, the unallocated proceeds, the log's size. Eight queries."""
    balances = ledger.trial_balance()
    totals: dict[str, int] = {}
    for by_currency in balances.values():
        for currency, money in by_currency.items():
            totals[currency] = totals.get(currency, 0) + money.minor
    return LedgerOverview(
        accounts=[
            AccountRow(account, list(balances.get(account.code, {}).values()))
            for account in Account.objects.order_by("code")
        ],
        totals=[Money(minor, currency) for currency, minor in sorted(totals.items())],
        unallocated=allocation.unallocated_balance(),
        log_size=log_state().size,
    )


@dataclass(frozen=True)
class PostingRow:
    posting: Posting
    entry: JournalEntry

    @property
    def amount(self) -> Money:
        return Money(self.posting.amount_minor, self.posting.currency)

    @property
    def is_debit(self) -> bool:
        return self.posting.amount_minor > 0

    @property
    def size(self) -> Money:
        """The amount without its sign, for a debit or credit column."""
        return Money(abs(self.posting.amount_minor), self.posting.currency)


@dataclass(frozen=True)
class AccountPage:
    account: Account
    balances: list[Money]
    postings: Page


def account_detail(code: str, *, page: Any = 1) -> AccountPage | None:
    """An account, its balances, and a page of its postings newest first. Four queries."""
    account = Account.objects.filter(code=code).first()
    if account is None:
        return None
    balances = [
        Money(minor, currency)
        for currency, minor in AccountBalance.objects.filter(account=account)
        .exclude(balance_minor=0)
        .order_by("currency")
        .values_list("currency", "balance_minor")
    ]
    postings = _page(
        Posting.objects.filter(account=account).select_related("entry").order_by("-entry__sequence", "-id"), page
    )
    postings.object_list = [PostingRow(posting, posting.entry) for posting in postings.object_list]
    return AccountPage(account=account, balances=balances, postings=postings)


@dataclass(frozen=True)
class EntryPage:
    entry: JournalEntry
    postings: list[PostingRow]
    disbursement_id: int | None
    reversed_by: JournalEntry | None


def entry_detail(sequence: int) -> EntryPage | None:
    """One journal entry with its postings, its disbursement and what reversed it, if anything. Four queries."""
    # The private leaf and its salt open a case's commitment: not even this page needs them.
    entry = (
        JournalEntry.objects.select_related("reverses")
        .defer("private_leaf", "commitment_salt", "reverses__private_leaf", "reverses__commitment_salt")
        .filter(sequence=sequence)
        .first()
    )
    if entry is None:
        return None
    postings = [PostingRow(posting, entry) for posting in entry.postings.select_related("account").order_by("id")]
    return EntryPage(
        entry=entry,
        postings=postings,
        disbursement_id=Disbursement.objects.filter(posted_entry=entry).values_list("pk", flat=True).first(),
        reversed_by=JournalEntry.objects.filter(reverses=entry).only("id", "sequence").first(),
    )


# --- Proceeds and allocation ------------------------------------------------------------


@dataclass(frozen=True)
class AllocationOverview:
    proceeds: Page  # of allocation.ProceedsBalance, newest first
    unallocated: Money
    order_number: str
    order_found: bool
    funding: list[allocation.Funding]


def allocation_overview(*, page: Any = 1, order_number: str = "") -> AllocationOverview:
    """A page of orders' proceeds with what is allocated, the unallocated total, and what one order funded.

    Thirteen queries, three or four more with an order number;
    ``proceeds_balances`` is asked only about the page's entries.
    """
    ids = JournalEntry.objects.filter(kind=JournalEntry.Kind.ORDER_PROCEEDS).order_by("-sequence")
    proceeds = _page(ids.values_list("id", flat=True), page)
    entry_ids = list(proceeds.object_list)
    balances = allocation.proceeds_balances(entry_ids=entry_ids) if entry_ids else []
    proceeds.object_list = sorted(balances, key=lambda balance: balance.sequence, reverse=True)
    order_number = order_number.strip()
    funding = allocation.order_funding(order_number) if order_number else []
    found = bool(funding) or (bool(order_number) and allocation.proceeds_entry_for_order(order_number) is not None)
    return AllocationOverview(
        proceeds=proceeds,
        unallocated=allocation.unallocated_balance(),
        order_number=order_number,
        order_found=found,
        funding=funding,
    )


# --- Audit log ----------------------------------------------------------------------------


def audit_entries(*, disbursement: int | None = None, who: str = "", action: str = "") -> QuerySet[AuditLogEntry]:
    """The audit log newest first, filtered by disbursement id, actor's username and action."""
    entries = audit_log().order_by("-id")
    if disbursement is not None:
        entries = entries.filter(disbursement_id=disbursement)
    if who:
        entries = entries.filter(Q(actor__username__iexact=who) | Q(actor__email__iexact=who))
    if action:
        entries = entries.filter(action=action)
    return entries


def audit_page(*, page: Any = 1, **filters: Any) -> Page:
    """A page of the audit log. Two queries."""
    return _page(audit_entries(**filters), page)
