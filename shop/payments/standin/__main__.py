"""``python -m shop.payments.standin``: localstripe and the Checkout stand-in in front of it, on 127.0.0.1.

Reads DEBUG, STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET from the environment
(``make run`` sets them) and refuses to start where it could be mistaken for
Stripe (config.py). Once both servers listen it prints one line starting with
``Stripe stand-in ready:`` and the base URL to put in STRIPE_API_BASE; tests
start it with ``--port 0 --localstripe-port 0`` and read the ports from it.
SIGINT or SIGTERM stops both.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from contextlib import ExitStack

from aiohttp import web

from shop.payments.standin.config import (
    DEFAULT_LOCALSTRIPE_PORT,
    DEFAULT_PORT,
    DEFAULT_WEBHOOK_URL,
    LOOPBACK,
    StandinRefused,
    config_from_environ,
)
from shop.payments.standin.localstripe_process import LocalstripeFailed, LocalstripeProcess
from shop.payments.standin.server import create_app

READY = "Stripe stand-in ready:"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shop.payments.standin",
        description="Offline TEST stand-in for Stripe Checkout (no real payments), in front of localstripe.",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="the stand-in's port (0: any free one)")
    parser.add_argument(
        "--localstripe-port", type=int, default=DEFAULT_LOCALSTRIPE_PORT, help="localstripe's port (0: any free one)"
    )
    parser.add_argument(
        "--localstripe-url", help="use a localstripe already running on this machine instead of starting one"
    )
    parser.add_argument("--webhook-url", default=DEFAULT_WEBHOOK_URL, help="where to POST signed events")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[stripe stand-in] %(levelname)s %(message)s", stream=sys.stderr)
    try:
        config = config_from_environ(
            os.environ,
            port=args.port,
            localstripe_port=args.localstripe_port,
            localstripe_url=args.localstripe_url,
            webhook_url=args.webhook_url,
        )
    except StandinRefused as exc:
        print(f"Stripe stand-in refused to start: {exc}", file=sys.stderr)
        return 2
    with ExitStack() as stack:
        try:
            # Bound before localstripe starts, so a busy port fails fast and nothing is left running.
            sock = stack.enter_context(_listening_socket(config.port))
            localstripe_url = config.localstripe_url or stack.enter_context(LocalstripeProcess(config.localstripe_port))
        except (OSError, LocalstripeFailed) as exc:
            print(f"Stripe stand-in could not start: {exc}", file=sys.stderr)
            return 1
        public_url = f"http://{LOOPBACK}:{sock.getsockname()[1]}"
        app = create_app(config, localstripe_url=localstripe_url, public_url=public_url)
        print(
            f"{READY} {public_url} (TEST ONLY, no real payments) → localstripe {localstripe_url}; "
            f"webhooks to {config.webhook_url}",
            flush=True,
        )
        web.run_app(app, sock=sock, print=None, access_log=None)
    return 0


def _listening_socket(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOOPBACK, port))
        sock.listen(128)  # connections made between the ready line and run_app wait in the backlog
    except OSError:
        sock.close()
        raise
    return sock


if __name__ == "__main__":
    sys.exit(main())
