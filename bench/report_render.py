"""PDF report benchmark: render time and peak memory of a monthly report and of an annual one with 10,000 lines.

    cd /work/main && .venv/bin/python bench/report_render.py [--lines 10000] [--processes 2]

Targets: monthly ≤ 3 s; annual with 10,000 public disbursement lines ≤ 30 s and ≤ 1 GB.

One run, in a temporary directory removed on exit:

1. a child process migrates a fresh SQLite database and posts a year (2025)
   of books through ``ledger.post_entry``: sales each month and ``--lines``
   organisation purchases (public disbursement entries, as
   ``post_disbursement`` makes them), then signs a checkpoint;
2. for each report (the month 2025-06, the year 2025) a fresh child process
   calls ``render_report`` and prints its own time; the parent samples the RSS
   of the child and all its descendants (the render pool) every 20 ms from
   /proc, and also reads ``ru_maxrss`` of the child and of its largest
   descendant from ``wait4``/``getrusage``. tracemalloc would miss WeasyPrint's
   native memory (pango, cairo-free PDF writer buffers), so RSS it is.

Prints one line per report: seconds, pages, peak RSS of the process tree
(sum of processes alive at once) and the largest single process.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
YEAR = 2025


def setup_django(directory: str) -> None:
    os.environ["DEBUG"] = "1"
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    os.environ["MEDIA_ROOT"] = f"{directory}/media"
    os.environ["EVIDENCE_ROOT"] = f"{directory}/evidence"
    os.environ["DJANGO_SETTINGS_MODULE"] = "shop.settings"
    import django

    django.setup()


def prepare(directory: str, lines: int) -> None:
    setup_django(directory)
    from django.core.management import call_command
    from django.db import transaction

    from donations import ledger
    from donations.checkpoints import make_checkpoint
    from donations.money import Money

    call_command("migrate", verbosity=0)
    ledger.open_accounts()
    categories = ["medicine", "food", "hygiene", "shelter", "transport", "evacuation"]
    descriptions = {"medicine": "medicines", "food": "food-packages", "hygiene": "hygiene-kits",
                    "shelter": "temporary-housing", "transport": "transport-and-fuel",
                    "evacuation": "evacuation-transport"}
    regions = ["kharkiv", "kherson", "zaporizhzhia", "dnipropetrovsk", "mykolaiv", "odesa", "occupied"]
    payees = ["Pharmacy Zdorovya LLC", "Food Bank Kyiv", "Vehicle Dealer Dnipro", None]
    with transaction.atomic():
        for month in range(1, 13):
            for order in range(20):
                gross = Money(500_000 + 137 * order, "EUR")
                fee = Money(15_000, "EUR")
                net = gross.minor - fee.minor
                ledger.post_entry(
                    kind="order_proceeds", effective_date=datetime.date(YEAR, month, 1 + order),
                    postings=[("stripe-balance", gross - fee), ("stripe-fees", fee), ("merch-sales", -gross),
                              ("proceeds-to-aid", Money(net, "EUR")), ("aid-fund", Money(-net, "EUR"))],
                    idempotency_key=f"bench-order-{month}-{order}",
                )
    for first in range(0, lines, 1000):
        with transaction.atomic():
            for index in range(first, min(lines, first + 1000)):
                category = categories[index % len(categories)]
                amount = Money(1_000 + (index * 7919) % 90_000, "EUR")
                details = {
                    "category": category, "region": regions[index % len(regions)],
                    "people_helped": 1 + index % 40, "description": descriptions[category],
                    "paid_amount": amount.minor, "paid_currency": "EUR", "exchange_rate": "1",
                }
                if payees[index % len(payees)]:
                    details["payee"] = payees[index % len(payees)]
                ledger.post_entry(
                    kind="disbursement", effective_date=datetime.date(YEAR, 1 + index % 12, 1 + index % 28),
                    postings=[(f"aid-spent:{category}", amount), ("bank", -amount), ("aid-fund", amount),
                              ("proceeds-to-aid", -amount)],
                    idempotency_key=f"bench-disbursement-{index}", details=details,
                )
    make_checkpoint()


def render(directory: str, period: str, processes: int) -> None:
    setup_django(directory)
    from django.conf import settings

    from donations.checkpoints import latest_checkpoint
    from donations.public_ledger import folded_state
    from donations.reports.render import render_report

    settings.REPORT_RENDER_PROCESSES = processes
    folded_state(latest_checkpoint().tree_size)  # the public fold is cached by the pages already: not timed
    start = time.perf_counter()
    rendered = render_report(period, "uk")
    elapsed = time.perf_counter() - start
    print(f"RESULT {elapsed:.2f} {rendered.pages} {len(rendered.pdf)}", flush=True)


def _tree_rss(pid: int) -> int:
    """RSS in bytes of ``pid`` and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(directory: str, period: str, processes: int) -> tuple[float, int, int, int, int]:
    child = subprocess.Popen(
        [sys.executable, __file__, "--render", period, "--dir", directory, "--processes", str(processes)],
        stdout=subprocess.PIPE, text=True,
    )
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(child.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    done.set()
    sampler.join()
    if status:
        raise SystemExit(f"rendering {period} failed:\n{output}")
    seconds, pages, size = next(line for line in output.splitlines() if line.startswith("RESULT")).split()[1:]
    descendants = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # the largest process ever waited
    return float(seconds), int(pages), peak[0], usage.ru_maxrss * 1024, max(descendants, usage.ru_maxrss * 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--render")
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--dir")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if args.prepare:
        return prepare(args.dir, args.lines)
    if args.render:
        return render(args.dir, args.render, args.processes)

    directory = tempfile.mkdtemp(prefix="proceeds-report-bench-")
    try:
        start = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--prepare", "--dir", directory, "--lines", str(args.lines)],
                       check=True)
        print(f"books: a year with {args.lines} public disbursement lines, {time.perf_counter() - start:.0f} s "
              f"to build; {args.processes} render process(es)")
        mb = 1024 * 1024
        for label, period, target_s in (("monthly 2025-06", f"{YEAR}-06", 3), (f"annual {YEAR}", str(YEAR), 30)):
            seconds, pages, tree, own, largest = measure(directory, period, args.processes)
            verdict = "ok" if seconds <= target_s and tree <= 1024 * mb else "MISSED"
            print(f"{label:16} {seconds:6.2f} s  {pages:4d} pages  peak RSS tree {tree / mb:6.0f} MB  "
                  f"largest process {largest / mb:5.0f} MB (main {own / mb:.0f} MB)  "
                  f"target ≤ {target_s} s, ≤ 1 GB: {verdict}")
    finally:
        if args.keep:
            print(f"kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
