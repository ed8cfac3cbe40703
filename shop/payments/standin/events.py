"""The stand-in's ``checkout.session.*`` events: built like Stripe's, signed like Stripe's, retried.

Stripe signs each delivery with the endpoint's secret (``t=<time>,v1=<HMAC>``,
made here by the library's own ``generate_signature_header``) and retries
failed deliveries for days. The stand-in retries a few times over about a
minute and then logs that it gave up: the shop's success page fulfils too, and
``reconcile_stripe`` finds the event in ``GET /v1/events``, so a lost webhook
is never a lost order, offline or at Stripe.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp
import stripe

from shop.payments.standin.sessions import new_id

logger = logging.getLogger("shop.payments.standin")

# Seconds to wait before each retry: about a minute in all.
RETRY_DELAYS = (1, 3, 10, 45)
DELIVERY_TIMEOUT = 10  # seconds per attempt; the shop's view should answer in well under one


def build_event(event_type: str, data_object: dict[str, Any], *, created: int) -> dict[str, Any]:
    """An event as Stripe delivers it (tests/shop/payments/stripe_responses.event), holding a copy of the object."""
    return {
        "id": new_id("evt_"),
        "object": "event",
        "api_version": stripe.api_version,
        "created": created,
        "data": {"object": copy.deepcopy(data_object)},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Stripe's v1 ``Stripe-Signature`` header for the exact bytes that will be POSTed."""
    return stripe.WebhookSignature.generate_signature_header(payload.decode("utf-8"), secret, timestamp)


class WebhookSender:
    """Delivers events to one endpoint in the background, retrying failures; never raises to the caller."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = url
        self._secret = secret
        self._retry_delays = tuple(retry_delays)
        self._clock = clock
        self._tasks: set[asyncio.Task[None]] = set()
        self._http: aiohttp.ClientSession | None = None

    def send(self, event: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def cancel_pending(self) -> None:
        """Drop deliveries still waiting to be retried (a reset between tests, or shutting down)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        await self.cancel_pending()
        if self._http is not None:
            await self._http.close()

    async def _deliver(self, event: dict[str, Any]) -> None:
        payload = json.dumps(event, indent=2).encode("utf-8")
        attempts = len(self._retry_delays) + 1
        for attempt, delay in enumerate((0, *self._retry_delays), start=1):
            await asyncio.sleep(delay)
            problem = await self._post(payload)
            if problem is None:
                logger.info("Delivered %s %s to %s", event["type"], event["id"], self.url)
                return
            if attempt < attempts:
                logger.warning(
                    "Webhook %s %s to %s failed (%s); retry %d of %d in %ss",
                    event["type"],
                    event["id"],
                    self.url,
                    problem,
                    attempt,
                    attempts - 1,
                    self._retry_delays[attempt - 1],
                )
        logger.error(
            "Gave up delivering %s %s to %s after %d attempts: the shop's success page or "
            "`manage.py reconcile_stripe` must pick it up (it is listed in GET /v1/events).",
            event["type"],
            event["id"],
            self.url,
            attempts,
        )

    async def _post(self, payload: bytes) -> str | None:
        """One attempt, signed afresh as Stripe signs each retry; the problem, or None on 2xx."""
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": signature_header(payload, self._secret, int(self._clock())),
            "User-Agent": "Proceeds-Stripe-Standin/1.0 (offline test stand-in, not Stripe)",
        }
        try:
            async with self._http.post(self.url, data=payload, headers=headers, allow_redirects=False) as response:
                await response.read()
                return None if 200 <= response.status < 300 else f"HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"{type(exc).__name__}: {exc}"


class EventLog:
    """The events the stand-in has emitted, for ``GET /v1/events`` (reconciliation reads them)."""

    def __init__(self) -> None:
        self._events: list[dict[str, Any]] = []

    def add(self, event: dict[str, Any]) -> None:
        self._events.append(event)

    def get(self, event_id: str) -> dict[str, Any] | None:
        return next((event for event in self._events if event["id"] == event_id), None)

    def all(self) -> list[dict[str, Any]]:
        return list(self._events)

    def clear(self) -> None:
        self._events.clear()
