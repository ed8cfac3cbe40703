"""Ledger benchmark: posting throughput, balance query time as the books grow, verify_ledger time.

    cd /work/main && .venv/bin/python bench/ledger_posting.py [--postings 100000] [--posts 1000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/proceeds .venv/bin/python bench/ledger_posting.py

Runs in a throwaway database (``proceeds_ledger_bench``, created and dropped;
on SQLite a temporary file), so it needs no network and leaves nothing behind.

1. posts ``--posts`` order entries (3 postings each) through ``ledger.post_entry``,
   one transaction each, and prints entries per second;
2. times ``account_balance`` (the running balance) and a plain SUM over the
   postings at 1k postings, then bulk-loads entries up to ``--postings``
   postings and times both again: the ratio of the two times is the point;
3. times ``verify_ledger`` over the whole log (it must pass: the bulk loader
   builds leaves, tree edge and balances exactly as post_entry does).

The bulk loader writes rows directly for speed. It exists for scale only;
production rows come from donations.ledger alone.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(database_dir: str) -> None:
    os.environ["DEBUG"] = "1"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database_dir}/bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "shop.settings"
    import django

    django.setup()


def timed(function, repeat: int = 200) -> float:
    """Median wall time of one call, in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def append_entries(count: int, entry_for) -> None:
    """Append ``count`` entries to the log in bulk, built exactly as post_entry builds them.

    ``entry_for(sequence)`` gives each new entry's (kind, effective date,
    postings, details); leaves, leaf hashes, the tree edge and the running
    balances follow as post_entry would leave them, so verify_ledger passes.
    """
    from django.db import transaction

    from donations import merkle
    from donations.models import Account, AccountBalance, JournalEntry, LogHead, Posting
    from donations.projection import build_leaf

    accounts = {account.code: account for account in Account.objects.all()}
    batch = 5000
    with transaction.atomic():
        head = LogHead.objects.select_for_update().get(pk=1)
        frontier = [bytes.fromhex(node) for node in head.frontier.split()]
        size = head.size
        target = size + count
        deltas: dict[tuple[int, str], int] = defaultdict(int)
        while size < target:
            entries, lines_by_entry = [], []
            for _ in range(min(batch, target - size)):
                size += 1
                kind, day, lines, details = entry_for(size)
                leaf = build_leaf(sequence=size, kind=kind, effective_date=day, postings=lines,
                                  reverses_sequence=None, concerns_case=False, details=details)
                leaf_hash = merkle.leaf_hash(leaf.public_leaf)
                frontier = merkle.frontier_append(frontier, size - 1, leaf_hash)
                entries.append(JournalEntry(sequence=size, effective_date=day, kind=kind,
                                            public_leaf=leaf.public_leaf.decode(), leaf_hash=leaf_hash.hex()))
                lines_by_entry.append(lines)
            JournalEntry.objects.bulk_create(entries)
            ids = dict(JournalEntry.objects.filter(sequence__gte=entries[0].sequence).values_list("sequence", "id"))
            postings = []
            for entry, lines in zip(entries, lines_by_entry, strict=True):
                for code, money in lines:
                    postings.append(Posting(entry_id=ids[entry.sequence], account=accounts[code],
                                            amount_minor=money.minor, currency=money.currency))
                    deltas[(accounts[code].pk, money.currency)] += money.minor
            Posting.objects.bulk_create(postings, batch_size=5000)
        for (account_id, currency), delta in deltas.items():
            row, _ = AccountBalance.objects.get_or_create(account_id=account_id, currency=currency)
            AccountBalance.objects.filter(pk=row.pk).update(balance_minor=row.balance_minor + delta)
        head.size = size
        head.frontier = " ".join(node.hex() for node in frontier)
        head.save()


def sale_postings(sequence: int) -> list:
    """A sale of three postings whose amount varies with its sequence number."""
    from donations.money import Money

    gross = 1000 + sequence % 5000
    return [("stripe-balance", Money(gross - 50, "EUR")), ("stripe-fees", Money(50, "EUR")),
            ("merch-sales", Money(-gross, "EUR"))]


def bulk_load(target_postings: int) -> None:
    """Append 3-posting sales until the log holds ``target_postings`` postings, as post_entry would."""
    from donations.models import Posting

    day = datetime.date(2025, 1, 1)
    append_entries(
        max((target_postings - Posting.objects.count()) // 3, 0),
        lambda sequence: ("order_proceeds", day, sale_postings(sequence), None),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=100_000, help="postings in the large ledger")
    parser.add_argument("--posts", type=int, default=1000, help="entries posted through post_entry")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="proceeds-ledger-bench-") as directory:
        setup_django(directory)
        from django.conf import settings
        from django.db import connection

        original_name = settings.DATABASES["default"]["NAME"]
        test_name = f"{directory}/bench.sqlite3" if connection.vendor == "sqlite" else "proceeds_ledger_bench"
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = test_name
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            run(args)
        finally:
            connection.creation.destroy_test_db(original_name, verbosity=0)


def run(args) -> None:
    from django.db import connection

    from donations import ledger
    from donations.money import Money
    from donations.verification import verify_ledger

    ledger.open_accounts()
    print(f"database: {connection.vendor}")

    def balances() -> tuple[float, float]:
        running = timed(lambda: ledger.account_balance("stripe-fees", "EUR"))
        summed = timed(lambda: ledger.account_balance_from_postings("stripe-fees", "EUR"), repeat=20)
        return running, summed

    day = datetime.date(2025, 1, 1)
    elapsed = 0.0
    for number in range(max(args.posts, 334)):
        gross = 1000 + number
        start = time.perf_counter()
        ledger.post_entry(
            kind="order_proceeds", effective_date=day, idempotency_key=f"bench-{number}",
            postings=[("stripe-balance", Money(gross - 50, "EUR")), ("stripe-fees", Money(50, "EUR")),
                      ("merch-sales", Money(-gross, "EUR"))],
        )
        elapsed += time.perf_counter() - start
        if number == 333:  # 334 entries = 1002 postings: the small ledger.
            small_running, small_sum = balances()
    posts = max(args.posts, 334)
    print(f"post_entry: {posts} entries in {elapsed:.2f} s = {posts / elapsed:.0f} entries/s "
          f"({elapsed / posts * 1000:.2f} ms each, 3 postings, own transaction)")
    load_start = time.perf_counter()
    bulk_load(args.postings)
    load_time = time.perf_counter() - load_start
    large_running, large_sum = balances()
    from donations.models import Posting

    postings = Posting.objects.count()
    print(f"bulk load to {postings} postings: {load_time:.1f} s")
    print(f"{'balance query':<28}{'~1k postings':>14}{f'{postings} postings':>20}{'ratio':>8}")
    print(f"{'running balance (used)':<28}{small_running:>12.3f}ms{large_running:>18.3f}ms"
          f"{large_running / small_running:>8.2f}")
    print(f"{'SUM over postings':<28}{small_sum:>12.3f}ms{large_sum:>18.3f}ms{large_sum / small_sum:>8.2f}")

    start = time.perf_counter()
    report = verify_ledger()
    elapsed = time.perf_counter() - start
    print(f"verify_ledger: {report.entries} entries, {report.postings} postings in {elapsed:.1f} s "
          f"({'ok' if report.ok else 'BROKEN: ' + str(report.problems[:3])})")


if __name__ == "__main__":
    main()
