"""Transparency page benchmark: /en/transparency/ time at 1k and at 100k ledger entries, and their ratio.

    cd /work/main && .venv/bin/python bench/transparency_page.py [--small 1000] [--large 100000] [--requests 100]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/proceeds .venv/bin/python bench/transparency_page.py

Runs in a throwaway database (``proceeds_transparency_bench``, created and
dropped; on SQLite a temporary file). The log is filled with leaves built
exactly as ``ledger.post_entry`` builds them, in bulk: sales (three postings)
spread over 24 months, and every 20th entry an organisation purchase for aid
(four postings, public details, in one of the aid categories and regions), so
the fold has months, aid cells and public lines to carry, as a real ledger
would. For each size it prints:

1. the time to sign the checkpoint;
2. the first request after it (the fold of the leaves since the nearest
   snapshot, stored as a new snapshot), with its SQL query count;
3. the median of ``--requests`` warm requests through Django's test Client,
   with their query count: as visitors get it (the page's figures cached
   for this checkpoint), and with the cache cleared before each request
   (the snapshot read and the figures computed every time).

The last lines are the ratios of the medians, 100k over 1k (target ≤ 1.5).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ledger_posting import append_entries, sale_postings, setup_django  # noqa: E402

CATEGORIES = ("evacuation", "medicine", "food", "hygiene", "shelter", "transport", "other")
REGIONS = ("occupied", "kharkiv", "kherson", "zaporizhzhia", "donetsk", "mykolaiv")
URL = "/en/transparency/"


def month_of(sequence: int, total: int) -> datetime.date:
    """Entries spread evenly over 24 months from January 2024, in sequence order."""
    index = min(sequence * 24 // max(total, 1), 23)
    return datetime.date(2024 + index // 12, index % 12 + 1, 10)


def bulk_entries(target_entries: int, *, spread_over: int) -> None:
    """Append sales and, every 20th entry, a public aid purchase until the log holds ``target_entries`` entries."""
    from donations.chart import aid_spent_account
    from donations.models import LogHead
    from donations.money import Money

    def entry_for(sequence: int):
        day = month_of(sequence, spread_over)
        if sequence % 20:
            return "order_proceeds", day, sale_postings(sequence), None
        amount = Money(5000 + sequence % 20000, "EUR")
        category = CATEGORIES[sequence % 7]
        details = {"category": category, "region": REGIONS[sequence % 6], "people_helped": 1 + sequence % 9,
                   "description": "humanitarian-aid", "paid_amount": amount.minor, "paid_currency": "EUR",
                   "exchange_rate": "1"}
        lines = [(aid_spent_account(category), amount), ("bank", -amount), ("aid-fund", amount),
                 ("proceeds-to-aid", -amount)]
        return "disbursement", day, lines, details

    append_entries(max(target_entries - LogHead.objects.get(pk=1).size, 0), entry_for)


def request(client) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(URL)
        elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.status_code
    assert b"Nothing has been signed yet" not in response.content
    return elapsed, len(queries)


def median_of(client, requests: int, *, clear_cache: bool) -> tuple[float, float, list[int]]:
    from django.core.cache import cache

    samples, counts = [], set()
    for _ in range(requests):
        if clear_cache:
            cache.clear()
        elapsed, count = request(client)
        samples.append(elapsed)
        counts.add(count)
    return statistics.median(samples), max(samples), sorted(counts)


def measure(client, entries: int, requests: int) -> tuple[float, float]:
    from donations import checkpoints
    from donations.models import PublicSnapshot

    start = time.perf_counter()
    checkpoint = checkpoints.make_checkpoint()
    signed = time.perf_counter() - start
    assert checkpoint.tree_size == entries
    gc.collect()  # the bulk load's garbage is not what a web worker carries
    cold, cold_queries = request(client)
    lines = len(PublicSnapshot.objects.filter(tree_size=entries).values_list("state", flat=True).get()["lines"])
    print(f"{entries:>8} entries ({lines} public lines): checkpoint {signed * 1000:.1f} ms; first request "
          f"(fold since the last snapshot) {cold * 1000:.1f} ms, {cold_queries} queries")
    result = []
    for label, clear in (("warm, page cached", False), ("warm, cache cleared", True)):
        median, worst, counts = median_of(client, requests, clear_cache=clear)
        print(f"{'':>10}{label:<22} median {median * 1000:7.1f} ms (max {worst * 1000:7.1f}), "
              f"{'/'.join(map(str, counts))} queries")
        result.append(median)
    return result[0], result[1]


def run(args) -> None:
    from django.db import connection
    from django.test import Client

    from donations import ledger
    from donations.models import AidCategory, PublicDescription
    from donations.money import Money

    ledger.open_accounts()
    for order, code in enumerate(CATEGORIES):
        AidCategory.objects.get_or_create(code=code, defaults={"name": code.title(), "display_order": order})
    PublicDescription.objects.get_or_create(
        code="humanitarian-aid", defaults={"text": "Humanitarian aid", "text_uk": "Гуманітарна допомога"}
    )
    ledger.post_entry(  # through the ledger itself: it creates the log head the bulk loader extends
        kind="order_proceeds", effective_date=datetime.date(2024, 1, 1),
        postings=[("stripe-balance", Money(950, "EUR")), ("stripe-fees", Money(50, "EUR")),
                  ("merch-sales", Money(-1000, "EUR"))],
    )
    client = Client()
    print(f"database: {connection.vendor}; {args.requests} warm requests of {URL} per size")
    start = time.perf_counter()
    bulk_entries(args.small, spread_over=args.small)
    print(f"loaded {args.small} entries in {time.perf_counter() - start:.1f} s")
    small = measure(client, args.small, args.requests)
    start = time.perf_counter()
    bulk_entries(args.large, spread_over=args.large)
    print(f"loaded up to {args.large} entries in {time.perf_counter() - start:.1f} s")
    large = measure(client, args.large, args.requests)
    grown = args.large + 1000
    bulk_entries(grown, spread_over=args.large)
    measure(client, grown, args.requests)
    for index, label in enumerate(("page cached", "cache cleared")):
        ratio = large[index] / small[index]
        verdict = "" if ratio <= 1.5 else "  MISSED (target ≤ 1.5)"
        print(f"ratio {args.large} / {args.small} entries, {label}: {ratio:.2f}{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000, help="entries in the small ledger")
    parser.add_argument("--large", type=int, default=100_000, help="entries in the large ledger")
    parser.add_argument("--requests", type=int, default=100, help="warm requests timed per size")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="proceeds-transparency-bench-") as directory:
        setup_django(directory)
        from django.conf import settings
        from django.db import connection
        from django.test.utils import setup_test_environment

        setup_test_environment()
        # DEBUG is on (setup_django): checkpoints are signed with the labelled development key.
        settings.LEDGER_SIGNING_KEY = settings.LEDGER_VERIFIER_KEY = ""
        original_name = settings.DATABASES["default"]["NAME"]
        test_name = f"{directory}/bench.sqlite3" if connection.vendor == "sqlite" else "proceeds_transparency_bench"
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = test_name
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            run(args)
        finally:
            connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
