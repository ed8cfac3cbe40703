"""Disbursements, their evidence, allocation of proceeds, and the audit log.

Seeds the editable aid categories (a frozen copy of donations/chart.py's list,
with Ukrainian names) and a first controlled vocabulary of public descriptions.

On PostgreSQL the database itself keeps these rules, even against raw SQL:
- the recorder never approves their own disbursement (a CHECK constraint, on
  SQLite too);
- allocations: a deferred constraint trigger checks at COMMIT that they draw
  only on order-proceeds entries, never more than an entry credited to the aid
  fund, never below zero for a (disbursement, entry) pair, and that a
  disbursement's allocations sum exactly to its ledger amount once posted;
- allocations and audit log entries are append-only, and a posted
  disbursement can be neither changed nor deleted (it is part of the books).
The finer rule, net of refunds, is kept by donations.allocation and rechecked
by verify_allocations().
"""

import django.db.models.deletion
import django.utils.timezone
import donations.storage
from django.conf import settings
from django.db import migrations, models

CATEGORIES = [
    # code, English, Ukrainian
    ("evacuation", "Evacuation", "Евакуація"),
    ("medicine", "Medicine", "Ліки"),
    ("food", "Food", "Харчування"),
    ("hygiene", "Hygiene", "Гігієна"),
    ("shelter", "Shelter", "Житло"),
    ("transport", "Transport", "Транспорт"),
    ("other", "Other aid", "Інша допомога"),
]

DESCRIPTIONS = [
    # code, category (None: any), English, Ukrainian
    ("evacuation-from-occupied", "evacuation", "Evacuation from the occupied territories",
     "Евакуація з окупованих територій"),
    ("evacuation-transport", "evacuation", "Safe transport for evacuees", "Безпечний транспорт для евакуйованих"),
    ("medicines", "medicine", "Medicines", "Ліки"),
    ("medical-supplies", "medicine", "Medical supplies and equipment", "Медичні засоби та обладнання"),
    ("food-packages", "food", "Food packages", "Продуктові набори"),
    ("hygiene-kits", "hygiene", "Hygiene kits", "Гігієнічні набори"),
    ("temporary-housing", "shelter", "Temporary housing", "Тимчасове житло"),
    ("essential-home-repairs", "shelter", "Essential home repairs", "Невідкладний ремонт житла"),
    ("transport-and-fuel", "transport", "Transport and fuel", "Транспорт і пальне"),
    ("humanitarian-aid", None, "Humanitarian aid", "Гуманітарна допомога"),
]


def seed_vocabulary(apps, schema_editor):
    AidCategory = apps.get_model("donations", "AidCategory")
    PublicDescription = apps.get_model("donations", "PublicDescription")
    categories = {}
    for order, (code, name, name_uk) in enumerate(CATEGORIES):
        categories[code], _created = AidCategory.objects.get_or_create(
            code=code, defaults={"name": name, "name_uk": name_uk, "display_order": order}
        )
    for code, category, text, text_uk in DESCRIPTIONS:
        PublicDescription.objects.get_or_create(
            code=code, defaults={"text": text, "text_uk": text_uk, "category": categories.get(category)}
        )


ALLOCATION_SQL = """
CREATE FUNCTION donations_allocation_must_fit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    entry_kind text;
    credited numeric;
    allocated numeric;
    pair_total numeric;
    disbursement_status text;
    disbursement_amount bigint;
    disbursement_currency text;
    disbursement_total numeric;
BEGIN
    SELECT kind INTO entry_kind FROM donations_journalentry WHERE id = NEW.proceeds_entry_id;
    IF entry_kind IS DISTINCT FROM 'order_proceeds' THEN
        RAISE EXCEPTION 'allocation % draws on journal entry %, which is not order proceeds', NEW.id,
            NEW.proceeds_entry_id USING ERRCODE = 'check_violation';
    END IF;
    SELECT coalesce(-sum(p.amount_minor), 0) INTO credited
        FROM donations_posting p JOIN donations_account a ON a.id = p.account_id
        WHERE p.entry_id = NEW.proceeds_entry_id AND a.code = 'aid-fund' AND p.currency = NEW.currency;
    SELECT coalesce(sum(amount_minor), 0) INTO allocated FROM donations_allocation
        WHERE proceeds_entry_id = NEW.proceeds_entry_id AND currency = NEW.currency;
    IF allocated > credited THEN
        RAISE EXCEPTION 'journal entry % credited % % to the aid fund, but % is allocated from it',
            NEW.proceeds_entry_id, credited, NEW.currency, allocated USING ERRCODE = 'check_violation';
    END IF;
    SELECT sum(amount_minor) INTO pair_total FROM donations_allocation
        WHERE proceeds_entry_id = NEW.proceeds_entry_id AND disbursement_id = NEW.disbursement_id;
    IF pair_total < 0 THEN
        RAISE EXCEPTION 'disbursement % releases more of journal entry % than was allocated to it',
            NEW.disbursement_id, NEW.proceeds_entry_id USING ERRCODE = 'check_violation';
    END IF;
    SELECT status, ledger_amount_minor, ledger_currency
        INTO disbursement_status, disbursement_amount, disbursement_currency
        FROM donations_disbursement WHERE id = NEW.disbursement_id;
    IF disbursement_status IS DISTINCT FROM 'posted' THEN
        RAISE EXCEPTION 'allocation % funds disbursement %, which is not posted', NEW.id, NEW.disbursement_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.currency <> disbursement_currency THEN
        RAISE EXCEPTION 'allocation % is in %, disbursement % in %', NEW.id, NEW.currency, NEW.disbursement_id,
            disbursement_currency USING ERRCODE = 'check_violation';
    END IF;
    SELECT coalesce(sum(amount_minor), 0) INTO disbursement_total FROM donations_allocation
        WHERE disbursement_id = NEW.disbursement_id;
    IF disbursement_total <> disbursement_amount THEN
        RAISE EXCEPTION 'disbursement % is % % in the ledger, but its allocations sum to %', NEW.disbursement_id,
            disbursement_amount, disbursement_currency, disbursement_total USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER donations_allocation_fits
    AFTER INSERT ON donations_allocation DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION donations_allocation_must_fit();
"""

ALLOCATION_REVERSE_SQL = """
DROP TRIGGER IF EXISTS donations_allocation_fits ON donations_allocation;
DROP FUNCTION IF EXISTS donations_allocation_must_fit();
"""

# donations_refuse_change() comes from migration 0002.
APPEND_ONLY_SQL = """
CREATE TRIGGER donations_allocation_append_only
    BEFORE UPDATE OR DELETE ON donations_allocation
    FOR EACH ROW EXECUTE FUNCTION donations_refuse_change();

CREATE TRIGGER donations_auditlogentry_append_only
    BEFORE UPDATE OR DELETE ON donations_auditlogentry
    FOR EACH ROW EXECUTE FUNCTION donations_refuse_change();

CREATE FUNCTION donations_refuse_posted_disbursement_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'disbursement % is posted to the ledger: % refused', OLD.id, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER donations_disbursement_posted_is_final
    BEFORE UPDATE OR DELETE ON donations_disbursement
    FOR EACH ROW WHEN (OLD.status = 'posted')
    EXECUTE FUNCTION donations_refuse_posted_disbursement_change();
"""

APPEND_ONLY_REVERSE_SQL = """
DROP TRIGGER IF EXISTS donations_disbursement_posted_is_final ON donations_disbursement;
DROP FUNCTION IF EXISTS donations_refuse_posted_disbursement_change();
DROP TRIGGER IF EXISTS donations_auditlogentry_append_only ON donations_auditlogentry;
DROP TRIGGER IF EXISTS donations_allocation_append_only ON donations_allocation;
"""


class PostgreSQLOnly(migrations.RunSQL):
    """RunSQL that does nothing on other databases (a copy of 0002's: migrations import no migrations)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [
        ('donations', '0003_chart_of_accounts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AidCategory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=40, unique=True, verbose_name='code')),
                ('name', models.CharField(max_length=120, verbose_name='name')),
                ('name_uk', models.CharField(blank=True, max_length=120, verbose_name='name in Ukrainian')),
                ('is_active', models.BooleanField(default=True, verbose_name='offered for new disbursements')),
                ('display_order', models.PositiveSmallIntegerField(default=0, verbose_name='display order')),
            ],
            options={
                'verbose_name': 'aid category',
                'verbose_name_plural': 'aid categories',
                'ordering': ['display_order', 'code'],
            },
        ),
        migrations.CreateModel(
            name='Disbursement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted for approval'), ('approved', 'Approved'), ('posted', 'Posted to the ledger'), ('rejected', 'Rejected')], default='draft', max_length=16, verbose_name='status')),
                ('paid_on', models.DateField(verbose_name='date paid')),
                ('amount_minor', models.BigIntegerField(verbose_name='amount paid in minor units')),
                ('currency', models.CharField(max_length=3, verbose_name='currency paid')),
                ('exchange_rate', models.DecimalField(decimal_places=10, help_text='Ledger-currency units for one unit of the currency paid; 1 when they are the same.', max_digits=20, verbose_name='exchange rate to the ledger currency')),
                ('rate_source', models.CharField(blank=True, max_length=200, verbose_name='source of the exchange rate')),
                ('rate_date', models.DateField(blank=True, null=True, verbose_name='date of the exchange rate')),
                ('ledger_currency', models.CharField(max_length=3, verbose_name='ledger currency')),
                ('ledger_amount_minor', models.BigIntegerField(verbose_name='amount in the ledger currency (minor units)')),
                ('region', models.CharField(choices=[('occupied', 'Occupied territories'), ('cherkasy', 'Cherkasy oblast'), ('chernihiv', 'Chernihiv oblast'), ('chernivtsi', 'Chernivtsi oblast'), ('crimea', 'Autonomous Republic of Crimea'), ('dnipropetrovsk', 'Dnipropetrovsk oblast'), ('donetsk', 'Donetsk oblast'), ('ivano-frankivsk', 'Ivano-Frankivsk oblast'), ('kharkiv', 'Kharkiv oblast'), ('kherson', 'Kherson oblast'), ('khmelnytskyi', 'Khmelnytskyi oblast'), ('kirovohrad', 'Kirovohrad oblast'), ('kyiv-city', 'Kyiv city'), ('kyiv', 'Kyiv oblast'), ('luhansk', 'Luhansk oblast'), ('lviv', 'Lviv oblast'), ('mykolaiv', 'Mykolaiv oblast'), ('odesa', 'Odesa oblast'), ('poltava', 'Poltava oblast'), ('rivne', 'Rivne oblast'), ('sevastopol', 'Sevastopol city'), ('sumy', 'Sumy oblast'), ('ternopil', 'Ternopil oblast'), ('vinnytsia', 'Vinnytsia oblast'), ('volyn', 'Volyn oblast'), ('zakarpattia', 'Zakarpattia oblast'), ('zaporizhzhia', 'Zaporizhzhia oblast'), ('zhytomyr', 'Zhytomyr oblast'), ('other', 'Other')], max_length=20, verbose_name='region')),
                ('people_helped', models.PositiveIntegerField(verbose_name='people helped')),
                ('concerns_case', models.BooleanField(default=True, help_text='Its ledger entry is then only a salted commitment, seen publicly in monthly totals.', verbose_name='aid to a person or family')),
                ('notes', models.TextField(blank=True, verbose_name='notes (private)')),
                ('case_reference', models.CharField(blank=True, max_length=64, verbose_name='pseudonymous case reference (private)')),
                ('payee_name', models.CharField(max_length=200, verbose_name='payee (private unless a public organisation)')),
                ('payee_is_organisation', models.BooleanField(default=False, verbose_name='the payee is an organisation')),
                ('payee_public', models.BooleanField(default=False, verbose_name='show the payee publicly')),
                ('rejection_reason', models.TextField(blank=True, verbose_name='reason for rejection (private)')),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='recorded at')),
                ('submitted_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='submitted at')),
                ('approved_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='approved at')),
                ('rejected_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='rejected at')),
                ('posted_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='posted at')),
                ('approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='approved by')),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='disbursements', to='donations.aidcategory', verbose_name='aid category')),
                ('posted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='posted by')),
                ('posted_entry', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='disbursement', to='donations.journalentry', verbose_name='ledger entry')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
                ('rejected_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='rejected by')),
            ],
            options={
                'verbose_name': 'disbursement',
                'verbose_name_plural': 'disbursements',
                'ordering': ['-paid_on', '-id'],
                'permissions': [('approve_disbursement', 'Can approve or reject disbursements'), ('post_disbursement', 'Can post approved disbursements to the ledger'), ('view_disbursement_evidence', 'Can view disbursement evidence files')],
            },
        ),
        migrations.CreateModel(
            name='DisbursementEvidence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(max_length=200, storage=donations.storage.EvidenceStorage(), upload_to='', verbose_name='file')),
                ('content_type', models.CharField(max_length=40, verbose_name='content type')),
                ('size', models.PositiveIntegerField(verbose_name='size in bytes')),
                ('sha256', models.CharField(max_length=64, verbose_name='SHA-256 of the stored file (hex)')),
                ('original_name', models.CharField(blank=True, max_length=200, verbose_name='uploaded file name (private)')),
                ('uploaded_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='uploaded at')),
                ('disbursement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='evidence', to='donations.disbursement', verbose_name='disbursement')),
                ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by')),
            ],
            options={
                'verbose_name': 'evidence file',
                'verbose_name_plural': 'evidence files',
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='PublicDescription',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=60, unique=True, verbose_name='code')),
                ('text', models.CharField(max_length=200, verbose_name='text (English)')),
                ('text_uk', models.CharField(max_length=200, verbose_name='text (Ukrainian)')),
                ('is_active', models.BooleanField(default=True, verbose_name='offered for new disbursements')),
                ('category', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='public_descriptions', to='donations.aidcategory', verbose_name='category')),
            ],
            options={
                'verbose_name': 'public description',
                'verbose_name_plural': 'public descriptions',
                'ordering': ['code'],
            },
        ),
        migrations.AddField(
            model_name='disbursement',
            name='public_description',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='disbursements', to='donations.publicdescription', verbose_name='public description'),
        ),
        migrations.CreateModel(
            name='AuditLogEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='at')),
                ('action', models.CharField(choices=[('recorded', 'Recorded'), ('updated', 'Updated'), ('submitted', 'Submitted'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('posted', 'Posted'), ('evidence_added', 'Evidence added'), ('evidence_removed', 'Evidence removed'), ('evidence_viewed', 'Evidence viewed'), ('earmarked', 'Earmarked'), ('earmark_removed', 'Earmark removed'), ('reallocated', 'Reallocated after a refund')], max_length=32, verbose_name='action')),
                ('fields', models.JSONField(blank=True, default=list, verbose_name='fields changed (names only)')),
                ('summary', models.CharField(blank=True, max_length=300, verbose_name='summary')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='who')),
                ('disbursement', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit_log', to='donations.disbursement', verbose_name='disbursement')),
            ],
            options={
                'verbose_name': 'audit log entry',
                'verbose_name_plural': 'audit log entries',
                'ordering': ['id'],
                'indexes': [models.Index(fields=['disbursement', 'at'], name='donations_audit_disb_at')],
            },
        ),
        migrations.CreateModel(
            name='Allocation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount_minor', models.BigIntegerField(verbose_name='amount in minor units (released: negative)')),
                ('currency', models.CharField(max_length=3, verbose_name='currency')),
                ('kind', models.CharField(choices=[('allocated', 'Allocated when posted'), ('released', 'Released after a refund'), ('reallocated', 'Reallocated after a refund')], default='allocated', max_length=16, verbose_name='kind')),
                ('earmarked', models.BooleanField(default=False, verbose_name='earmarked by a volunteer')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='created at')),
                ('proceeds_entry', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allocations', to='donations.journalentry', verbose_name='proceeds entry')),
                ('disbursement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allocations', to='donations.disbursement', verbose_name='disbursement')),
            ],
            options={
                'verbose_name': 'allocation',
                'verbose_name_plural': 'allocations',
                'ordering': ['id'],
                'indexes': [models.Index(fields=['proceeds_entry', 'currency'], name='donations_alloc_entry_cur')],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('kind', 'released'), ('amount_minor__lt', 0)), models.Q(models.Q(('kind', 'released'), _negated=True), ('amount_minor__gt', 0)), _connector='OR'), name='donations_allocation_sign')],
            },
        ),
        migrations.CreateModel(
            name='Earmark',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('amount_minor', models.BigIntegerField(verbose_name='amount in the ledger currency (minor units)')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='earmarked at')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='earmarked by')),
                ('disbursement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='earmarks', to='donations.disbursement', verbose_name='disbursement')),
                ('proceeds_entry', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='earmarks', to='donations.journalentry', verbose_name='proceeds entry')),
            ],
            options={
                'verbose_name': 'earmark',
                'verbose_name_plural': 'earmarks',
                'ordering': ['id'],
                'constraints': [models.UniqueConstraint(fields=('disbursement', 'proceeds_entry'), name='donations_earmark_once'), models.CheckConstraint(condition=models.Q(('amount_minor__gt', 0)), name='donations_earmark_amount_positive')],
            },
        ),
        migrations.AddIndex(
            model_name='disbursement',
            index=models.Index(fields=['status', 'paid_on'], name='donations_disb_status_paid'),
        ),
        migrations.AddConstraint(
            model_name='disbursement',
            constraint=models.CheckConstraint(condition=models.Q(('approved_by__isnull', True), models.Q(('approved_by', models.F('recorded_by')), _negated=True), _connector='OR'), name='donations_disbursement_not_self_approved', violation_error_message='The volunteer who recorded a disbursement cannot approve it.'),
        ),
        migrations.AddConstraint(
            model_name='disbursement',
            constraint=models.CheckConstraint(condition=models.Q(('amount_minor__gt', 0)), name='donations_disbursement_amount_positive'),
        ),
        migrations.AddConstraint(
            model_name='disbursement',
            constraint=models.CheckConstraint(condition=models.Q(('ledger_amount_minor__gt', 0)), name='donations_disbursement_ledger_amount_positive'),
        ),
        migrations.AddConstraint(
            model_name='disbursement',
            constraint=models.CheckConstraint(condition=models.Q(('exchange_rate__gt', 0)), name='donations_disbursement_rate_positive'),
        ),
        migrations.AddConstraint(
            model_name='disbursement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('currency', models.F('ledger_currency')), _negated=True), models.Q(('exchange_rate', 1), ('ledger_amount_minor', models.F('amount_minor'))), _connector='OR'), name='donations_disbursement_same_currency_rate_one'),
        ),
        migrations.AddConstraint(
            model_name='disbursement',
            constraint=models.CheckConstraint(condition=models.Q(('people_helped__gt', 0)), name='donations_disbursement_people_positive'),
        ),
        migrations.AddConstraint(
            model_name='disbursement',
            constraint=models.CheckConstraint(condition=models.Q(('payee_public', False), ('payee_is_organisation', True), _connector='OR'), name='donations_disbursement_public_payee_is_organisation', violation_error_message='Only an organisation can be shown publicly as the payee.'),
        ),
        migrations.AddConstraint(
            model_name='disbursement',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['draft', 'rejected']), ('submitted_at__isnull', False), _connector='OR'), name='donations_disbursement_submitted_at'),
        ),
        migrations.AddConstraint(
            model_name='disbursement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status__in', ['approved', 'posted']), _negated=True), models.Q(('approved_by__isnull', False), ('approved_at__isnull', False)), _connector='OR'), name='donations_disbursement_approval_recorded'),
        ),
        migrations.AddConstraint(
            model_name='disbursement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'posted'), _negated=True), models.Q(('posted_entry__isnull', False), ('posted_at__isnull', False)), _connector='OR'), name='donations_disbursement_posted_entry'),
        ),
        migrations.AddConstraint(
            model_name='disbursement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'rejected'), _negated=True), models.Q(models.Q(('rejection_reason', ''), _negated=True), ('rejected_by__isnull', False)), _connector='OR'), name='donations_disbursement_rejection_reason'),
        ),
        migrations.RunPython(seed_vocabulary, migrations.RunPython.noop),
        PostgreSQLOnly(sql=ALLOCATION_SQL, reverse_sql=ALLOCATION_REVERSE_SQL),
        PostgreSQLOnly(sql=APPEND_ONLY_SQL, reverse_sql=APPEND_ONLY_REVERSE_SQL),
    ]
