"""What the stand-in runs with, and the refusals that keep it away from real money.

The stand-in fakes successful card payments and signs webhooks saying so. Used
anywhere near production that would be a way to get goods for nothing, so it
checks its surroundings before it binds a socket: ``DEBUG`` must be on, the
Stripe key must be a test key, and webhooks may only go to this machine. It
reads the environment, not Django's settings, because it runs on its own and
must not need the shop's database or apps to start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

# The only address it ever binds: there is deliberately no --host option.
LOOPBACK = "127.0.0.1"
DEFAULT_PORT = 12111
DEFAULT_LOCALSTRIPE_PORT = 12112
DEFAULT_WEBHOOK_URL = "http://127.0.0.1:8000/checkout/stripe/webhook/"

LIVE_KEY_PREFIXES = ("sk_live_", "rk_live_")
TEST_KEY_PREFIXES = ("sk_test_", "rk_test_")
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# The same spellings of "true" as shop.settings.env_bool.
_TRUE = frozenset({"1", "true", "yes", "on"})


class StandinRefused(Exception):  # noqa: N818 -- named after the situation, like the gateway's errors
    """The environment is not one the stand-in may run in. The message says what to change."""


@dataclass(frozen=True)
class StandinConfig:
    secret_key: str  # sent to localstripe, which accepts any sk_ key
    webhook_secret: str  # signs the checkout.session.* events, as the shop's STRIPE_WEBHOOK_SECRET
    webhook_url: str
    port: int  # 0 picks a free port (tests)
    localstripe_port: int  # for the localstripe it starts; 0 picks a free port
    localstripe_url: str | None = None  # an already running localstripe instead (nothing is started)


def config_from_environ(
    environ: Mapping[str, str],
    *,
    port: int = DEFAULT_PORT,
    localstripe_port: int = DEFAULT_LOCALSTRIPE_PORT,
    localstripe_url: str | None = None,
    webhook_url: str = DEFAULT_WEBHOOK_URL,
) -> StandinConfig:
    """Read DEBUG and STRIPE_* and check them; raise ``StandinRefused`` rather than start somewhere unsafe."""
    if (environ.get("DEBUG") or "").strip().lower() not in _TRUE:
        raise StandinRefused(
            "DEBUG is off: the Stripe stand-in fakes payments and runs only in development (set DEBUG=1)."
        )
    secret_key = environ.get("STRIPE_SECRET_KEY", "")
    check_api_key(secret_key)
    webhook_secret = environ.get("STRIPE_WEBHOOK_SECRET", "")
    if not webhook_secret:
        raise StandinRefused("STRIPE_WEBHOOK_SECRET is not set: the stand-in signs its webhooks with it.")
    check_loopback_url(webhook_url, "--webhook-url")
    if localstripe_url:
        check_loopback_url(localstripe_url, "--localstripe-url")
    for name, value in (("--port", port), ("--localstripe-port", localstripe_port)):
        if not 0 <= value <= 65535:
            raise StandinRefused(f"{name} must be a port number (0 picks a free one), not {value}.")
    return StandinConfig(
        secret_key=secret_key,
        webhook_secret=webhook_secret,
        webhook_url=webhook_url,
        port=port,
        localstripe_port=localstripe_port,
        localstripe_url=localstripe_url.rstrip("/") if localstripe_url else None,
    )


def check_api_key(key: str) -> None:
    """A live key means real money: never let one near a server that fakes payments."""
    if key.startswith(LIVE_KEY_PREFIXES):
        raise StandinRefused(
            "STRIPE_SECRET_KEY is a live key: the stand-in never runs with one. Unset it to develop offline."
        )
    if not key.startswith(TEST_KEY_PREFIXES):
        raise StandinRefused(
            "STRIPE_SECRET_KEY must be a test key (sk_test_...): `make run` sets one for the stand-in."
        )


def check_loopback_url(url: str, name: str) -> None:
    """Signed "paid" events must only reach a shop on this machine, never a deployed one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or (parts.hostname or "") not in _LOOPBACK_HOSTS:
        raise StandinRefused(f"{name} must be an http URL on this machine (127.0.0.1 or localhost), not {url!r}.")
