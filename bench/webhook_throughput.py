"""Webhook throughput on PostgreSQL: signed checkout.session.completed events, 30% of them repeats.

Builds a scratch PostgreSQL database (``proceeds_bench_webhooks``) with N paid-for
payment attempts, serves the shop with gunicorn (2 sync workers, DEBUG off) and a
tiny stand-in for Stripe's API on loopback (the fee look-up the webhook makes),
then posts the events from 8 client threads and prints events per second.
Every first delivery places an order; a repeat is acknowledged without work.
Target: at least 200 events/s on this 2-core machine.

    .venv/bin/python bench/webhook_throughput.py [--attempts 300] [--duplicates 0.3]
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "proceeds_bench_webhooks"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
WEBHOOK_SECRET = "whsec_bench_" + "0" * 24
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def recreate_database() -> None:
    for sql in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
        subprocess.run(["psql", "-h", HOST, "-U", "postgres", "-qc", sql], check=True, capture_output=True)


def completed_session(session_id: str, order_number: str, amount: int, expanded: bool) -> dict:
    charge = {
        "id": f"ch_{session_id[3:]}", "object": "charge", "amount": amount, "amount_refunded": 0,
        "currency": "eur", "payment_intent": f"pi_{session_id[3:]}",
        "balance_transaction": {
            "id": f"txn_{session_id[3:]}", "object": "balance_transaction", "amount": amount,
            "currency": "eur", "fee": 25 + amount * 15 // 1000, "net": amount - (25 + amount * 15 // 1000),
        },
    }
    intent = {"id": f"pi_{session_id[3:]}", "object": "payment_intent", "latest_charge": charge}
    return {
        "id": session_id, "object": "checkout.session", "status": "complete", "payment_status": "paid",
        "amount_total": amount, "currency": "eur", "client_reference_id": order_number,
        "metadata": {"order_number": order_number}, "customer_email": "bench@example.org", "url": None,
        "payment_intent": intent if expanded else intent["id"], "created": 1795176000, "expires_at": None,
        "customer_details": {"email": "bench@example.org"},
    }


class StripeStandIn(http.server.BaseHTTPRequestHandler):
    """Answers GET /v1/checkout/sessions/{id} from the table the bench filled."""

    sessions: dict[str, tuple[str, int]] = {}

    def do_GET(self):  # noqa: N802 -- http.server's naming
        session_id = self.path.split("?")[0].rsplit("/", 1)[-1]
        order_number, amount = self.sessions[session_id]
        body = json.dumps(completed_session(session_id, order_number, amount, expanded=True)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def prepare(env: dict[str, str], attempts: int) -> list[tuple[str, str, int]]:
    """Migrate, then make ``attempts`` frozen baskets with their payment attempts (in a child process)."""
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    script = f"""
import django, json
django.setup()
from decimal import Decimal
from oscar.core.loading import get_model
from shop.partner.strategy import Selector
from shop.payments.models import PaymentAttempt
from tests import factories
Basket = get_model("basket", "Basket")
germany = factories.CountryFactory(iso_3166_1_a2="DE")
factories.WeightBasedFactory(code="eu", name="EU", countries=[germany], bands=[("5", "6.00")])
product = factories.ProductFactory(title="Poster", stock={{"price": Decimal("29.00"), "num_in_stock": None}})
address = {{"first_name": "B", "last_name": "Bench", "line1": "Street 1", "line4": "Berlin", "postcode": "10117",
           "country": "DE", "phone_number": "", "title": "", "line2": "", "line3": "", "state": "", "notes": ""}}
rows = []
for index in range({attempts}):
    basket = Basket.objects.create()
    basket.strategy = Selector().strategy()
    basket.add_product(product, 1)
    basket.freeze()
    attempt = PaymentAttempt.objects.create(
        order_number=str(100000 + basket.id), basket=basket, email="bench@example.org",
        shipping_address=address, shipping_method_code="eu", currency="EUR", total_minor=3500,
        shipping_minor=600, idempotency_key=f"bench-{{index}}", stripe_session_id=f"cs_bench_{{index:06d}}")
    rows.append((attempt.stripe_session_id, attempt.order_number, 3500))
print(json.dumps(rows))
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True,
                            text=True)
    return [tuple(row) for row in json.loads(result.stdout.strip().splitlines()[-1])]


def signed(payload: str, secret: str) -> str:
    import hashlib
    import hmac

    timestamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def post_event(port: int, payload: str) -> int:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("POST", "/checkout/stripe/webhook/", body=payload, headers={
            "Content-Type": "application/json", "Stripe-Signature": signed(payload, WEBHOOK_SECRET),
            "X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def order_count() -> int:
    return int(subprocess.run(
        ["psql", "-h", HOST, "-U", "postgres", "-d", DATABASE, "-tAc", "SELECT count(*) FROM order_order"],
        check=True, capture_output=True, text=True).stdout.strip())


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def run(mode: str, args: argparse.Namespace) -> float:
    """One measurement in a fresh database; returns the webhook endpoint's events per second."""
    recreate_database()
    stripe_port, shop_port = free_port(), free_port()
    workdir = Path(tempfile.mkdtemp(prefix="proceeds-bench-webhooks-"))
    (workdir / "static").mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "DEBUG"))},
        "DJANGO_SETTINGS_MODULE": "shop.settings", "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": HOST, "DATABASE_URL": DATABASE_URL, "SECURE_SSL_REDIRECT": "0",
        "TRUST_X_FORWARDED_PROTO": "1", "STATIC_ROOT": str(workdir / "static"), "MEDIA_ROOT": str(workdir),
        "LEDGER_SIGNING_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "EMAIL_URL": "dummy://",
        "STRIPE_SECRET_KEY": "sk_test_bench", "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": f"http://{HOST}:{stripe_port}", "LOG_LEVEL": "WARNING",
        "STRIPE_WEBHOOK_QUEUE": "1" if mode == "queue" else "0",
    }
    rows = prepare(env, args.attempts)
    StripeStandIn.sessions = {session_id: (number, amount) for session_id, number, amount in rows}
    stand_in = http.server.ThreadingHTTPServer((HOST, stripe_port), StripeStandIn)
    threading.Thread(target=stand_in.serve_forever, daemon=True).start()

    events = []
    for index, (session_id, number, amount) in enumerate(rows):
        events.append(json.dumps({
            "id": f"evt_bench_{index:06d}", "object": "event", "type": "checkout.session.completed",
            "created": int(time.time()), "livemode": False, "api_version": "2026-10-28.endive",
            "data": {"object": completed_session(session_id, number, amount, expanded=False)},
        }))
    shuffle = random.Random(7)
    repeats = [shuffle.choice(events) for _ in range(int(len(events) * args.duplicates / (1 - args.duplicates)))]
    deliveries = events + repeats
    shuffle.shuffle(deliveries)

    processes = [subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "shop.wsgi", "--workers", "2", "--bind", f"{HOST}:{shop_port}",
         "--log-level", "warning"], cwd=ROOT, env=env)]
    try:
        wait_for_port(shop_port)
        if mode == "queue":
            processes.append(subprocess.Popen(
                [sys.executable, "manage.py", "process_stripe_events", "--forever", "--interval", "0.2"],
                cwd=ROOT, env=env))
        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            statuses = list(pool.map(lambda payload: post_event(shop_port, payload), deliveries))
        answered = time.perf_counter() - started
        while order_count() < len(rows) and time.perf_counter() - started < 300:
            time.sleep(0.2)
        placed = time.perf_counter() - started
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        stand_in.shutdown()

    counts = {status: statuses.count(status) for status in sorted(set(statuses))}
    rate = len(deliveries) / answered
    print(f"· {mode:6}: {len(deliveries)} deliveries ({len(repeats)} repeats) answered in {answered:.1f} s "
          f"({rate:.0f} events/s), answers {counts}; {order_count()} orders for {len(rows)} sessions, "
          f"all placed after {placed:.1f} s ({len(rows) / placed:.0f} orders/s)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=300)
    parser.add_argument("--duplicates", type=float, default=0.3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--mode", choices=["inline", "queue", "both"], default="both")
    args = parser.parse_args()
    modes = ["inline", "queue"] if args.mode == "both" else [args.mode]
    rates = {mode: run(mode, args) for mode in modes}
    for mode, rate in rates.items():
        verdict = "met" if rate >= 200 else "MISSED"
        print(f"webhook throughput ({mode}) {rate:.0f} events/s (target ≥ 200: {verdict})")


if __name__ == "__main__":
    main()
