"""The stand-in's HTTP server: Checkout Sessions and the hosted page here, the rest of /v1 at localstripe.

Served here, because localstripe has no Checkout:

* ``POST /v1/checkout/sessions``, ``GET /v1/checkout/sessions[/{id}]`` (with
  ``expand``), ``GET /v1/checkout/sessions/{id}/line_items`` and
  ``POST /v1/checkout/sessions/{id}/expire``;
* ``GET``/``POST /checkout/pay/{id}``: the hosted page (page.py);
* ``POST /_standin/reset`` (forget everything, localstripe's store too) and
  ``POST /_standin/expire/{id}`` (as if the session's time had run out).

Everything else under /v1 is forwarded to localstripe, with these adaptations,
each because the shop relies on Stripe behaving that way:

* charge balance transactions get a made-up fee and net (fees.py), wherever
  they appear in a response;
* ``POST /v1/refunds``: ``reason``, which localstripe rejects, is checked and
  kept here and shown on the refund; refunding more than is left is refused;
* ``Idempotency-Key`` is honoured on every POST (localstripe ignores it): a
  repeat returns the first response, other parameters with the same key 400;
* ``GET /v1/events`` merges the stand-in's ``checkout.session.*`` events with
  localstripe's and understands ``types[]``, which localstripe rejects;
* an endpoint neither implements answers a Stripe-shaped 404, not plain text.

API keys must be test keys; a live key gets 401 even though the process could
never have started with one.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import copy
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web

from shop.payments.standin.config import LIVE_KEY_PREFIXES, TEST_KEY_PREFIXES, StandinConfig
from shop.payments.standin.encoding import FormError, decode_body, decode_pairs
from shop.payments.standin.events import EventLog, WebhookSender, build_event
from shop.payments.standin.fees import with_fee
from shop.payments.standin.page import pay_page
from shop.payments.standin.sessions import (
    InvalidRequest,
    SessionStore,
    StoredSession,
    created_filter,
    new_id,
    paginate,
)

logger = logging.getLogger("shop.payments.standin")

REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
TEST_CARDS = {"visa": "pm_card_visa", "declined": "pm_card_chargeCustomerFail"}
EXPIRY_SWEEP_SECONDS = 5
_FORWARDED_HEADERS = frozenset({"authorization", "content-type", "idempotency-key", "stripe-version", "accept"})
_EVENT_LIST_PARAMETERS = frozenset(
    {"created", "delivery_success", "ending_before", "expand", "limit", "starting_after", "type", "types"}
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class UpstreamError(Exception):  # noqa: N818 -- carries localstripe's answer back to the client
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"localstripe answered {status}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class _Replay:
    fingerprint: tuple[str, bytes]
    status: int
    body: bytes
    content_type: str


class Standin:
    """The state behind the routes: sessions, events, webhooks, idempotency, and the way to localstripe."""

    def __init__(self, config: StandinConfig, *, localstripe_url: str, public_url: str) -> None:
        self.config = config
        self.localstripe_url = localstripe_url.rstrip("/")
        self.sessions = SessionStore(public_url)
        self.events = EventLog()
        self.webhooks = WebhookSender(config.webhook_url, config.webhook_secret)
        self.refund_reasons: dict[str, str | None] = {}
        self.replays: dict[tuple[str, str], _Replay] = {}
        self.in_flight: set[tuple[str, str]] = set()
        self._http: aiohttp.ClientSession | None = None

    # --- localstripe ------------------------------------------------------------------

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self._http

    async def localstripe(self, method: str, path: str, pairs: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        """A JSON call to localstripe with the stand-in's own key; its errors become ``UpstreamError``."""
        url = self.localstripe_url + path
        headers = {"Authorization": f"Bearer {self.config.secret_key}"}
        if method == "GET":
            send: dict[str, Any] = {"params": pairs or [], "headers": headers}
        else:
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            send = {"data": urlencode(pairs or []), "headers": {**headers, **form}}
        try:
            async with self.http.request(method, url, **send) as response:
                body = await response.read()
                status = response.status
        except aiohttp.ClientError as exc:
            raise _unreachable(self.localstripe_url, exc) from exc
        try:
            parsed = json.loads(body) if body else {}
        except ValueError:
            parsed = {"error": {"type": "api_error", "message": f"localstripe: {body.decode(errors='replace')}"}}
        if status >= 400:
            raise UpstreamError(status, parsed)
        return _overlay(parsed, self.refund_reasons)

    async def close(self) -> None:
        await self.webhooks.close()
        if self._http is not None:
            await self._http.close()

    # --- Sessions ----------------------------------------------------------------

    async def render(self, session: StoredSession, expand: list[str], prefix: str = "") -> dict[str, Any]:
        """The session as the API returns it, with the expansions asked for (``prefix`` is ``data.`` in lists)."""
        obj = copy.deepcopy(session.obj)
        line_items, payment_intent_paths = _expansions(expand, prefix)
        if line_items:
            url = f"/v1/checkout/sessions/{session.id}/line_items"
            obj["line_items"] = _list(session.line_items, has_more=False, url=url)
        if payment_intent_paths and obj["payment_intent"]:
            nested = [("expand[]", rest) for rest in payment_intent_paths if rest]
            payment_intent_url = f"/v1/payment_intents/{obj['payment_intent']}"
            obj["payment_intent"] = await self.localstripe("GET", payment_intent_url, nested)
        return obj

    def emit(self, event_type: str, session: StoredSession) -> dict[str, Any]:
        event = build_event(event_type, session.obj, created=self.sessions.now())
        self.events.add(event)
        self.webhooks.send(event)
        return event

    def expire(self, session: StoredSession) -> None:
        self.sessions.expire(session)
        self.emit("checkout.session.expired", session)
        logger.info("Expired %s", session.id)

    async def reset(self) -> None:
        self.sessions.clear()
        self.events.clear()
        self.refund_reasons.clear()
        self.replays.clear()
        await self.webhooks.cancel_pending()
        async with self.http.delete(self.localstripe_url + "/_config/data") as response:
            response.raise_for_status()


# --- Routes: Checkout Sessions ---------------------------------------------------------


async def create_session(request: web.Request) -> web.Response:
    standin = _standin(request)
    params = decode_body(await request.read())
    expand = _expand(params)
    _expansions(expand)  # refused before anything is created, as Stripe does
    session = standin.sessions.create(params)
    logger.info("Created %s for %s (pay at %s)", session.id, session.obj["client_reference_id"], session.obj["url"])
    return _json(await standin.render(session, expand))


async def retrieve_session(request: web.Request) -> web.Response:
    standin = _standin(request)
    params = decode_pairs(request.query.items())
    session = standin.sessions.get(request.match_info["id"])
    return _json(await standin.render(session, _expand(params)))


async def list_sessions(request: web.Request) -> web.Response:
    standin = _standin(request)
    params = decode_pairs(request.query.items())
    expand = _expand(params)
    if any(not path.startswith("data.") for path in expand):
        raise InvalidRequest("Expansions in a list start with data. (expand[]=data.payment_intent).", param="expand")
    page, has_more = standin.sessions.page(params)
    paths = [path.removeprefix("data.") for path in expand]
    data = [await standin.render(session, paths, prefix="data.") for session in page]
    return _json(_list(data, has_more=has_more, url="/v1/checkout/sessions"))


async def session_line_items(request: web.Request) -> web.Response:
    standin = _standin(request)
    session = standin.sessions.get(request.match_info["id"])
    items, has_more = paginate(
        session.line_items, decode_pairs(request.query.items()), id_of=lambda item: item["id"], object_name="item"
    )
    return _json(_list(items, has_more=has_more, url=f"/v1/checkout/sessions/{session.id}/line_items"))


async def expire_session(request: web.Request) -> web.Response:
    """``POST /v1/checkout/sessions/{id}/expire`` (Stripe's) and ``POST /_standin/expire/{id}`` (time running out)."""
    standin = _standin(request)
    session = standin.sessions.get(request.match_info["id"])
    # The payment page holds this lock while it charges the card: as at Stripe, a session
    # is either paid or expired, never expired while its payment goes through.
    async with session.lock:
        standin.expire(session)
    return _json(await standin.render(session, []))


async def unimplemented_checkout(request: web.Request) -> web.Response:
    raise InvalidRequest(
        f"Unrecognized request URL ({request.method}: {request.path}): the offline stand-in does not implement it.",
        status=404,
    )


# --- Routes: the hosted page ---------------------------------------------------------------


async def show_pay_page(request: web.Request) -> web.Response:
    session = _page_session(request)
    return _html(pay_page(session))


async def pay(request: web.Request) -> web.Response:
    """Pay with a test card: confirm a real localstripe PaymentIntent, complete the session, send the webhook."""
    standin = _standin(request)
    session = _page_session(request)
    form = await request.post()
    async with session.lock:
        if session.obj["status"] == "complete":  # a second click, or the back button: Stripe redirects too
            raise web.HTTPSeeOther(session.success_redirect)
        if not session.is_open:
            return _html(pay_page(session), status=409)
        email = session.obj["customer_email"] or str(form.get("email", "")).strip()
        if "@" not in email:
            return _html(pay_page(session, error="Enter an email address."), status=400)
        card = TEST_CARDS.get(str(form.get("card", "visa")), TEST_CARDS["visa"])
        pairs = [
            ("amount", str(session.obj["amount_total"])),
            ("currency", session.obj["currency"]),
            ("payment_method", card),
            ("confirm", "true"),
            *((f"metadata[{key}]", value) for key, value in session.payment_intent_metadata.items()),
        ]
        try:
            payment_intent = await standin.localstripe("POST", "/v1/payment_intents", pairs)
        except InvalidRequest as exc:  # localstripe is not reachable
            return _html(pay_page(session, error=exc.message), status=502)
        except UpstreamError as exc:
            message = (exc.body.get("error") or {}).get("message") or f"localstripe answered {exc.status}"
            if exc.status == 402:
                return _html(pay_page(session, error=f"{message} (test card: nothing was charged)"), status=402)
            logger.error("localstripe refused the PaymentIntent for %s: %s %s", session.id, exc.status, exc.body)
            return _html(pay_page(session, error=f"localstripe refused the payment: {message}"), status=502)
        if payment_intent.get("status") != "succeeded":
            error = f"The PaymentIntent is {payment_intent.get('status')}, not succeeded."
            return _html(pay_page(session, error=error), status=502)
        standin.sessions.complete(session, payment_intent_id=payment_intent["id"], email=email)
        event = standin.emit("checkout.session.completed", session)
    logger.info("Paid %s with %s; sent %s; redirecting to the shop", session.id, payment_intent["id"], event["id"])
    raise web.HTTPSeeOther(session.success_redirect)


def _page_session(request: web.Request) -> StoredSession:
    try:
        return _standin(request).sessions.get(request.match_info["id"])
    except InvalidRequest:
        raise web.HTTPNotFound(text="No such checkout session (the stand-in forgets them when it restarts).") from None


# --- Routes: localstripe, adapted ----------------------------------------------------------


async def proxy(request: web.Request) -> web.Response:
    """Forward a /v1 request to localstripe unchanged; give its JSON answer the fee overlay."""
    return await _forward(request, await request.read())


async def create_refund(request: web.Request) -> web.Response:
    standin = _standin(request)
    body = await request.read()
    params = decode_body(body)
    reason = params.get("reason") or None
    if reason is not None and reason not in REFUND_REASONS:
        raise InvalidRequest(f"Invalid reason: must be one of {', '.join(REFUND_REASONS)}", param="reason")
    await _check_refundable(standin, params)
    pairs = parse_qsl(body.decode(), keep_blank_values=True)
    forwarded = urlencode([(key, value) for key, value in pairs if key != "reason"]).encode()
    response = await _forward(request, forwarded)
    if response.status == 200 and isinstance(response.body, bytes):
        refund = json.loads(response.body)
        standin.refund_reasons[refund["id"]] = reason
        refund["reason"] = reason
        return _json(refund)
    return response


async def _check_refundable(standin: Standin, params: dict[str, Any]) -> None:
    """Stripe refuses to refund more than is left on the charge; localstripe does not check."""
    if params.get("payment_intent"):
        payment_intent = await standin.localstripe(
            "GET", f"/v1/payment_intents/{params['payment_intent']}", [("expand[]", "latest_charge")]
        )
        charge = payment_intent.get("latest_charge")
    elif params.get("charge"):
        charge = await standin.localstripe("GET", f"/v1/charges/{params['charge']}")
    else:
        return  # localstripe answers this one itself
    if not isinstance(charge, dict):
        return
    left = charge["amount"] - (charge.get("amount_refunded") or 0)
    if left <= 0:
        raise InvalidRequest(
            f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded", param="charge"
        )
    amount = params.get("amount")
    if amount is not None and str(amount).isdigit() and int(amount) > left:
        raise InvalidRequest(
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left}).", param="amount"
        )


async def retrieve_event(request: web.Request) -> web.Response:
    event = _standin(request).events.get(request.match_info["id"])
    return _json(event) if event else await proxy(request)


async def list_events(request: web.Request) -> web.Response:
    standin = _standin(request)
    params = decode_pairs(request.query.items())
    unknown = sorted(set(params) - _EVENT_LIST_PARAMETERS)
    if unknown:
        raise InvalidRequest(f"Received unknown parameter: {unknown[0]}", param=unknown[0])
    types = set(params.get("types") or [])
    if params.get("type"):
        types.add(params["type"])
    created = created_filter(params.get("created"))
    own = [e for e in reversed(standin.events.all()) if created(e["created"]) and (not types or e["type"] in types)]
    upstream = [e for e in await _localstripe_events(standin, request) if not types or e["type"] in types]
    merged = sorted(own + upstream, key=lambda event: event["created"], reverse=True)
    page, has_more = paginate(merged, params, id_of=lambda event: event["id"], object_name="event")
    return _json(_list(page, has_more=has_more, url="/v1/events"))


async def _localstripe_events(standin: Standin, request: web.Request) -> list[dict[str, Any]]:
    """All of localstripe's events in the ``created`` window (a development store is small)."""
    base = [(key, value) for key, value in request.query.items() if key.startswith("created")]
    events: list[dict[str, Any]] = []
    cursor: list[tuple[str, str]] = []
    while True:
        page = await standin.localstripe("GET", "/v1/events", [*base, ("limit", "100"), *cursor])
        events.extend(page["data"])
        if not page.get("has_more") or not page["data"]:
            return events
        cursor = [("starting_after", page["data"][-1]["id"])]


async def _forward(request: web.Request, body: bytes) -> web.Response:
    standin = _standin(request)
    headers = {key: value for key, value in request.headers.items() if key.lower() in _FORWARDED_HEADERS}
    url = standin.localstripe_url + request.raw_path
    try:
        async with standin.http.request(request.method, url, data=body, headers=headers) as upstream:
            payload = await upstream.read()
            status = upstream.status
            content_type = upstream.content_type
    except aiohttp.ClientError as exc:
        raise _unreachable(standin.localstripe_url, exc) from exc
    if content_type != "application/json":
        if status == 404:
            raise InvalidRequest(
                f"Unrecognized request URL ({request.method}: {request.path}): "
                "neither localstripe nor the offline stand-in implements it.",
                status=404,
            )
        return web.Response(status=status, body=payload, content_type=content_type)
    if status >= 400:
        return web.Response(status=status, body=payload, content_type=content_type)
    return _json(_overlay(json.loads(payload), standin.refund_reasons), status=status)


def _overlay(value: Any, refund_reasons: dict[str, str | None]) -> Any:
    """What localstripe leaves out and the shop reads: fees on charge balance transactions, refund reasons."""
    if isinstance(value, list):
        return [_overlay(item, refund_reasons) for item in value]
    if not isinstance(value, dict):
        return value
    value = {key: _overlay(item, refund_reasons) for key, item in value.items()}
    if value.get("object") == "balance_transaction":
        return with_fee(value)
    if value.get("object") == "refund":
        value.setdefault("reason", refund_reasons.get(value.get("id", "")))
    return value


# --- Routes: test control --------------------------------------------------------------------


async def reset(request: web.Request) -> web.Response:
    await _standin(request).reset()
    logger.info("Reset: sessions, events and localstripe's store are empty")
    return _json({"reset": True})


# --- Middleware ------------------------------------------------------------------------------


@web.middleware
async def api_keys(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Stripe's 401s; and a live key is refused here too, whatever the process was started with."""
    if not request.path.startswith("/v1/"):
        return await handler(request)
    key = _api_key(request)
    if not key:
        return _error(InvalidRequest("You did not provide an API key.", status=401))
    if key.startswith(LIVE_KEY_PREFIXES):
        return _error(InvalidRequest("The offline stand-in refuses live keys: this is not Stripe.", status=401))
    if not key.startswith(TEST_KEY_PREFIXES):
        return _error(InvalidRequest("Invalid API Key provided: the stand-in takes test keys.", status=401))
    return await handler(request)


@web.middleware
async def idempotency(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Stripe's idempotent POSTs: a retried "Pay" or refund gets the first answer, not a second object."""
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key or not request.path.startswith("/v1/"):
        return await handler(request)
    standin = _standin(request)
    slot = (_api_key(request) or "", key)
    fingerprint = (request.path, await request.read())
    replay = standin.replays.get(slot)
    if replay is not None:
        if replay.fingerprint != fingerprint:
            return _error(
                InvalidRequest(
                    "Keys for idempotent requests can only be used with the same parameters they were first used "
                    f"with. Try using a key other than '{key}' if you meant to execute a different request.",
                    error_type="idempotency_error",
                )
            )
        return web.Response(
            status=replay.status,
            body=replay.body,
            content_type=replay.content_type,
            headers={"Idempotent-Replayed": "true"},
        )
    if slot in standin.in_flight:
        return _error(
            InvalidRequest(
                "There is currently another in-progress request using this Idempotent Key.",
                status=409,
                code="idempotency_key_in_use",
                error_type="idempotency_error",
            )
        )
    standin.in_flight.add(slot)
    try:
        response = await handler(request)
    finally:
        standin.in_flight.discard(slot)
    if isinstance(response, web.Response) and isinstance(response.body, bytes) and response.status < 500:
        standin.replays[slot] = _Replay(fingerprint, response.status, response.body, response.content_type)
    return response


@web.middleware
async def stripe_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except InvalidRequest as exc:
        return _error(exc)
    except FormError as exc:
        return _error(InvalidRequest(str(exc)))
    except UpstreamError as exc:
        return _json(exc.body, status=exc.status)
    except web.HTTPException:
        raise
    except Exception:
        logger.exception("The stand-in failed on %s %s", request.method, request.path)
        return _error(InvalidRequest("The offline stand-in failed: see its log.", status=500, error_type="api_error"))


async def _request_ids(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Request-Id", new_id("req_", 14))
    response.headers["X-Stripe-Standin"] = "test stand-in, not Stripe"


# --- The application ------------------------------------------------------------------------------

STANDIN_KEY = web.AppKey("standin", Standin)


def create_app(config: StandinConfig, *, localstripe_url: str, public_url: str) -> web.Application:
    """The stand-in's aiohttp application; ``public_url`` is where browsers reach it (the hosted page's base)."""
    app = web.Application(middlewares=[api_keys, idempotency, stripe_errors])
    standin = Standin(config, localstripe_url=localstripe_url, public_url=public_url)
    app[STANDIN_KEY] = standin
    app.on_response_prepare.append(_request_ids)
    app.cleanup_ctx.append(_expiry_sweeper)
    app.on_cleanup.append(_close)
    routes = app.router
    routes.add_post("/v1/checkout/sessions", create_session)
    routes.add_get("/v1/checkout/sessions", list_sessions)
    routes.add_get("/v1/checkout/sessions/{id}", retrieve_session)
    routes.add_get("/v1/checkout/sessions/{id}/line_items", session_line_items)
    routes.add_post("/v1/checkout/sessions/{id}/expire", expire_session)
    routes.add_route("*", "/v1/checkout/{tail:.*}", unimplemented_checkout)
    routes.add_post("/v1/refunds", create_refund)
    routes.add_get("/v1/events", list_events)
    routes.add_get("/v1/events/{id}", retrieve_event)
    routes.add_route("*", "/v1/{tail:.*}", proxy)
    routes.add_get("/checkout/pay/{id}", show_pay_page)
    routes.add_post("/checkout/pay/{id}", pay)
    routes.add_post("/_standin/reset", reset)
    routes.add_post("/_standin/expire/{id}", expire_session)
    return app


async def _close(app: web.Application) -> None:
    await app[STANDIN_KEY].close()


async def _expiry_sweeper(app: web.Application) -> AsyncIterator[None]:
    """Expire open sessions whose ``expires_at`` has passed, as Stripe does, sending ``checkout.session.expired``."""
    standin = app[STANDIN_KEY]

    async def sweep() -> None:
        while True:
            await asyncio.sleep(EXPIRY_SWEEP_SECONDS)
            for session in standin.sessions.due_for_expiry():
                if not session.lock.locked():  # being paid right now: the payment decides
                    standin.expire(session)

    task = asyncio.get_running_loop().create_task(sweep())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


# --- Helpers ------------------------------------------------------------------------------------


def _standin(request: web.Request) -> Standin:
    return request.app[STANDIN_KEY]


def _api_key(request: web.Request) -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Bearer":
        return credentials.strip() or None
    if scheme == "Basic":
        try:
            return base64.b64decode(credentials).decode().partition(":")[0] or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    return None


def _expansions(expand: list[str], prefix: str = "") -> tuple[bool, list[str]]:
    """What a session can expand: ``line_items``, and ``payment_intent`` with anything localstripe can expand."""
    line_items = False
    payment_intent_paths: list[str] = []
    for path in expand:
        head, _, rest = path.partition(".")
        if head == "line_items" and not rest:
            line_items = True
        elif head == "payment_intent":
            payment_intent_paths.append(rest)
        else:
            raise InvalidRequest(f"This property cannot be expanded ({prefix}{path}).", param="expand")
    return line_items, payment_intent_paths


def _expand(params: dict[str, Any]) -> list[str]:
    expand = params.get("expand") or []
    if not isinstance(expand, list) or not all(isinstance(path, str) for path in expand):
        raise InvalidRequest("Invalid array: expand", param="expand")
    return expand


def _list(data: list[Any], *, has_more: bool, url: str) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def _json(body: Any, *, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(body, indent=2).encode("utf-8"), content_type="application/json")


def _error(exc: InvalidRequest) -> web.Response:
    return _json(exc.body(), status=exc.status)


def _html(text: str, *, status: int = 200) -> web.Response:
    return web.Response(status=status, text=text, content_type="text/html")


def _unreachable(url: str, exc: Exception) -> InvalidRequest:
    logger.error("localstripe at %s is not reachable: %s", url, exc)
    return InvalidRequest(f"localstripe at {url} is not reachable: {exc}", status=502, error_type="api_error")
