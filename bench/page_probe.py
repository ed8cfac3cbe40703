"""Call pages in-process under whatever DJANGO_SETTINGS_MODULE says: count queries, or profile.

``python -m bench.page_probe queries PATH...`` prints, as JSON, each page's
status, median in-process time, SQL query count and number of products listed,
all measured warm (the first call fills caches such as thumbnail metadata, as
warm-up does for the servers). ``python -m bench.page_probe profile PATH`` prints where the time
of repeated warm calls goes, by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import time

import django

HOST = "127.0.0.1"  # the only host the benchmark allows


def probe(paths: list[str], *, repeat: int) -> list[dict]:
    """Per page: status, median in-process milliseconds, SQL queries and products listed, all when warm."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    client = Client(HTTP_HOST=HOST)
    pages = []
    for path in paths:
        client.get(path)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
        pages.append({"path": path, "ms": statistics.median(timings)})
    # Only now: it instruments template rendering, which would skew the timings.
    setup_test_environment()  # records response.context, to count listed products
    for page in pages:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page["path"])
        page_obj = response.context.get("page_obj") if response.context is not None else None
        page.update(
            status=response.status_code,
            queries=len(captured.captured_queries),
            listed=len(page_obj.object_list) if page_obj is not None else None,
        )
    return pages


def profile(path: str, *, repeat: int, top: int) -> str:
    from django.test import Client

    client = Client(HTTP_HOST=HOST)
    for _ in range(3):
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(repeat):
        client.get(path)
    profiler.disable()
    per_request = (time.perf_counter() - started) / repeat * 1000
    out = io.StringIO()
    out.write(f"{path}: {per_request:.1f} ms per request in-process under cProfile ({repeat} requests)\n")
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    queries = commands.add_parser("queries")
    queries.add_argument("paths", nargs="+")
    queries.add_argument("--repeat", type=int, default=10)
    prof = commands.add_parser("profile")
    prof.add_argument("path")
    prof.add_argument("--repeat", type=int, default=20)
    prof.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    django.setup()
    if args.command == "queries":
        print(json.dumps(probe(args.paths, repeat=args.repeat)))
    else:
        print(profile(args.path, repeat=args.repeat, top=args.top))


if __name__ == "__main__":
    main()
