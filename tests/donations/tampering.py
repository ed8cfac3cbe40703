"""Rewriting ledger rows behind the ledger's back, as an attacker with database access would."""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def _without_triggers(model):
    """On PostgreSQL, disable the table's append-only triggers for the edit, as a superuser could."""
    if connection.vendor != "postgresql":
        yield
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        # ALTER TABLE refuses to run while deferred trigger events are pending: fire them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def tamper(queryset, **values) -> None:
    """UPDATE rows directly. ``verify_ledger`` must catch the edit on either database: the
    triggers stop the application, the Merkle tree and the checkpoints stop everyone else."""
    with _without_triggers(queryset.model):
        queryset.update(**values)


def remove(queryset) -> None:
    """DELETE rows directly, bypassing Django's on_delete=PROTECT."""
    with _without_triggers(queryset.model):
        queryset._raw_delete(queryset.db)
