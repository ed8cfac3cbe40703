"""The books' rules, enforced by PostgreSQL itself (SQLite relies on donations.ledger).

1. Balance: a constraint trigger, DEFERRABLE INITIALLY DEFERRED, checks at
   COMMIT every entry that was inserted (or had a posting inserted) in the
   transaction: at least two postings, and a zero sum in every currency.
   Deferred because an entry and its postings are separate INSERTs; checked
   per statement, the first posting would always "unbalance" the entry.
2. Append-only: BEFORE UPDATE OR DELETE row triggers raise on journal entries,
   postings and checkpoints. A correction is a reversing entry.

TRUNCATE is deliberately not guarded: Django flushes test databases (pytest-
django's ``transactional_db``, TransactionTestCase) with one TRUNCATE of every
table, and a trigger that raised there would break every such test. Deny
TRUNCATE to the application's database role in production instead.

Error codes: 23514 (check_violation) and 23001 (restrict_violation), so
Django raises IntegrityError for both.
"""

from django.db import migrations

BALANCE_SQL = """
CREATE FUNCTION donations_entry_must_balance() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    checked_entry bigint;
    posting_count bigint;
    unbalanced_currency text;
    unbalanced_sum numeric;
BEGIN
    IF TG_TABLE_NAME = 'donations_posting' THEN
        checked_entry := NEW.entry_id;
    ELSE
        checked_entry := NEW.id;
    END IF;
    SELECT count(*) INTO posting_count FROM donations_posting WHERE entry_id = checked_entry;
    IF posting_count < 2 THEN
        RAISE EXCEPTION 'journal entry % has % posting(s); an entry needs at least two', checked_entry, posting_count
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT currency, sum(amount_minor) INTO unbalanced_currency, unbalanced_sum
        FROM donations_posting WHERE entry_id = checked_entry
        GROUP BY currency HAVING sum(amount_minor) <> 0 ORDER BY currency LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance: its % postings sum to %', checked_entry,
            unbalanced_currency, unbalanced_sum USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER donations_journalentry_balanced
    AFTER INSERT ON donations_journalentry DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION donations_entry_must_balance();

CREATE CONSTRAINT TRIGGER donations_posting_balanced
    AFTER INSERT ON donations_posting DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION donations_entry_must_balance();
"""

BALANCE_REVERSE_SQL = """
DROP TRIGGER IF EXISTS donations_posting_balanced ON donations_posting;
DROP TRIGGER IF EXISTS donations_journalentry_balanced ON donations_journalentry;
DROP FUNCTION IF EXISTS donations_entry_must_balance();
"""

APPEND_ONLY_SQL = """
CREATE FUNCTION donations_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused (correct the books with a reversing entry)',
        TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER donations_journalentry_append_only
    BEFORE UPDATE OR DELETE ON donations_journalentry
    FOR EACH ROW EXECUTE FUNCTION donations_refuse_change();

CREATE TRIGGER donations_posting_append_only
    BEFORE UPDATE OR DELETE ON donations_posting
    FOR EACH ROW EXECUTE FUNCTION donations_refuse_change();

CREATE TRIGGER donations_checkpoint_append_only
    BEFORE UPDATE OR DELETE ON donations_checkpoint
    FOR EACH ROW EXECUTE FUNCTION donations_refuse_change();
"""

APPEND_ONLY_REVERSE_SQL = """
DROP TRIGGER IF EXISTS donations_checkpoint_append_only ON donations_checkpoint;
DROP TRIGGER IF EXISTS donations_posting_append_only ON donations_posting;
DROP TRIGGER IF EXISTS donations_journalentry_append_only ON donations_journalentry;
DROP FUNCTION IF EXISTS donations_refuse_change();
"""


class PostgreSQLOnly(migrations.RunSQL):
    """RunSQL that does nothing on other databases (SQLite in development and its tests)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("donations", "0001_books")]

    operations = [
        PostgreSQLOnly(sql=BALANCE_SQL, reverse_sql=BALANCE_REVERSE_SQL),
        PostgreSQLOnly(sql=APPEND_ONLY_SQL, reverse_sql=APPEND_ONLY_REVERSE_SQL),
    ]
