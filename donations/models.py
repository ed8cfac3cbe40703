"""The books: accounts, journal entries, postings, the log head and signed checkpoints.

Rows here are written only by ``donations.ledger`` (entries, postings, balances,
log head) and ``donations.checkpoints`` (checkpoints). Entries, postings and
checkpoints are append-only: on PostgreSQL triggers refuse UPDATE and DELETE
(migration 0002), on SQLite the service layer is the only writer. A correction
is a new entry that reverses the old one and points to it.

Sign convention: ``Posting.amount_minor`` is signed, **debit positive, credit
negative**, in integer minor units of ``Posting.currency``. An entry balances
when its postings sum to zero in every currency. So an asset or expense
account's balance is normally positive and a liability, income or equity
account's normally negative (money the campaign owes to aid shows as a credit).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Account(models.Model):
    """One account of the chart; the code is what postings and public leaves name."""

    class Type(models.TextChoices):
        ASSET = "asset", _("Asset")
        LIABILITY = "liability", _("Liability")
        INCOME = "income", _("Income")
        EXPENSE = "expense", _("Expense")
        EQUITY = "equity", _("Equity")

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=120)
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.code


class JournalEntry(models.Model):
    """One business event, made of balanced postings, and one leaf of the public Merkle log.

    ``sequence`` is the entry's position in the log (1-based; leaf index is
    ``sequence - 1``), gap-free because it is assigned under the log-head lock.
    ``public_leaf`` is the exact canonical JSON that was hashed into the tree,
    kept verbatim so anyone can recompute ``leaf_hash`` and the root.
    """

    class Kind(models.TextChoices):
        ORDER_PROCEEDS = "order_proceeds", _("Order proceeds")
        REFUND = "refund", _("Refund")
        DISBURSEMENT = "disbursement", _("Disbursement")
        REVERSAL = "reversal", _("Reversal")
        ADJUSTMENT = "adjustment", _("Adjustment")

    sequence = models.PositiveBigIntegerField(_("sequence number"), unique=True, editable=False)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    effective_date = models.DateField(_("effective date"))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    memo = models.TextField(_("memo (private)"), blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True, null=True, blank=True)
    # One-to-one: an entry is reversed at most once, and the database says so.
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    concerns_case = models.BooleanField(
        _("concerns a case"), default=False,
        help_text=_("Aid to a person or family: the public leaf is only a salted commitment."),
    )
    public_leaf = models.TextField(_("public leaf (canonical JSON)"), editable=False)
    leaf_hash = models.CharField(_("leaf hash (hex)"), max_length=64, editable=False)
    # Private: what a case entry's commitment opens to. Never published.
    private_leaf = models.TextField(_("private leaf (canonical JSON)"), blank=True, editable=False)
    commitment_salt = models.CharField(_("commitment salt (hex)"), max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        constraints = [
            models.CheckConstraint(condition=Q(sequence__gte=1), name="donations_entry_sequence_positive"),
            # A reversal always names what it reverses, and only a reversal does.
            models.CheckConstraint(
                condition=(Q(kind="reversal") & Q(reverses__isnull=False))
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="donations_entry_reversal_link",
            ),
            models.CheckConstraint(
                condition=(Q(concerns_case=True) & ~Q(commitment_salt="") & ~Q(private_leaf=""))
                | (Q(concerns_case=False) & Q(commitment_salt="") & Q(private_leaf="")),
                name="donations_entry_case_commitment",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.kind} {self.effective_date}"


class Posting(models.Model):
    """One line of an entry: debit positive, credit negative, never zero."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount_minor = models.BigIntegerField(_("amount in minor units (debit +, credit −)"))
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        # By id, not by entry: ordering by the FK would join the entries table into every query.
        ordering = ["id"]
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        indexes = [models.Index(fields=["account", "currency"], name="donations_posting_acct_cur")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_minor=0), name="donations_posting_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount_minor} {self.currency}"


class AccountBalance(models.Model):
    """Running balance per account and currency, kept in the posting transaction.

    A plain SUM over postings grows with the ledger (see bench/ledger_posting.py);
    this row makes a balance one indexed read at any size. Posting is already
    serialised by the log-head lock, so keeping it costs no extra contention.
    ``verify_ledger`` recomputes every balance from the postings and compares.
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="balances")
    currency = models.CharField(_("currency"), max_length=3)
    balance_minor = models.BigIntegerField(_("balance in minor units (debit +, credit −)"), default=0)

    class Meta:
        ordering = ["account", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["account", "currency"], name="donations_balance_account_currency"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.balance_minor} {self.currency}"


class LogHead(models.Model):
    """The single row that serialises appends to the log and holds the tree's right edge.

    ``frontier`` is the compact range of the tree: the hex roots of the perfect
    subtrees that make up ``size`` leaves, largest first. Appending a leaf or
    computing the root from it takes O(log n), so a checkpoint never rereads
    the whole log.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    size = models.PositiveBigIntegerField(default=0)
    frontier = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="donations_loghead_single_row")]

    def __str__(self) -> str:
        return f"log head at {self.size}"


class Checkpoint(models.Model):
    """A signed tree head in the C2SP tlog-checkpoint note format, kept for ever."""

    tree_size = models.PositiveBigIntegerField(_("tree size"))
    root_hash = models.CharField(_("root hash (hex)"), max_length=64)
    origin = models.CharField(_("origin"), max_length=255)
    key_name = models.CharField(_("key name"), max_length=255)
    note = models.TextField(_("signed note"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        get_latest_by = "id"
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size} {self.root_hash[:12]}"
