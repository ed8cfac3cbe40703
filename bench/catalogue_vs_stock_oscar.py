"""Requests per second of our catalogue and product pages against stock Oscar 4.2.1, on the same data.

One run builds one SQLite database with the shop's migrations, ``seed_demo`` and
enough bench products for 200 browsable products, copies it for a plain Oscar
site (bench/stock_oscar: Oscar's apps, URLs and templates, Whoosh), serves each
with gunicorn (2 sync workers, DEBUG off) in turn, and loads each page with
8 concurrent Python clients that open a new connection per request. Only 200
responses count. It prints a table against the targets and exits 0 either way:
it is a benchmark, not a test.

    cd /work/main && .venv/bin/python bench/catalogue_vs_stock_oscar.py [--seconds N] [--profile]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
HOST = "127.0.0.1"
BROWSABLE_PRODUCTS = 200
CATALOGUE_PATH = "/en/catalogue/"
# Page name -> the least ours/stock ratio we aim for.
TARGETS = {"catalogue": 20.0, "product": 2.0}


@dataclass(frozen=True)
class Site:
    name: str
    wsgi: str
    env: dict[str, str]


@dataclass(frozen=True)
class Rate:
    per_second: float
    ok: int
    failed: Counter
    seconds: float


def step(message: str) -> None:
    print(f"· {message}", flush=True)


def run_django(args: list[str], env: dict[str, str], what: str) -> str:
    """Run a Django command in the project; stop the benchmark with its output if it fails."""
    result = subprocess.run([PYTHON, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit(f"{what} failed (exit {result.returncode})")
    return result.stdout


def site_environments(work: Path) -> tuple[dict[str, str], Site, Site]:
    """The environment to build data in, and the two sites to serve."""
    base = dict(os.environ)
    secret_key = secrets.token_urlsafe(64)
    # Empty values mean "unset" to shop/settings.py; they keep a developer's
    # own REDIS_URL, SEARCH_URL or S3 bucket out of the measurement.
    shop = base | {
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DATABASE_URL": f"sqlite:///{work / 'ours.sqlite3'}",
        "DATABASE_CONN_MAX_AGE": "",
        "MEDIA_ROOT": str(work / "media-ours"),
        "STATIC_ROOT": str(work / "static-ours"),
        "ALLOWED_HOSTS": HOST,
        "SERVE_MEDIA": "0",
        "SECURE_SSL_REDIRECT": "0",
        "REDIS_URL": "",
        "SEARCH_URL": "",
        "S3_BUCKET": "",
        "EMAIL_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    build = shop | {"DEBUG": "1", "SECRET_KEY": ""}  # seed_demo runs only with DEBUG on
    ours = Site("ours", "shop.wsgi:application", shop | {"DEBUG": "0", "SECRET_KEY": secret_key})
    stock = Site(
        "stock",
        "bench.stock_oscar.wsgi:application",
        base
        | {
            "DJANGO_SETTINGS_MODULE": "bench.stock_oscar.settings",
            "DATABASE_URL": f"sqlite:///{work / 'stock.sqlite3'}",
            "MEDIA_ROOT": str(work / "media-stock"),
            "STATIC_ROOT": str(work / "static-stock"),
            "WHOOSH_PATH": str(work / "whoosh"),
            "ALLOWED_HOSTS": HOST,
            "SECRET_KEY": secret_key,
        },
    )
    return build, ours, stock


def build_data(work: Path, build: dict[str, str], ours: Site, stock: Site) -> dict:
    step("migrating a fresh SQLite database")
    run_django(["manage.py", "migrate", "--no-input", "-v0"], build, "migrate")
    step("seed_demo")
    run_django(["manage.py", "seed_demo"], build, "seed_demo")
    step(f"adding products up to {BROWSABLE_PRODUCTS} browsable")
    catalogue = json.loads(
        run_django(
            ["-m", "bench.catalogue_data", "--browsable", str(BROWSABLE_PRODUCTS)], build, "adding products"
        ).strip().splitlines()[-1]
    )
    step(
        f"{catalogue['browsable']} browsable products ({catalogue['products']} with variants); "
        f"product page {catalogue['product_path']} ({catalogue['variants']} variants)"
    )
    step("copying the database and media for stock Oscar")
    shutil.copy2(work / "ours.sqlite3", work / "stock.sqlite3")
    shutil.copytree(work / "media-ours", work / "media-stock")
    step("collectstatic for ours (its manifest storage needs it with DEBUG off)")
    run_django(["manage.py", "collectstatic", "--no-input", "-v0"], ours.env, "collectstatic")
    step("building stock Oscar's Whoosh index")
    run_django(["-m", "django", "rebuild_index", "--noinput", "-v0"], stock.env, "rebuild_index")
    return catalogue


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str) -> int:
    """One GET on a new connection, as a browser without keep-alive does; the status."""
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@contextmanager
def serving(site: Site, work: Path, ready_path: str) -> Iterator[int]:
    """Run the site under gunicorn until the block ends, however it ends; yield its port."""
    port = free_port()
    log_path = work / f"gunicorn-{site.name}.log"
    with log_path.open("w") as log:
        # Its own session, so Ctrl-C reaches only us and we stop it in order,
        # and so its workers can be found (by process group) if the master dies.
        process = subprocess.Popen(
            [GUNICORN, "--workers", "2", "--worker-class", "sync", "--bind", f"{HOST}:{port}",
             "--chdir", str(ROOT), "--log-level", "warning", site.wsgi],
            cwd=ROOT, env=site.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        wait_until_ready(process, port, ready_path, log_path)
        yield port
    finally:
        stop(process)


def wait_until_ready(process: subprocess.Popen, port: int, path: str, log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}):\n{log_path.read_text()[-3000:]}")
        try:
            get(port, path)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn not answering on port {port} after 90 s:\n{log_path.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown: in-flight requests don't matter here
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    try:
        os.killpg(process.pid, signal.SIGKILL)  # any worker the master left behind
    except ProcessLookupError:
        pass


def hammer(port: int, path: str, *, seconds: float, clients: int) -> Rate:
    """Requests per second that answer 200, with ``clients`` threads each one request at a time.

    Clients start no request after ``seconds``, but the ones under way are
    awaited and counted, over the time they took: a slow page then neither
    loses its last requests nor leaves them running into the next measurement.
    """
    started = time.monotonic()
    deadline = started + seconds
    statuses: Counter = Counter()
    lock = threading.Lock()
    interrupted = threading.Event()

    def client() -> None:
        mine: Counter = Counter()
        while time.monotonic() < deadline and not interrupted.is_set():
            try:
                status: int | str = get(port, path)
            except OSError as exc:
                status = type(exc).__name__
            mine[status] += 1
        with lock:
            statuses.update(mine)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    finally:
        interrupted.set()  # on Ctrl-C, so the clients stop before their server is stopped
    elapsed = time.monotonic() - started
    ok = statuses.pop(200, 0)
    return Rate(ok / elapsed, ok, statuses, elapsed)


def warm_up(port: int, path: str, *, requests: int, clients: int) -> None:
    """Fill both workers' caches (thumbnails, templates) and check the page answers 200."""
    statuses = Counter(get(port, path) for _ in range(requests))
    hammer(port, path, seconds=2, clients=clients)
    if statuses[200] < requests - 1:
        raise SystemExit(f"{path} does not answer 200 when warm: {dict(statuses)}")


def measure(sites: list[Site], work: Path, pages: dict[str, str], args: argparse.Namespace) -> dict:
    """Requests per second per site and page, measured in alternating rounds.

    Both servers run throughout (an idle one costs nothing) and take turns in
    short rounds, so drift in the machine's other load falls on both alike.
    """
    rates: dict[str, dict[str, Rate]] = {site.name: {} for site in sites}
    with ExitStack() as stack:
        ports = {site.name: stack.enter_context(serving(site, work, CATALOGUE_PATH)) for site in sites}
        for page, path in pages.items():
            for port in ports.values():
                warm_up(port, path, requests=args.warmup, clients=args.clients)
            rounds: dict[str, list[Rate]] = {name: [] for name in ports}
            for number in range(args.rounds):
                order = list(ports) if number % 2 == 0 else list(reversed(ports))
                for name in order:
                    rounds[name].append(
                        hammer(ports[name], path, seconds=args.seconds / args.rounds, clients=args.clients)
                    )
            for name, measured in rounds.items():
                ok = sum(rate.ok for rate in measured)
                failed = sum((rate.failed for rate in measured), Counter())
                seconds = sum(rate.seconds for rate in measured)
                rates[name][page] = Rate(ok / seconds, ok, failed, seconds)
                others = f", others {dict(failed)}" if failed else ""
                step(f"{name:5} {page:9} {ok / seconds:8.1f} req/s ({ok} answered 200 in {seconds:.1f} s{others})")
    return rates


def probe_pages(site: Site, pages: dict[str, str]) -> dict[str, dict]:
    output = run_django(["-m", "bench.page_probe", "queries", *pages.values()], site.env, f"probing {site.name}")
    by_path = {probe["path"]: probe for probe in json.loads(output.strip().splitlines()[-1])}
    return {page: by_path[path] for page, path in pages.items()}


def report(rates: dict[str, dict[str, Rate]], probes: dict[str, dict[str, dict]], args: argparse.Namespace) -> None:
    ratios = {}
    print()
    print(f"{'page':10} {'ours req/s':>11} {'stock req/s':>12} {'ratio':>8} {'target':>8}  result")
    for page, target in TARGETS.items():
        ours, stock = rates["ours"][page].per_second, rates["stock"][page].per_second
        ratios[page] = ours / stock if stock else float("inf")
        result = "met" if ratios[page] >= target else "MISSED"
        wanted = f"≥ {target:g}×"
        print(f"{page:10} {ours:11.1f} {stock:12.1f} {ratios[page]:7.1f}× {wanted:>8}  {result}")
    print()
    print("In-process, warm (median ms per request; SQL queries; products listed):")
    for page in TARGETS:
        cells = []
        for name in ("ours", "stock"):
            probe = probes[name][page]
            listed = f", {probe['listed']} listed" if probe["listed"] is not None else ""
            status = f", status {probe['status']}" if probe["status"] != 200 else ""
            cells.append(f"{name} {probe['ms']:.1f} ms, {probe['queries']} queries{listed}{status}")
        print(f"  {page:10} " + "; ".join(cells))
    failures = {name: sum(rate.failed.values()) for name, by_page in rates.items() for rate in by_page.values()}
    if any(failures.values()):
        print("Non-200 answers were not counted; on SQLite they are usually 'database is locked' (see gunicorn logs).")
    print(
        f"(gunicorn 2 sync workers each; {args.clients} Python client threads, a new connection per request; "
        f"{args.seconds:g} s per page and site in {args.rounds} alternating rounds; "
        f"{os.cpu_count()} CPUs shared by clients and servers)"
    )
    print()
    print(f"ratio catalogue {ratios['catalogue']:.1f}× product {ratios['product']:.1f}×")


def profile_catalogue(ours: Site) -> None:
    print()
    print("cProfile of our catalogue page, in-process:")
    print(run_django(["-m", "bench.page_probe", "profile", CATALOGUE_PATH], ours.env, "profiling"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="measured duration per page and site")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds the duration is split into")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--warmup", type=int, default=10, help="sequential warm-up requests per page")
    parser.add_argument("--profile", action="store_true", help="also cProfile our catalogue page in-process")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (databases, logs)")
    args = parser.parse_args()

    # SIGTERM unwinds like Ctrl-C does, through the finally blocks that stop gunicorn.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    work = Path(tempfile.mkdtemp(prefix="proceeds-bench-"))
    try:
        build, ours, stock = site_environments(work)
        catalogue = build_data(work, build, ours, stock)
        pages = {"catalogue": CATALOGUE_PATH, "product": catalogue["product_path"]}
        step("timing and counting queries in-process")
        probes = {site.name: probe_pages(site, pages) for site in (ours, stock)}
        step(f"serving both; measuring each page for {args.seconds:g} s per site")
        rates = measure([ours, stock], work, pages, args)
        report(rates, probes, args)
        if args.profile:
            profile_catalogue(ours)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
