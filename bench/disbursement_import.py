"""Spreadsheet import benchmark: the bulk path against the old row-by-row path, same file, same run.

    cd /work/wt-import && .venv/bin/python bench/disbursement_import.py [--rows 5000] [--database sqlite|URL]

Target: 5,000 rows recorded through ``manage.py import_disbursements`` in at most 5 s.

One run, in a temporary directory removed on exit:

1. migrates a fresh SQLite database (or uses ``--database``, a PostgreSQL URL
   of an empty scratch database) and makes a finance volunteer;
2. writes a CSV of ``--rows`` rows: a third in UAH with an exchange rate,
   every category and region, each row another payee (no repeats);
3. "before": the old path, kept here as it was (each row through
   ``validate_disbursement_input`` then ``record_disbursement``, which runs
   ``full_clean`` and about a dozen queries a row), in one transaction;
4. "after": ``call_command("import_disbursements", ...)``, the command the
   volunteer runs, through the bulk path;
5. prints seconds, SQL queries and rows/s of each, and the ratio.

The two runs record the same file; the tables are emptied between them.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_SECONDS = 5.0


def setup_django(directory: str, database: str) -> None:
    # DEBUG off, as in production: DEBUG's cursor re-quotes every parameter of every INSERT for its log.
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = "bench-only-" + "k" * 60
    os.environ["ALLOWED_HOSTS"] = "localhost"
    os.environ["DATABASE_URL"] = database if database != "sqlite" else f"sqlite:///{directory}/bench.sqlite3"
    os.environ["MEDIA_ROOT"] = f"{directory}/media"
    os.environ["EVIDENCE_ROOT"] = f"{directory}/evidence"
    os.environ["DJANGO_SETTINGS_MODULE"] = "shop.settings"
    import django

    django.setup()


def write_csv(path: Path, rows: int) -> None:
    from donations.disbursement_csv import TEMPLATE_COLUMNS

    categories = [("medicine", "medicines"), ("food", "food-packages"), ("hygiene", "humanitarian-aid"),
                  ("shelter", "humanitarian-aid"), ("transport", "humanitarian-aid")]
    regions = ["kharkiv", "kherson", "zaporizhzhia", "occupied", "odesa"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, TEMPLATE_COLUMNS)
        writer.writeheader()
        for number in range(rows):
            category, description = categories[number % len(categories)]
            foreign = number % 3 == 0
            writer.writerow({
                "paid_on": f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}",
                "amount": f"{100 + number % 900}.{number % 100:02d}",
                "currency": "UAH" if foreign else "EUR",
                "exchange_rate": "0.0225" if foreign else "",
                "rate_source": "NBU" if foreign else "",
                "rate_date": "2025-01-01" if foreign else "",
                "category": category,
                "region": regions[number % len(regions)],
                "people_helped": str(1 + number % 7),
                "public_description": description,
                "concerns_case": "yes" if number % 2 else "no",
                "notes": "Bench row",
                "case_reference": f"CASE-{number}",
                "payee_name": f"Payee {number}",
                "payee_is_organisation": "yes",
                "payee_public": "no",
            })


def legacy_import(path: Path, user) -> int:
    """The row-by-row path as it was before the bulk one (commit 4a15bb6): validate, then record each row."""
    from django.db import transaction

    from donations.audit import write_audit
    from donations.disbursement_csv import _read_rows, _read_text
    from donations.disbursements import load_codes, record_disbursement, validate_disbursement_input
    from donations.models import AuditLogEntry

    rows, errors = _read_rows(_read_text(path.read_bytes()))
    assert not errors, errors
    codes = load_codes()
    values = []
    for row in rows:
        typed = dict(row.values)
        typed["category"] = codes.categories[typed["category"]]
        typed["public_description"] = codes.descriptions[typed["public_description"]]
        validate_disbursement_input(**typed)
        values.append(typed)
    with transaction.atomic():
        ids = [record_disbursement(recorded_by=user, **typed).pk for typed in values]
        write_audit(actor=user, action=AuditLogEntry.Action.IMPORTED,
                    summary=f"imported {len(ids)} disbursement(s) from a spreadsheet")
    return len(ids)


def empty_tables() -> None:
    from django.db import connection

    from donations.models import AuditLogEntry, Disbursement

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # The audit log is append-only there (a trigger refuses DELETE).
            cursor.execute("TRUNCATE donations_auditlogentry, donations_disbursement CASCADE")
    else:
        AuditLogEntry.objects.all().delete()
        Disbursement.objects.all().delete()


def measure(run) -> tuple[float, float, int]:
    """Wall seconds, this process's CPU seconds and SQL statements of ``run()`` (counted by a wrapper).

    CPU time is shown beside wall time because the machine is shared: other
    load stretches the wall clock, not the work done.
    """
    from django.db import connection

    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started, cpu = time.perf_counter(), time.process_time()
        run()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return seconds, cpu, statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--database", default="sqlite", help="sqlite (a fresh file) or a scratch PostgreSQL URL")
    parser.add_argument("--skip-before", action="store_true", help="Only the bulk path (the old one is slow).")
    parser.add_argument("--profile", action="store_true", help="cProfile the bulk path, by cumulative time.")
    options = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="bench-import-")
    try:
        setup_django(directory, options.database)
        from django.contrib.auth.models import Permission, User
        from django.core.management import call_command

        from donations.models import Disbursement

        call_command("migrate", verbosity=0)
        user = User.objects.create_user("bench-volunteer", "bench@example.org", "x")
        user.user_permissions.set(Permission.objects.filter(codename__in=["add_disbursement", "change_disbursement"]))
        user = User.objects.get(pk=user.pk)
        path = Path(directory) / "disbursements.csv"
        write_csv(path, options.rows)
        print(f"{options.rows} rows, {path.stat().st_size / 1e6:.1f} MB, on {os.environ['DATABASE_URL'].split(':')[0]}")
        results = {}
        if not options.skip_before:
            results["before"] = measure(lambda: legacy_import(path, user))
            assert Disbursement.objects.count() == options.rows
            empty_tables()
        def after() -> None:
            with open(os.devnull, "w") as quiet:
                call_command("import_disbursements", str(path), "--recorded-by", "Bench@Example.org", stdout=quiet)

        if options.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            results["after"] = measure(lambda: profiler.runcall(after))
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        else:
            results["after"] = measure(after)
        assert Disbursement.objects.count() == options.rows
        for label, (seconds, cpu, queries) in results.items():
            print(f"{label:>6}: {seconds:7.2f} s wall {cpu:7.2f} s CPU {queries:6d} queries "
                  f"{options.rows / seconds:8.0f} rows/s")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        after = results["after"][0]
        verdict = "" if after <= TARGET_SECONDS * options.rows / 5000 else "  MISSED"
        if "before" in results:
            print(f"ratio before/after {results['before'][0] / after:.1f}× wall, "
                  f"{results['before'][1] / results['after'][1]:.1f}× CPU; after {after:.2f} s "
                  f"(target ≤ {TARGET_SECONDS * options.rows / 5000:.1f} s){verdict}")
        else:
            print(f"after {after:.2f} s (target ≤ {TARGET_SECONDS * options.rows / 5000:.1f} s){verdict}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
