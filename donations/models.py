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

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from donations.reports.storage import PublicReportStorage, ReportDraftStorage
from donations.storage import EvidenceStorage


class Account(models.Model):
    """One account of the chart; the code is what postings and public leaves name."""

    class Type(models.TextChoices):
        ASSET = "asset", _("Asset")
        LIABILITY = "liability", _("Liability")
        INCOME = "income", _("Income")
        EXPENSE = "expense", _("Expense")
        EQUITY = "equity", _("Equity")
        # Off the balance sheet: figures the log states (the monthly case aid
        # summaries) without moving money a second time.
        MEMORANDUM = "memorandum", _("Memorandum")

    code = models.CharField(_("code"), max_length=100, unique=True)
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
        CASE_AID_SUMMARY = "case_aid_summary", _("Case aid summary")

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


class CaseAidCoverage(models.Model):
    """Which monthly case aid summary states a case entry: each case entry is summarised once, at most.

    Written only by ``donations.case_aid`` in the transaction that posts the
    summary entry. Append-only (a trigger on PostgreSQL, migration 0006).
    """

    case_entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, related_name="case_aid_coverage", verbose_name=_("case entry")
    )
    summary_entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="covered_case_entries", verbose_name=_("summary entry")
    )

    class Meta:
        verbose_name = _("case aid coverage")
        verbose_name_plural = _("case aid coverage")

    def __str__(self) -> str:
        return f"case entry {self.case_entry_id} in summary {self.summary_entry_id}"


class PublicSnapshot(models.Model):
    """The public projection folded up to one tree size: a cache of ``donations.public_ledger``, never a source.

    Derived only from public leaves, so it can be dropped and refolded at any
    time; ``format`` lets a change of the fold ignore older snapshots.
    """

    tree_size = models.PositiveBigIntegerField(_("tree size"))
    format = models.PositiveSmallIntegerField(_("format"))
    state = models.JSONField(_("folded figures"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("public snapshot")
        verbose_name_plural = _("public snapshots")
        constraints = [
            models.UniqueConstraint(fields=["tree_size", "format"], name="donations_public_snapshot_size_format")
        ]

    def __str__(self) -> str:
        return f"public snapshot at {self.tree_size}"


# --- Disbursements, evidence, allocation, audit -------------------------------
#
# Written only by donations.disbursements, donations.evidence, donations.allocation
# and donations.audit. Private fields (notes, case reference, payee, evidence,
# rejection reason) never enter a public leaf, a log line or the audit log.


class AidCategory(models.Model):
    """An editable aid category; its spending is posted to the account ``aid-spent:<code>``."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_uk = models.CharField(_("name in Ukrainian"), max_length=120, blank=True)
    is_active = models.BooleanField(_("offered for new disbursements"), default=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        ordering = ["display_order", "code"]
        verbose_name = _("aid category")
        verbose_name_plural = _("aid categories")

    def __str__(self) -> str:
        return self.name


class PublicDescription(models.Model):
    """One phrase of the controlled vocabulary that public pages may show for a disbursement.

    Free text from volunteers never becomes public: it could name a person or a
    village. A phrase may be tied to one category or (``category`` empty) fit any.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    text = models.CharField(_("text (English)"), max_length=200)
    text_uk = models.CharField(_("text (Ukrainian)"), max_length=200)
    category = models.ForeignKey(
        AidCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="public_descriptions",
        verbose_name=_("category"),
    )
    is_active = models.BooleanField(_("offered for new disbursements"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("public description")
        verbose_name_plural = _("public descriptions")

    def __str__(self) -> str:
        return self.text


class Region(models.TextChoices):
    """Coarse places only: Ukraine's first-level divisions, or "occupied territories", or "other"."""

    OCCUPIED = "occupied", _("Occupied territories")
    CHERKASY = "cherkasy", _("Cherkasy oblast")
    CHERNIHIV = "chernihiv", _("Chernihiv oblast")
    CHERNIVTSI = "chernivtsi", _("Chernivtsi oblast")
    CRIMEA = "crimea", _("Autonomous Republic of Crimea")
    DNIPROPETROVSK = "dnipropetrovsk", _("Dnipropetrovsk oblast")
    DONETSK = "donetsk", _("Donetsk oblast")
    IVANO_FRANKIVSK = "ivano-frankivsk", _("Ivano-Frankivsk oblast")
    KHARKIV = "kharkiv", _("Kharkiv oblast")
    KHERSON = "kherson", _("Kherson oblast")
    KHMELNYTSKYI = "khmelnytskyi", _("Khmelnytskyi oblast")
    KIROVOHRAD = "kirovohrad", _("Kirovohrad oblast")
    KYIV_CITY = "kyiv-city", _("Kyiv city")
    KYIV = "kyiv", _("Kyiv oblast")
    LUHANSK = "luhansk", _("Luhansk oblast")
    LVIV = "lviv", _("Lviv oblast")
    MYKOLAIV = "mykolaiv", _("Mykolaiv oblast")
    ODESA = "odesa", _("Odesa oblast")
    POLTAVA = "poltava", _("Poltava oblast")
    RIVNE = "rivne", _("Rivne oblast")
    SEVASTOPOL = "sevastopol", _("Sevastopol city")
    SUMY = "sumy", _("Sumy oblast")
    TERNOPIL = "ternopil", _("Ternopil oblast")
    VINNYTSIA = "vinnytsia", _("Vinnytsia oblast")
    VOLYN = "volyn", _("Volyn oblast")
    ZAKARPATTIA = "zakarpattia", _("Zakarpattia oblast")
    ZAPORIZHZHIA = "zaporizhzhia", _("Zaporizhzhia oblast")
    ZHYTOMYR = "zhytomyr", _("Zhytomyr oblast")
    OTHER = "other", _("Other")


class Disbursement(models.Model):
    """Aid paid out of the aid fund, recorded by one volunteer and approved by another.

    States move only through ``donations.disbursements`` (each step locks the
    row and writes an audit entry): draft → submitted → approved → posted, or
    rejected with a reason. ``exchange_rate`` is units of the ledger currency
    for one unit of ``currency``; ``ledger_amount_minor`` is the amount times
    the rate, rounded half-up to the ledger currency's minor unit, and is what
    the books and the allocation use.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved")
        POSTED = "posted", _("Posted to the ledger")
        REJECTED = "rejected", _("Rejected")
        REVERSED = "reversed", _("Reversed (posted, then corrected)")

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    paid_on = models.DateField(_("date paid"))
    amount_minor = models.BigIntegerField(_("amount paid in minor units"))
    currency = models.CharField(_("currency paid"), max_length=3)
    exchange_rate = models.DecimalField(
        _("exchange rate to the ledger currency"), max_digits=20, decimal_places=10,
        help_text=_("Ledger-currency units for one unit of the currency paid; 1 when they are the same."),
    )
    rate_source = models.CharField(_("source of the exchange rate"), max_length=200, blank=True)
    rate_date = models.DateField(_("date of the exchange rate"), null=True, blank=True)
    ledger_currency = models.CharField(_("ledger currency"), max_length=3)
    ledger_amount_minor = models.BigIntegerField(_("amount in the ledger currency (minor units)"))
    category = models.ForeignKey(
        AidCategory, on_delete=models.PROTECT, related_name="disbursements", verbose_name=_("aid category")
    )
    region = models.CharField(_("region"), max_length=20, choices=Region.choices)
    people_helped = models.PositiveIntegerField(_("people helped"))
    public_description = models.ForeignKey(
        PublicDescription, on_delete=models.PROTECT, related_name="disbursements",
        verbose_name=_("public description"),
    )
    concerns_case = models.BooleanField(
        _("aid to a person or family"), default=True,
        help_text=_("Its ledger entry is then only a salted commitment, seen publicly in monthly totals."),
    )
    # Private: never in a public leaf, a log line or the audit log.
    notes = models.TextField(_("notes (private)"), blank=True)
    case_reference = models.CharField(_("pseudonymous case reference (private)"), max_length=64, blank=True)
    payee_name = models.CharField(_("payee (private unless a public organisation)"), max_length=200)
    payee_is_organisation = models.BooleanField(_("the payee is an organisation"), default=False)
    payee_public = models.BooleanField(_("show the payee publicly"), default=False)
    rejection_reason = models.TextField(_("reason for rejection (private)"), blank=True)

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("rejected by"),
    )
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True, editable=False)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("posted by"),
    )
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True, editable=False)
    posted_entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="disbursement",
        verbose_name=_("ledger entry"),
    )
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("reversed by"),
    )
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True, editable=False)
    reversal_reason = models.TextField(_("reason for the reversal (private)"), blank=True)
    reversal_entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_disbursement",
        verbose_name=_("reversing ledger entry"),
    )

    class Meta:
        ordering = ["-paid_on", "-id"]
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        permissions = [
            ("approve_disbursement", _("Can approve or reject disbursements")),
            ("post_disbursement", _("Can post approved disbursements to the ledger")),
            ("view_disbursement_evidence", _("Can view disbursement evidence files")),
        ]
        indexes = [models.Index(fields=["status", "paid_on"], name="donations_disb_status_paid")]
        constraints = [
            # Four eyes, in the database: holds for raw SQL as much as for the ORM.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("recorded_by")),
                name="donations_disbursement_not_self_approved",
                violation_error_message=_("The volunteer who recorded a disbursement cannot approve it."),
            ),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="donations_disbursement_amount_positive"),
            models.CheckConstraint(
                condition=Q(ledger_amount_minor__gt=0), name="donations_disbursement_ledger_amount_positive"
            ),
            models.CheckConstraint(condition=Q(exchange_rate__gt=0), name="donations_disbursement_rate_positive"),
            models.CheckConstraint(
                condition=~Q(currency=F("ledger_currency"))
                | (Q(exchange_rate=1) & Q(ledger_amount_minor=F("amount_minor"))),
                name="donations_disbursement_same_currency_rate_one",
            ),
            models.CheckConstraint(condition=Q(people_helped__gt=0), name="donations_disbursement_people_positive"),
            models.CheckConstraint(
                condition=Q(payee_public=False) | Q(payee_is_organisation=True),
                name="donations_disbursement_public_payee_is_organisation",
                violation_error_message=_("Only an organisation can be shown publicly as the payee."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "rejected"]) | Q(submitted_at__isnull=False),
                name="donations_disbursement_submitted_at",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "posted"])
                | (Q(approved_by__isnull=False) & Q(approved_at__isnull=False)),
                name="donations_disbursement_approval_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status="posted") | (Q(posted_entry__isnull=False) & Q(posted_at__isnull=False)),
                name="donations_disbursement_posted_entry",
            ),
            models.CheckConstraint(
                condition=~Q(status="reversed")
                | (Q(reversal_entry__isnull=False) & Q(posted_entry__isnull=False) & ~Q(reversal_reason="")),
                name="donations_disbursement_reversal_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | (~Q(rejection_reason="") & Q(rejected_by__isnull=False)),
                name="donations_disbursement_rejection_reason",
            ),
        ]

    def __str__(self) -> str:
        # Only what is safe anywhere: an id, a date and a category.
        return f"disbursement {self.pk} ({self.paid_on}, {self.category_id})"


class DisbursementEditor(models.Model):
    """Someone who changed a disbursement's contents: a field, its evidence or its earmarks.

    Four eyes hold on the contents, not only on the click: nobody listed here
    for a disbursement (nor its recorder) may approve or post it. Written by
    ``donations.four_eyes`` only, once per person and disbursement; on
    PostgreSQL the rows are append-only and an approval or posting by a listed
    editor is refused by a trigger (migration 0010), as self-approval is by a
    check constraint.
    """

    disbursement = models.ForeignKey(
        Disbursement, on_delete=models.PROTECT, related_name="editors", verbose_name=_("disbursement")
    )
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("editor")
    )
    first_changed_at = models.DateTimeField(_("first change at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("disbursement editor")
        verbose_name_plural = _("disbursement editors")
        constraints = [
            models.UniqueConstraint(fields=["disbursement", "editor"], name="donations_disbursement_editor_once"),
        ]

    def __str__(self) -> str:
        return f"editor {self.editor_id} of disbursement {self.disbursement_id}"


class DisbursementEvidence(models.Model):
    """A receipt or invoice, checked and cleaned by ``donations.evidence``, kept in private storage.

    The stored file's name is random; ``original_name`` (private) is kept only
    so volunteers recognise their upload.
    """

    disbursement = models.ForeignKey(
        Disbursement, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("disbursement")
    )
    file = models.FileField(_("file"), storage=EvidenceStorage(), upload_to="", max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256 of the stored file (hex)"), max_length=64)
    original_name = models.CharField(_("uploaded file name (private)"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return f"evidence {self.pk} ({self.content_type})"


class Earmark(models.Model):
    """A volunteer's instruction: fund this disbursement from these proceeds first.

    Earmarks reserve nothing; ``post_disbursement`` honours them (or refuses,
    saying which proceeds fall short) and funds any remainder oldest-first.
    They can change until the disbursement is posted; the allocation then kept
    is the record.
    """

    disbursement = models.ForeignKey(
        Disbursement, on_delete=models.CASCADE, related_name="earmarks", verbose_name=_("disbursement")
    )
    proceeds_entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="earmarks", verbose_name=_("proceeds entry")
    )
    amount_minor = models.BigIntegerField(_("amount in the ledger currency (minor units)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("earmarked by")
    )
    created_at = models.DateTimeField(_("earmarked at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("earmark")
        verbose_name_plural = _("earmarks")
        constraints = [
            models.UniqueConstraint(fields=["disbursement", "proceeds_entry"], name="donations_earmark_once"),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="donations_earmark_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"earmark {self.proceeds_entry_id} → {self.disbursement_id}"


class Allocation(models.Model):
    """Which net proceeds paid for which disbursement: the link between an order and the aid it funded.

    Append-only, like the books: a row is never edited. When a refund takes
    back proceeds that were already spent, ``donations.allocation`` moves the
    funding with a pair of rows, a negative RELEASED row on the refunded
    proceeds and a positive REALLOCATED row on other proceeds. So the sums are
    what count: per disbursement they equal its ledger amount, per proceeds
    entry they never exceed its net (on PostgreSQL a deferred constraint
    trigger checks both at COMMIT, migration 0004).
    """

    class Kind(models.TextChoices):
        ALLOCATED = "allocated", _("Allocated when posted")
        RELEASED = "released", _("Released after a refund or a reversal")
        REALLOCATED = "reallocated", _("Reallocated after a refund")

    disbursement = models.ForeignKey(
        Disbursement, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("disbursement")
    )
    proceeds_entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("proceeds entry")
    )
    amount_minor = models.BigIntegerField(_("amount in minor units (released: negative)"))
    currency = models.CharField(_("currency"), max_length=3)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ALLOCATED)
    earmarked = models.BooleanField(_("earmarked by a volunteer"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        indexes = [models.Index(fields=["proceeds_entry", "currency"], name="donations_alloc_entry_cur")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="released") & Q(amount_minor__lt=0)) | (~Q(kind="released") & Q(amount_minor__gt=0)),
                name="donations_allocation_sign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount_minor} {self.currency} of entry {self.proceeds_entry_id} → {self.disbursement_id}"


class AuditLogEntry(models.Model):
    """Who did what to a disbursement, and when. Append-only (triggers on PostgreSQL, migration 0004).

    Holds field *names*, ids and states, never the values of private fields:
    the audit log is read by more people than a disbursement's payee may be.
    """

    class Action(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        UPDATED = "updated", _("Updated")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        POSTED = "posted", _("Posted")
        EVIDENCE_ADDED = "evidence_added", _("Evidence added")
        EVIDENCE_REMOVED = "evidence_removed", _("Evidence removed")
        EVIDENCE_VIEWED = "evidence_viewed", _("Evidence viewed")
        EARMARKED = "earmarked", _("Earmarked")
        EARMARK_REMOVED = "earmark_removed", _("Earmark removed")
        REALLOCATED = "reallocated", _("Reallocated after a refund")
        REVERSED = "reversed", _("Reversed")
        IMPORTED = "imported", _("Imported from a spreadsheet")
        RETURNED_TO_DRAFT = "returned_to_draft", _("Returned to draft by a change")

    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("who"),
    )
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    disbursement = models.ForeignKey(
        Disbursement, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_log",
        verbose_name=_("disbursement"),
    )
    fields = models.JSONField(_("fields changed (names only)"), default=list, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log entries")
        indexes = [models.Index(fields=["disbursement", "at"], name="donations_audit_disb_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.disbursement_id}"


# --- Published reports ----------------------------------------------------------
#
# Written only by donations.reports.publishing. A published row and its file
# never change (service layer; on PostgreSQL a trigger, migration 0009).


class PublishedReport(models.Model):
    """A PDF report of one period in one language: requested, rendered in the background, then published.

    Until then the rendered PDF is a private ``draft_file`` (never under
    ``MEDIA_ROOT``); publication copies its exact bytes to ``file``, public
    write-once storage, and freezes the row: the file, its SHA-256, size and
    page count, and the checkpoint it was made from. A correction is a new
    report that names the one it ``supersedes`` and says why, in public.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Rendered, awaiting publication")
        PUBLISHED = "published", _("Published")
        FAILED = "failed", _("Failed")

    class Language(models.TextChoices):
        UK = "uk", _("Ukrainian")
        EN = "en", _("English")

    period = models.CharField(_("period"), max_length=7, help_text=_("2026-10, 2026Q3 or 2026"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    progress_text = models.CharField(_("progress"), max_length=200, blank=True)
    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, null=True, blank=True, related_name="reports",
        verbose_name=_("checkpoint"),
    )
    tree_size = models.PositiveBigIntegerField(_("tree size"), null=True, blank=True)
    root_hash = models.CharField(_("root hash (hex)"), max_length=64, blank=True)
    file = models.FileField(_("file"), storage=PublicReportStorage(), upload_to="", max_length=200, blank=True)
    draft_file = models.FileField(
        _("unpublished file"), storage=ReportDraftStorage(), upload_to="", max_length=200, blank=True
    )
    sha256 = models.CharField(_("SHA-256 (hex)"), max_length=64, blank=True, db_index=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("requested by"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("published by"),
    )
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by",
        verbose_name=_("supersedes"),
    )
    correction_note = models.TextField(_("correction note (public)"), blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("published report")
        verbose_name_plural = _("published reports")
        permissions = [("publish_report", _("Can publish PDF reports"))]
        indexes = [models.Index(fields=["status", "period", "language"], name="donations_report_status")]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="donations_report_progress_percent"),
            models.CheckConstraint(
                condition=~Q(status="published")
                | (~Q(sha256="") & ~Q(file="") & Q(published_at__isnull=False) & Q(checkpoint__isnull=False)
                   & Q(published_by__isnull=False)),
                name="donations_report_published_complete",
            ),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(correction_note=""),
                name="donations_report_correction_note",
                violation_error_message=_("A correction says what it corrects."),
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.period} ({self.language}, {self.status})"


# --- Spreadsheet imports ----------------------------------------------------------
#
# Written only by donations.import_jobs.


class DisbursementImport(models.Model):
    """A spreadsheet a volunteer uploaded, checked and recorded in the background: all rows, or none.

    The file is kept in the private evidence storage (it names payees), never
    under MEDIA_ROOT. ``errors`` holds the row-by-row report of a refused
    file, in the volunteer's language, never a cell's content.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Checking and recording")
        DONE = "done", _("Done")
        FAILED = "failed", _("Not imported")

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(_("file"), storage=EvidenceStorage(), upload_to="imports/", max_length=200)
    original_name = models.CharField(_("uploaded file name (private)"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"))
    submit = models.BooleanField(_("submit for approval"), default=False)
    allow_duplicates = models.BooleanField(_("likely repeats confirmed as new payments"), default=False)
    dry_run = models.BooleanField(_("check only"), default=False)
    language = models.CharField(_("language of the messages"), max_length=10)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Who is running it (a random token per attempt) and when it last said so: a runner that died is replaced.
    claim = models.CharField(_("claim"), max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    rows_total = models.PositiveIntegerField(_("rows in the file"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked"), default=0)
    recorded_count = models.PositiveIntegerField(_("disbursements recorded"), default=0)
    first_disbursement_id = models.BigIntegerField(_("first disbursement recorded"), null=True, blank=True)
    last_disbursement_id = models.BigIntegerField(_("last disbursement recorded"), null=True, blank=True)
    errors = models.JSONField(_("problems found (row, column, message)"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("problems found"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("disbursement import")
        verbose_name_plural = _("disbursement imports")
        indexes = [models.Index(fields=["status", "created_at"], name="donations_import_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rows_done__lte=F("rows_total")) | Q(rows_total=0), name="donations_import_progress"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(finished_at__isnull=False), name="donations_import_done_finished"
            ),
        ]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        """How far the check has come; recording the checked rows is the last step and shows as 100."""
        if self.status in (self.Status.DONE, self.Status.FAILED):
            return 100
        return self.rows_done * 100 // self.rows_total if self.rows_total else 0
