"""Proceeds of paid orders in the books: the sale, Stripe's fee, the costs, and the net owed to aid.

The shop describes a paid order as an ``OrderProceeds`` (plain Money, no Oscar
objects: donations never imports shop) and calls ``post_order_proceeds``; a
refund calls ``post_order_refund``; a Stripe fee reported after the payment
calls ``post_late_stripe_fee``. Each posts one balanced entry, once, whatever
retries happen.

How the chart is used (debit +, credit −; G = merch + shipping charged +
donations, F = Stripe's fee, C = cost of goods, S = shipping cost, N = G − F − C − S):

    account                   order proceeds     late fee     refund of R
    stripe-balance            + (G − F)          − F          − R
    stripe-fees               + F                + F          (kept: Stripe returns no fee)
    merch-sales               − (merch + ship)                + refunded share
    donations                 − donations                     + refunded share
    cost-of-merch             + C                             − c (share of what is left)
    fulfilment-and-shipping   + S                             − s
    costs-payable             − (C + S)                       + (c + s)
    proceeds-to-aid           + N                − F          − (R − c − s)
    aid-fund                  − N                + F          + (R − c − s)

Why two accounts beyond the first chart: gross must stay visible in the income
accounts and the costs in the expense accounts, while the aid fund holds only
the net. Income G on one side and aid fund N plus expenses F + C + S on the
other cannot balance without (1) a liability for the costs the proceeds must
still pay to makers and carriers (``costs-payable``; settling it later is
``Dr costs-payable / Cr bank``, and a debit balance means prepaid stock) and
(2) the appropriation of the net result to aid (``proceeds-to-aid``, equity,
as "dividends declared" against "dividends payable"). The campaign keeps no
profit, and the books show it: income − expenses − proceeds-to-aid is zero
after every order, refund and fee.

A donation line goes to the aid fund whole, less its share of the fee
(largest remainder, so shares sum exactly). Merch and donations stay apart:
gross in their own income accounts, and each entry's public ``details`` say how
it changed the order's ``merch_net`` and ``donation_net`` to aid (summing them
over an order's entries gives what the order gives aid now; their sum is always
minus the entry's aid-fund posting).

A refund of R reverses, in proportion to what is still unrefunded, the order's
income (merch, shipping charged, donation) and costs, and takes R − c − s back
from the aid fund. Stripe's fee is not reversed: Stripe keeps the processing fee
of a refunded payment, so the books must say the aid fund bore it.

Stripe's fee must be in the order's currency (the campaign's Stripe account
settles in the shop currency). A fee in another currency is refused
(``ForeignCurrencyFee``): the shop then posts the order without the fee, the
entry says ``fee_pending``, and finance posts the fee with its exchange rate
as an adjustment (``fx-gains-losses``) by hand.

Idempotency keys name the order: ``order-proceeds:<order>``,
``order-fee:<order>``, ``order-refund:<order>:<refund id>``. ``donations.allocation``
reads the order number from them to net refunds and late fees against the
order's proceeds, and after each refund or late fee its
``reallocate_refunded_proceeds`` runs in the same transaction, so aid already
paid for with money a refund took back is funded from other proceeds.

Public projection: the order number (not personal) and amounts, which are
public for sales; nothing about the customer ever reaches this module.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from donations import allocation, ledger
from donations.models import JournalEntry, LogHead, Posting
from donations.money import Money, MoneyError
from donations.projection import Detail

STRIPE_BALANCE = "stripe-balance"
STRIPE_FEES = "stripe-fees"
MERCH_SALES = "merch-sales"
DONATIONS = "donations"
COST_OF_MERCH = "cost-of-merch"
FULFILMENT = "fulfilment-and-shipping"
COSTS_PAYABLE = "costs-payable"
PROCEEDS_TO_AID = "proceeds-to-aid"
AID_FUND = "aid-fund"


class ProceedsError(ledger.LedgerError):
    """Proceeds that the books refuse; the message says what and why."""


class InvalidProceeds(ProceedsError):  # noqa: N818 -- a refusal, like the ledger's errors
    pass


class ForeignCurrencyFee(InvalidProceeds):
    """Stripe's fee is not in the order's currency."""


class ProceedsNotPosted(ProceedsError):  # noqa: N818
    """A refund or fee for an order whose proceeds are not in the books."""


class OverRefund(ProceedsError):  # noqa: N818
    """More refunded than the order has left unrefunded."""


def proceeds_key(order_number: str) -> str:
    return f"order-proceeds:{order_number}"


def late_fee_key(order_number: str) -> str:
    return f"order-fee:{order_number}"


def refund_key(order_number: str, refund_id: str) -> str:
    """Keyed by order, then refund: ``donations.allocation`` reads the order number from the key."""
    return f"order-refund:{order_number}:{refund_id}"


def split_in_proportion(total: int, weights: Sequence[int]) -> list[int]:
    """Integer shares of ``total`` in proportion to ``weights`` that sum to it exactly.

    Largest remainder: each share is its quota rounded down, and the units left
    go to the largest remainders (the first among equals). A share is never
    more than its quota rounded up, and a zero weight gets nothing.
    """
    if total < 0 or any(weight < 0 for weight in weights):
        raise ValueError("Only a non-negative amount is split, by non-negative weights")
    whole = sum(weights)
    if whole == 0:
        if total:
            raise ValueError("A non-zero amount cannot be split by weights that are all zero")
        return [0] * len(weights)
    shares, remainders = [], []
    for index, weight in enumerate(weights):
        share, remainder = divmod(total * weight, whole)
        shares.append(share)
        remainders.append((remainder, -index))
    for _remainder, negative_index in sorted(remainders, reverse=True)[: total - sum(shares)]:
        shares[-negative_index] += 1
    return shares


def _share(amount: int, part: int, whole: int) -> int:
    """``amount × part / whole`` rounded half up; exactly ``amount`` when ``part == whole``."""
    return (2 * amount * part + whole) // (2 * whole)


# --- What the shop tells the books -----------------------------------------


@dataclass(frozen=True)
class OrderProceeds:
    """One paid order in money terms, all in the order's currency.

    ``merch_gross`` and ``donation_gross`` are what the customer paid for those
    lines (tax included, after discounts), ``shipping_charged`` what they paid
    for delivery. ``stripe_fee`` is None while Stripe has not reported it.
    ``cost_of_goods`` is what the merch cost to make; ``shipping_cost`` what
    delivery costs the campaign (an estimate until fulfilment costs are known).
    """

    order_number: str
    paid_on: datetime.date
    currency: str
    merch_gross: Money
    donation_gross: Money
    shipping_charged: Money
    stripe_fee: Money | None
    cost_of_goods: Money
    shipping_cost: Money

    def __post_init__(self) -> None:
        if not isinstance(self.order_number, str) or not self.order_number.strip():
            raise InvalidProceeds(f"An order number is needed, not {self.order_number!r}")
        if not isinstance(self.paid_on, datetime.date) or isinstance(self.paid_on, datetime.datetime):
            raise InvalidProceeds(f"The payment date must be a date, not {self.paid_on!r}")
        try:
            currency = Money.zero(self.currency).currency
        except MoneyError as exc:
            raise InvalidProceeds(str(exc)) from exc
        object.__setattr__(self, "currency", currency)
        for name in ("merch_gross", "donation_gross", "shipping_charged", "cost_of_goods", "shipping_cost"):
            _check_amount(self.order_number, name, getattr(self, name), currency)
        if self.stripe_fee is not None:
            if isinstance(self.stripe_fee, Money) and self.stripe_fee.currency != currency:
                raise ForeignCurrencyFee(
                    f"Order {self.order_number} was paid in {currency} but Stripe's fee is in "
                    f"{self.stripe_fee.currency}; post the order without the fee and the fee by hand with its rate"
                )
            _check_amount(self.order_number, "stripe_fee", self.stripe_fee, currency)
        if self.gross.minor == 0:
            raise InvalidProceeds(f"Order {self.order_number} has nothing paid: no proceeds to post")
        if self.fee.minor > self.gross.minor:
            raise InvalidProceeds(f"Stripe's fee {self.fee} is more than order {self.order_number}'s {self.gross}")

    @property
    def gross(self) -> Money:
        return self.merch_gross + self.shipping_charged + self.donation_gross

    @property
    def fee(self) -> Money:
        return self.stripe_fee if self.stripe_fee is not None else Money.zero(self.currency)

    @property
    def donation_fee(self) -> Money:
        """The donation's share of the fee, in proportion to what was paid (shipping is merch's)."""
        merch_side = self.merch_gross.minor + self.shipping_charged.minor
        _merch_fee, donation_fee = split_in_proportion(self.fee.minor, [merch_side, self.donation_gross.minor])
        return Money(donation_fee, self.currency)

    @property
    def donation_net(self) -> Money:
        return self.donation_gross - self.donation_fee

    @property
    def merch_net(self) -> Money:
        """Merch and shipping charged, less their share of the fee and the costs (negative when sold at a loss)."""
        merch_fee = self.fee - self.donation_fee
        return self.merch_gross + self.shipping_charged - merch_fee - self.cost_of_goods - self.shipping_cost

    @property
    def net(self) -> Money:
        return self.merch_net + self.donation_net


def _check_amount(order_number: str, name: str, amount: object, currency: str) -> None:
    if not isinstance(amount, Money):
        raise InvalidProceeds(f"Order {order_number}: {name} must be Money, not {amount!r}")
    if amount.currency != currency:
        raise InvalidProceeds(f"Order {order_number} is in {currency}, but {name} is {amount}")
    if amount.minor < 0:
        raise InvalidProceeds(f"Order {order_number}: {name} cannot be negative ({amount})")


def _lines(*pairs: tuple[str, int], currency: str) -> list[ledger.PostingLine]:
    """Postings from (account, minor units), leaving out zeros (the ledger refuses a zero posting)."""
    return [(code, Money(minor, currency)) for code, minor in pairs if minor]


# --- Posting ----------------------------------------------------------------


def post_order_proceeds(proceeds: OrderProceeds) -> JournalEntry:
    """Post a paid order's proceeds once; a retry returns the entry already posted.

    A retry may know more than the first call did: when the entry was posted
    while the fee was pending and the fee is now known, the fee is posted as
    its adjustment (``post_late_stripe_fee``) and the original entry returned.
    The first posting is the record: a cost price edited since then changes
    later orders, not this one (a correction is an adjustment), so a retry is
    not refused for it, which would block its late fee for ever. A retry that
    says the order was paid differently, or names another fee, is refused with
    ``ledger.IdempotencyConflict``.
    """
    with transaction.atomic():
        _hold_posting_lock()
        existing = JournalEntry.objects.filter(idempotency_key=proceeds_key(proceeds.order_number)).first()
        if existing is None:
            return _post_proceeds(proceeds)
        posted = ledger.entry_details(existing)
        paid = (proceeds.merch_gross.minor, proceeds.shipping_charged.minor, proceeds.donation_gross.minor)
        postings = ledger.entry_postings(existing)
        if (posted["merch_gross"], posted["shipping_charged"], posted["donation_gross"]) != paid or any(
            money.currency != proceeds.currency for _code, money in postings
        ):
            raise ledger.IdempotencyConflict(
                f"Order {proceeds.order_number} was posted as entry #{existing.sequence} with other amounts paid; "
                "a retry must repeat them"
            )
        if posted["fee_pending"]:
            if proceeds.stripe_fee is not None:
                post_late_stripe_fee(proceeds.order_number, proceeds.stripe_fee)
            return existing
        posted_fee = _account_total(postings, STRIPE_FEES, proceeds.currency)
        if proceeds.stripe_fee not in (None, posted_fee):
            raise ledger.IdempotencyConflict(
                f"Order {proceeds.order_number} already has a Stripe fee of {posted_fee} in the books, "
                f"not {proceeds.stripe_fee}"
            )
        return existing


def _post_proceeds(proceeds: OrderProceeds) -> JournalEntry:
    gross, fee, net = proceeds.gross.minor, proceeds.fee.minor, proceeds.net.minor
    costs = proceeds.cost_of_goods.minor + proceeds.shipping_cost.minor
    postings = _lines(
        (STRIPE_BALANCE, gross - fee),
        (STRIPE_FEES, fee),
        (MERCH_SALES, -(proceeds.merch_gross.minor + proceeds.shipping_charged.minor)),
        (DONATIONS, -proceeds.donation_gross.minor),
        (COST_OF_MERCH, proceeds.cost_of_goods.minor),
        (FULFILMENT, proceeds.shipping_cost.minor),
        (COSTS_PAYABLE, -costs),
        (PROCEEDS_TO_AID, net),
        (AID_FUND, -net),
        currency=proceeds.currency,
    )
    details: dict[str, Detail] = {
        "order": proceeds.order_number,
        "merch_gross": proceeds.merch_gross.minor,
        "shipping_charged": proceeds.shipping_charged.minor,
        "donation_gross": proceeds.donation_gross.minor,
        "donation_fee": proceeds.donation_fee.minor,
        "merch_net": proceeds.merch_net.minor,
        "donation_net": proceeds.donation_net.minor,
        "fee_pending": proceeds.stripe_fee is None,
    }
    return ledger.post_entry(
        kind=JournalEntry.Kind.ORDER_PROCEEDS,
        effective_date=proceeds.paid_on,
        postings=postings,
        memo=f"Order {proceeds.order_number}",
        idempotency_key=proceeds_key(proceeds.order_number),
        details=details,
    )


def post_late_stripe_fee(order_number: str, fee: Money) -> JournalEntry:
    """Post Stripe's fee for an order whose proceeds went in before the fee was known.

    Once per order: a repeat with the same fee returns the entry that carries
    it (this adjustment, or the proceeds entry if the fee was in it), another
    fee is refused. The adjustment is dated with the payment, the day the fee
    was charged, so that a retry on a later day is the same request. A zero fee
    posts nothing and returns the proceeds entry.
    """
    if not isinstance(fee, Money):
        raise InvalidProceeds(f"Stripe's fee must be Money, not {fee!r}")
    with transaction.atomic():
        _hold_posting_lock()
        balance = proceeds_balance(order_number)
        if fee.currency != balance.currency:
            raise ForeignCurrencyFee(
                f"Order {order_number} was paid in {balance.currency} but Stripe's fee is {fee}; "
                "post it by hand with its exchange rate"
            )
        if fee.minor < 0 or fee.minor > balance.paid.minor:
            raise InvalidProceeds(f"Stripe's fee {fee} is impossible for order {order_number} ({balance.paid} paid)")
        if not balance.fee_pending:
            if fee == balance.stripe_fee:
                return balance.fee_entry or balance.proceeds_entry
            raise ledger.IdempotencyConflict(
                f"Order {order_number} already has a Stripe fee of {balance.stripe_fee} in the books, not {fee}"
            )
        if fee.minor == 0:
            return balance.proceeds_entry
        original = ledger.entry_details(balance.proceeds_entry)
        merch_side = original["merch_gross"] + original["shipping_charged"]
        merch_fee, donation_fee = split_in_proportion(fee.minor, [merch_side, original["donation_gross"]])
        entry = ledger.post_entry(
            kind=JournalEntry.Kind.ADJUSTMENT,
            effective_date=balance.proceeds_entry.effective_date,
            postings=_lines(
                (STRIPE_FEES, fee.minor),
                (STRIPE_BALANCE, -fee.minor),
                (AID_FUND, fee.minor),
                (PROCEEDS_TO_AID, -fee.minor),
                currency=fee.currency,
            ),
            memo=f"Stripe fee of order {order_number}, reported after the payment",
            idempotency_key=late_fee_key(order_number),
            details={"order": order_number, "donation_fee": donation_fee, "merch_net": -merch_fee,
                     "donation_net": -donation_fee},
        )
        _move_funding_off_what_was_taken_back(fee.currency)
        return entry


def post_order_refund(order_number: str, refund_id: str, refunded: Money, refunded_on: datetime.date) -> JournalEntry:
    """Post a refund as the proportional reversal of what the order has left; once per ``refund_id``.

    The refunded amount is shared over merch, shipping charged and donation in
    proportion to what of each is still unrefunded, and the costs are reversed
    in the same proportion, so a series of partial refunds that ends in a full
    one reverses each exactly. More than what is left is refused
    (``OverRefund``). Stripe's fee stays: Stripe does not return it.
    """
    if not isinstance(refund_id, str) or not refund_id.strip():
        raise InvalidProceeds(f"A refund needs its id, not {refund_id!r}")
    if not isinstance(refunded, Money) or refunded.minor <= 0:
        raise InvalidProceeds(f"A refund must be a positive amount of Money, not {refunded!r}")
    if not isinstance(refunded_on, datetime.date) or isinstance(refunded_on, datetime.datetime):
        raise InvalidProceeds(f"The refund date must be a date, not {refunded_on!r}")
    with transaction.atomic():
        _hold_posting_lock()
        existing = JournalEntry.objects.filter(idempotency_key=refund_key(order_number, refund_id)).first()
        if existing is not None:
            _check_refund_retry(existing, refund_id, refunded, refunded_on)
            return existing
        balance = proceeds_balance(order_number)
        if refunded.currency != balance.currency:
            raise InvalidProceeds(f"Order {order_number} was paid in {balance.currency}, not {refunded.currency}")
        left = balance.unrefunded.minor
        if refunded.minor > left:
            raise OverRefund(
                f"Order {order_number} has {Money(left, refunded.currency)} left to refund "
                f"(of {balance.paid}); a refund of {refunded} is more"
            )
        amount = refunded.minor
        merch, shipping, donation = split_in_proportion(
            amount, [balance.merch_gross.minor, balance.shipping_charged.minor, balance.donation_gross.minor]
        )
        cost = _share(balance.cost_of_goods.minor, amount, left)
        shipping_cost = _share(balance.shipping_cost.minor, amount, left)
        back_from_aid = amount - cost - shipping_cost
        entry = ledger.post_entry(
            kind=JournalEntry.Kind.REFUND,
            effective_date=refunded_on,
            postings=_lines(
                (STRIPE_BALANCE, -amount),
                (MERCH_SALES, merch + shipping),
                (DONATIONS, donation),
                (COST_OF_MERCH, -cost),
                (FULFILMENT, -shipping_cost),
                (COSTS_PAYABLE, cost + shipping_cost),
                (PROCEEDS_TO_AID, -back_from_aid),
                (AID_FUND, back_from_aid),
                currency=refunded.currency,
            ),
            memo=f"Refund {refund_id} of order {order_number}",
            idempotency_key=refund_key(order_number, refund_id),
            details={
                "order": order_number, "merch_gross": -merch, "shipping_charged": -shipping,
                "donation_gross": -donation, "merch_net": -(merch + shipping - cost - shipping_cost),
                "donation_net": -donation,
            },
        )
        _move_funding_off_what_was_taken_back(refunded.currency)
        return entry


def _check_refund_retry(existing: JournalEntry, refund_id: str, refunded: Money, refunded_on: datetime.date) -> None:
    posted = [money for code, money in ledger.entry_postings(existing) if code == STRIPE_BALANCE]
    if (existing.kind, posted, existing.effective_date) != (JournalEntry.Kind.REFUND, [-refunded], refunded_on):
        raise ledger.IdempotencyConflict(
            f"Refund {refund_id} was already posted as entry #{existing.sequence} with other parameters; "
            "a retry must repeat the original refund exactly"
        )


def _move_funding_off_what_was_taken_back(currency: str) -> None:
    """Disbursements funded by proceeds that a refund or fee just took back are funded from others.

    ``donations.allocation`` asks for this after every refund, in the same
    transaction; its aid-fund lock comes after the log-head lock, as everywhere.
    """
    allocation.reallocate_refunded_proceeds(currency=currency)


def _hold_posting_lock() -> None:
    """Take the ledger's posting lock (the log-head row) before reading what an order has posted.

    A refund checks what is left to refund, and a fee whether one was posted,
    then posts: two refunds of one order at once must not both see the same
    remainder. Every posting takes this lock first (``ledger.post_entry``), so
    taking it here, in the same order, serialises the read with the write and
    cannot deadlock against another posting. Before the first posting there is
    no row and nothing to protect.
    """
    list(LogHead.objects.select_for_update().filter(pk=1))


# --- Reading what an order has posted --------------------------------------


@dataclass(frozen=True)
class ProceedsBalance:
    """What an order's entries add up to now: the proceeds, less refunds, with any late fee.

    ``merch_gross``, ``shipping_charged``, ``donation_gross``, ``cost_of_goods``
    and ``shipping_cost`` are what is not yet refunded or reversed;
    ``merch_net + donation_net`` is what the order gives the aid fund now.
    """

    order_number: str
    currency: str
    proceeds_entry: JournalEntry
    fee_entry: JournalEntry | None
    refund_entries: tuple[JournalEntry, ...]
    paid: Money
    merch_gross: Money
    shipping_charged: Money
    donation_gross: Money
    cost_of_goods: Money
    shipping_cost: Money
    stripe_fee: Money
    fee_pending: bool
    merch_net: Money
    donation_net: Money

    @property
    def unrefunded(self) -> Money:
        return self.merch_gross + self.shipping_charged + self.donation_gross

    @property
    def net_to_aid(self) -> Money:
        return self.merch_net + self.donation_net


def proceeds_balance(order_number: str) -> ProceedsBalance:
    """Read an order's proceeds, late fee and refunds; ``ProceedsNotPosted`` if there are no proceeds.

    Entries that were reversed (a correction) no longer count. Every entry is
    found by its idempotency key, which names the order.
    """
    proceeds_entry = JournalEntry.objects.filter(idempotency_key=proceeds_key(order_number)).first()
    if proceeds_entry is None:
        raise ProceedsNotPosted(f"Order {order_number} has no proceeds in the books")
    if JournalEntry.objects.filter(reverses=proceeds_entry).exists():
        raise ProceedsNotPosted(f"The proceeds of order {order_number} (entry #{proceeds_entry.sequence}) "
                                "were reversed")
    live = JournalEntry.objects.filter(reversed_by__isnull=True)
    fee_entry = live.filter(idempotency_key=late_fee_key(order_number)).first()
    refunds = tuple(
        live.filter(kind=JournalEntry.Kind.REFUND, idempotency_key__startswith=refund_key(order_number, ""))
        .order_by("sequence")
    )
    entries = [proceeds_entry, *([fee_entry] if fee_entry else []), *refunds]

    details: dict[str, int] = defaultdict(int)
    for entry in entries:
        for key, value in ledger.entry_details(entry).items():
            if isinstance(value, int) and not isinstance(value, bool):
                details[key] += value
    accounts: dict[str, int] = defaultdict(int)
    currencies = set()
    rows = Posting.objects.filter(entry__in=[entry.pk for entry in entries]).values_list(
        "account__code", "amount_minor", "currency"
    )
    for code, minor, currency in rows:
        accounts[code] += minor
        currencies.add(currency)
    (currency,) = currencies  # every entry of an order is in the order's currency
    original = ledger.entry_details(proceeds_entry)
    return ProceedsBalance(
        order_number=order_number,
        currency=currency,
        proceeds_entry=proceeds_entry,
        fee_entry=fee_entry,
        refund_entries=refunds,
        paid=Money(original["merch_gross"] + original["shipping_charged"] + original["donation_gross"], currency),
        merch_gross=Money(details["merch_gross"], currency),
        shipping_charged=Money(details["shipping_charged"], currency),
        donation_gross=Money(details["donation_gross"], currency),
        cost_of_goods=Money(accounts[COST_OF_MERCH], currency),
        shipping_cost=Money(accounts[FULFILMENT], currency),
        stripe_fee=Money(accounts[STRIPE_FEES], currency),
        fee_pending=bool(original.get("fee_pending")) and fee_entry is None,
        merch_net=Money(details["merch_net"], currency),
        donation_net=Money(details["donation_net"], currency),
    )


def _account_total(postings: Sequence[ledger.PostingLine], code: str, currency: str) -> Money:
    total = Money.zero(currency)
    for posted_code, money in postings:
        if posted_code == code:
            total += money
    return total
