"""Transparency log benchmark: proof cost, entries.jsonl streaming, and the stand-alone verifier, at N entries.

    cd /work/main && .venv/bin/python bench/log_proofs.py [--entries 100000] [--samples 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/proceeds .venv/bin/python bench/log_proofs.py

Runs in a throwaway database (``proceeds_log_bench``, created and dropped;
on SQLite a temporary file) filled by ``bench/ledger_posting.bulk_load`` (three
postings an entry, leaves and tree edge exactly as ``post_entry`` makes them),
then signs a checkpoint and prints:

1. the naive proof — read every leaf hash, run ``merkle.inclusion_proof`` —
   as the baseline;
2. an inclusion and a consistency proof with an empty cache (the first request
   after a deploy or a cache flush: it reads every leaf hash once and fills
   the cache), then the median of ``--samples`` random proofs with the cache
   warm, with their SQL query counts, through the view functions;
3. the time and peak Python memory of streaming all of ``entries.jsonl``;
4. the time of ``tools/verify_ledger.py`` over the downloaded files.

The cache is the one the settings configure (in-process unless ``REDIS_URL``).
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ledger_posting import bulk_load, setup_django  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:9.2f} ms"


def call(view, **params):
    """One request through the view function: (seconds, SQL queries, body bytes)."""
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    request = RequestFactory().get("/", params)
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = view(request)
        if response.streaming:
            size = sum(len(chunk) for chunk in response.streaming_content)
        else:
            size = len(response.content)
        elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.content
    return elapsed, len(queries), size


def run(args, directory: str) -> None:
    from django.core.cache import cache
    from django.db import connection

    from donations import checkpoints, ledger, merkle
    from donations.models import JournalEntry
    from donations.money import Money
    from donations.views import log

    ledger.open_accounts()
    start = time.perf_counter()
    ledger.post_entry(  # The first entry through the ledger itself: it creates the log head that bulk_load extends.
        kind="order_proceeds", effective_date=datetime.date(2025, 1, 1),
        postings=[("stripe-balance", Money(950, "EUR")), ("stripe-fees", Money(50, "EUR")),
                  ("merch-sales", Money(-1000, "EUR"))],
    )
    bulk_load(args.entries * 3)
    size, _root = ledger.tree_head()
    checkpoints.make_checkpoint()
    print(f"database: {connection.vendor}; log of {size} entries loaded in {time.perf_counter() - start:.1f} s")
    rng = random.Random(6962)

    start = time.perf_counter()
    hashes = [bytes.fromhex(h) for h in JournalEntry.objects.order_by("sequence").values_list("leaf_hash", flat=True)]
    naive_read = time.perf_counter() - start
    merkle.inclusion_proof(size // 3, hashes)
    naive = time.perf_counter() - start
    print(f"naive inclusion proof (read {size} leaf hashes {ms(naive_read).strip()}, then hash): {ms(naive)}")

    rows = []
    for name, view, params in [
        ("inclusion, latest size", log.inclusion_proof, lambda: {"index": rng.randrange(size), "size": size}),
        ("inclusion, half size", log.inclusion_proof, lambda: {"index": rng.randrange(size // 2), "size": size // 2}),
        ("consistency to latest", log.consistency_proof, lambda: {"old": rng.randrange(1, size), "new": size}),
    ]:
        cache.clear()
        cold, cold_queries, _length = call(view, **params())
        samples, counts = [], set()
        for _ in range(args.samples):
            elapsed, queries, _length = call(view, **params())
            samples.append(elapsed)
            counts.add(queries)
        rows.append((name, cold, cold_queries, statistics.median(samples), max(samples), sorted(counts)))
    print(f"{'proof (view function)':<26}{'cold cache':>13}{'queries':>9}{'warm median':>14}{'warm max':>13}"
          f"{'queries':>9}")
    for name, cold, cold_queries, median, worst, counts in rows:
        print(f"{name:<26}{ms(cold):>13}{cold_queries:>9}{ms(median):>14}{ms(worst):>13}"
              f"{'/'.join(map(str, counts)):>9}")

    elapsed, queries, length = call(log.entries)
    tracemalloc.start()
    call(log.entries)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"entries.jsonl, all {size} lines ({length / 1e6:.1f} MB): {elapsed:.2f} s, {queries} queries, "
          f"peak Python memory while streaming {peak / 1e6:.1f} MB")

    from django.test import RequestFactory

    files = Path(directory) / "downloads"
    files.mkdir()
    request = RequestFactory().get("/")
    (files / "checkpoint").write_bytes(log.checkpoint(request).content)
    (files / "key").write_bytes(log.verifier_key(request).content)
    with open(files / "entries.jsonl", "wb") as out:
        for chunk in log.entries(RequestFactory().get("/", {"end": size})).streaming_content:
            out.write(chunk)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-I", str(ROOT / "tools" / "verify_ledger.py"), str(files)],
                            capture_output=True, text=True)
    verified = time.perf_counter() - start
    status = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr.strip()
    if result.returncode:
        print(result.stdout, result.stderr)
    print(f"tools/verify_ledger.py over {size} downloaded entries: {verified:.1f} s ({status})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000, help="entries in the log")
    parser.add_argument("--samples", type=int, default=200, help="warm proofs timed per kind")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="proceeds-log-bench-") as directory:
        setup_django(directory)
        from django.conf import settings
        from django.db import connection

        # DEBUG is on (setup_django): checkpoints are signed with the labelled development key.
        settings.LEDGER_SIGNING_KEY = settings.LEDGER_VERIFIER_KEY = ""
        original_name = settings.DATABASES["default"]["NAME"]
        test_name = f"{directory}/bench.sqlite3" if connection.vendor == "sqlite" else "proceeds_log_bench"
        settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = test_name
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            run(args, directory)
        finally:
            connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
