"""Posting to the books: the only module that writes accounts, entries, postings and balances.

Every rule the PostgreSQL triggers enforce (migration 0002) is also enforced
here, before anything is written, so SQLite keeps the same books and a caller
gets a clear ``LedgerError`` rather than a database error at COMMIT.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from django.db import transaction
from django.db.models import F, Sum

from donations import merkle
from donations.chart import CHART_OF_ACCOUNTS
from donations.models import Account, AccountBalance, JournalEntry, LogHead, Posting
from donations.money import Money
from donations.projection import Detail, ProjectionError, build_leaf, clean_details

PostingLine = tuple[str, Money]


class LedgerError(Exception):
    """Something the books refuse; the message says what and why.

    The subclasses are named after the refusal (``UnbalancedEntry``,
    ``AlreadyReversed``), which reads better at the call site than an
    ``…Error`` suffix; hence the N818 exemptions.
    """


class InvalidEntry(LedgerError):  # noqa: N818
    """The entry as asked for could never be posted."""


class TooFewPostings(InvalidEntry):
    pass


class ZeroPosting(InvalidEntry):
    pass


class UnbalancedEntry(InvalidEntry):
    pass


class UnknownAccount(InvalidEntry):
    pass


class IdempotencyConflict(LedgerError):  # noqa: N818
    """The idempotency key was already used for a different entry."""


class InvalidReversal(LedgerError):  # noqa: N818
    pass


class AlreadyReversed(InvalidReversal):
    pass


# --- Accounts ---------------------------------------------------------------


def open_accounts(chart: Iterable[tuple[str, str, str]] = CHART_OF_ACCOUNTS) -> None:
    """Open every account of the chart that the database lacks; existing ones are left alone."""
    existing = set(Account.objects.values_list("code", flat=True))
    missing = [Account(code=code, name=name, type=type_) for code, name, type_ in chart if code not in existing]
    Account.objects.bulk_create(missing, ignore_conflicts=True)


# --- Posting ----------------------------------------------------------------


def _normalise_postings(postings: Sequence[PostingLine]) -> list[PostingLine]:
    lines: list[PostingLine] = []
    for line in postings:
        try:
            code, money = line
        except (TypeError, ValueError) as exc:
            raise InvalidEntry(f"A posting is an (account code, Money) pair, not {line!r}") from exc
        if not isinstance(code, str) or not code:
            raise InvalidEntry(f"A posting needs an account code, not {code!r}")
        if not isinstance(money, Money):
            raise InvalidEntry(f"The amount posted to {code} must be Money (minor units + currency), not {money!r}")
        if money.minor == 0:
            raise ZeroPosting(f"The posting to {code} is zero; leave it out")
        lines.append((code, money))
    if len(lines) < 2:
        raise TooFewPostings(f"An entry needs at least two postings, got {len(lines)}")
    totals: dict[str, int] = defaultdict(int)
    for _code, money in lines:
        totals[money.currency] += money.minor
    unbalanced = {currency: total for currency, total in totals.items() if total}
    if unbalanced:
        described = ", ".join(
            f"{currency} off by {total:+d} minor units" for currency, total in sorted(unbalanced.items())
        )
        raise UnbalancedEntry(f"Postings must sum to zero in every currency: {described}")
    return lines


def _lock_log_head() -> LogHead:
    """Lock the single log-head row, creating it on first use.

    Why a locked row rather than a database sequence: a sequence hands out
    numbers outside the transaction, so a rolled-back posting would leave a gap
    in the public log, and the Merkle frontier must grow in sequence order
    anyway. One row locked FOR UPDATE serialises appends (short transactions
    keep that cheap), makes ``size + 1`` the gap-free next number, and holds
    the frontier that the same transaction updates. An advisory lock would do
    the same on PostgreSQL only; this works on SQLite too, where the database
    lock serialises writers. The lock is held until the outermost transaction
    commits, so callers inside ATOMIC_REQUESTS should post last.
    """
    head = LogHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # Two first postings may race here: ON CONFLICT DO NOTHING makes the
        # loser wait for the winner's row instead of failing.
        LogHead.objects.bulk_create([LogHead(pk=1)], ignore_conflicts=True)
        head = LogHead.objects.select_for_update().get(pk=1)
    return head


def lock_log() -> None:
    """Take the log's append lock for the rest of the transaction (posting takes it anyway).

    For work that must see the books stand still between reading and posting,
    such as summarising case entries that nobody else may summarise meanwhile.
    """
    _lock_log_head()


def _frontier(head: LogHead) -> list[bytes]:
    return [bytes.fromhex(node) for node in head.frontier.split()]


def entry_postings(entry: JournalEntry) -> list[PostingLine]:
    """An entry's postings as (account code, Money), in the order they were posted."""
    rows = entry.postings.order_by("id").values_list("account__code", "amount_minor", "currency")
    return [(code, Money(minor, currency)) for code, minor, currency in rows]


def entry_details(entry: JournalEntry) -> dict[str, Detail]:
    """The details a caller gave: public in a plain entry's leaf, private in a case entry's."""
    stored = entry.private_leaf if entry.concerns_case else entry.public_leaf
    return json.loads(stored).get("details", {})


def _check_same_request(
    existing: JournalEntry, *, kind: str, effective_date: datetime.date, memo: str,
    postings: list[PostingLine], reverses: JournalEntry | None, concerns_case: bool, details: dict[str, Detail],
) -> None:
    asked = (kind, effective_date, memo, postings, reverses.pk if reverses else None, concerns_case, details)
    stored = (
        existing.kind, existing.effective_date, existing.memo, entry_postings(existing), existing.reverses_id,
        existing.concerns_case, entry_details(existing),
    )
    if asked != stored:
        raise IdempotencyConflict(
            f"Idempotency key {existing.idempotency_key!r} already posted entry #{existing.sequence} "
            "with different parameters; a retry must repeat the original request exactly"
        )


def _check_reversal(original: JournalEntry, postings: list[PostingLine]) -> JournalEntry:
    original = JournalEntry.objects.filter(pk=original.pk).first()
    if original is None:
        raise InvalidReversal("Only a posted entry can be reversed")
    if original.kind == JournalEntry.Kind.REVERSAL:
        raise InvalidReversal(
            f"Entry #{original.sequence} is itself a reversal; post a new entry instead of reversing it"
        )
    reversal = JournalEntry.objects.filter(reverses=original).values_list("sequence", flat=True).first()
    if reversal is not None:
        raise AlreadyReversed(f"Entry #{original.sequence} was already reversed by entry #{reversal}")
    expected = sorted((code, -money.minor, money.currency) for code, money in entry_postings(original))
    if sorted((code, money.minor, money.currency) for code, money in postings) != expected:
        raise InvalidReversal(f"A reversal of entry #{original.sequence} must post exactly its negated postings")
    return original


def post_entry(
    *,
    kind: str,
    effective_date: datetime.date,
    postings: Sequence[PostingLine],
    memo: str = "",
    idempotency_key: str | None = None,
    reverses: JournalEntry | None = None,
    concerns_case: bool = False,
    details: Mapping[str, Detail] | None = None,
) -> JournalEntry:
    """Append one balanced entry to the books and its leaf to the public log.

    ``postings`` are (account code, Money) pairs, debit positive and credit
    negative. ``details`` are extra facts for the leaf (a category, a count):
    public for a plain entry, private — inside the salted commitment — for an
    entry that ``concerns_case``. Retrying with the same ``idempotency_key``
    returns the entry already posted, so a payment webhook can run twice; the
    same key with different parameters is refused.

    The leaf is built from the same values that are stored, so ``verify_ledger``
    can rebuild it from the rows; the caller never supplies a projection.
    """
    if kind not in JournalEntry.Kind.values:
        raise InvalidEntry(f"Unknown entry kind {kind!r}; one of {', '.join(JournalEntry.Kind.values)}")
    if not isinstance(effective_date, datetime.date) or isinstance(effective_date, datetime.datetime):
        raise InvalidEntry(f"The effective date must be a date, not {effective_date!r}")
    if (kind == JournalEntry.Kind.REVERSAL) != (reverses is not None):
        raise InvalidReversal("A reversal, and only a reversal, names the entry it reverses")
    if idempotency_key is not None and not idempotency_key.strip():
        raise InvalidEntry("An idempotency key, when given, must not be blank")
    lines = _normalise_postings(postings)
    try:
        cleaned_details = clean_details(details)
    except ProjectionError as exc:
        raise InvalidEntry(str(exc)) from exc

    with transaction.atomic():
        head = _lock_log_head()
        if idempotency_key is not None:
            existing = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                _check_same_request(
                    existing, kind=kind, effective_date=effective_date, memo=memo, postings=lines,
                    reverses=reverses, concerns_case=concerns_case, details=cleaned_details,
                )
                return existing

        codes = {code for code, _money in lines}
        accounts = {account.code: account for account in Account.objects.filter(code__in=codes)}
        unknown = sorted(codes - accounts.keys())
        if unknown:
            raise UnknownAccount(f"No such account: {', '.join(unknown)}")

        date_kind = None
        if reverses is not None:
            reverses = _check_reversal(reverses, lines)
            if reverses.concerns_case != concerns_case:
                raise InvalidReversal("A reversal concerns a case exactly when the entry it reverses does")
            date_kind = reverses.kind

        sequence = head.size + 1
        leaf = build_leaf(
            sequence=sequence, kind=kind, effective_date=effective_date, postings=lines,
            reverses_sequence=reverses.sequence if reverses else None, concerns_case=concerns_case,
            date_kind=date_kind, details=cleaned_details,
        )
        leaf_hash = merkle.leaf_hash(leaf.public_leaf)
        entry = JournalEntry.objects.create(
            sequence=sequence, effective_date=effective_date, kind=kind, memo=memo,
            idempotency_key=idempotency_key, reverses=reverses, concerns_case=concerns_case,
            public_leaf=leaf.public_leaf.decode(), leaf_hash=leaf_hash.hex(),
            private_leaf=leaf.private_leaf.decode(), commitment_salt=leaf.salt.hex(),
        )
        Posting.objects.bulk_create(
            Posting(entry=entry, account=accounts[code], amount_minor=money.minor, currency=money.currency)
            for code, money in lines
        )
        _add_to_balances(accounts, lines)
        head.frontier = " ".join(node.hex() for node in merkle.frontier_append(_frontier(head), head.size, leaf_hash))
        head.size = sequence
        head.save(update_fields=["size", "frontier"])
        _checkpoint_on_commit()
    return entry


def _checkpoint_on_commit() -> None:
    """Ask for one checkpoint when the outermost transaction commits, however many entries it posts."""
    from donations.checkpoints import checkpoint_after_posting  # checkpoints builds on this module

    connection = transaction.get_connection()
    if any(callback is checkpoint_after_posting for _savepoints, callback, _robust in connection.run_on_commit):
        return
    # robust: the entries are committed whatever happens; a signing failure is logged, and the next batch retries.
    transaction.on_commit(checkpoint_after_posting, robust=True)


def _add_to_balances(accounts: Mapping[str, Account], lines: Sequence[PostingLine]) -> None:
    # Under the log-head lock no other posting runs, so update-then-create cannot race.
    deltas: dict[tuple[int, str], int] = defaultdict(int)
    for code, money in lines:
        deltas[(accounts[code].pk, money.currency)] += money.minor
    for (account_id, currency), delta in deltas.items():
        updated = AccountBalance.objects.filter(account_id=account_id, currency=currency).update(
            balance_minor=F("balance_minor") + delta
        )
        if not updated:
            AccountBalance.objects.create(account_id=account_id, currency=currency, balance_minor=delta)


def reverse_entry(
    entry: JournalEntry, *, memo: str, effective_date: datetime.date, idempotency_key: str | None = None
) -> JournalEntry:
    """Post the exact negation of ``entry``, pointing at it: the only way to correct the books."""
    return post_entry(
        kind=JournalEntry.Kind.REVERSAL,
        effective_date=effective_date,
        postings=[(code, -money) for code, money in entry_postings(entry)],
        memo=memo,
        idempotency_key=idempotency_key,
        reverses=entry,
        concerns_case=entry.concerns_case,
    )


# --- Balances ---------------------------------------------------------------


def account_balance(code: str, currency: str) -> Money:
    """The balance of one account in one currency (debit positive), read from the running balance."""
    zero = Money.zero(currency)
    row = AccountBalance.objects.filter(account__code=code, currency=zero.currency).values_list(
        "balance_minor", flat=True
    ).first()
    if row is not None:
        return Money(row, zero.currency)
    if not Account.objects.filter(code=code).exists():
        raise UnknownAccount(f"No such account: {code}")
    return zero


def account_balance_from_postings(code: str, currency: str) -> Money:
    """The same balance summed over every posting: the check, and the benchmark's baseline."""
    zero = Money.zero(currency)
    total = Posting.objects.filter(account__code=code, currency=zero.currency).aggregate(total=Sum("amount_minor"))
    return Money(total["total"] or 0, zero.currency)


def trial_balance() -> dict[str, dict[str, Money]]:
    """Every non-zero balance, by account code then currency; each currency's column sums to zero."""
    result: dict[str, dict[str, Money]] = defaultdict(dict)
    rows = AccountBalance.objects.exclude(balance_minor=0).order_by("account__code", "currency")
    for code, currency, minor in rows.values_list("account__code", "currency", "balance_minor"):
        result[code][currency] = Money(minor, currency)
    return dict(result)


def tree_head() -> tuple[int, bytes]:
    """The log's current size and RFC 6962 root, read in one query from the log head."""
    head = LogHead.objects.filter(pk=1).first()
    if head is None:
        return 0, merkle.EMPTY_ROOT
    return head.size, merkle.frontier_root(_frontier(head))
