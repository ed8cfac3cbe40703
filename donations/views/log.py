"""The transparency log's public addresses: checkpoint, key, leaves and proofs, as text and JSON.

What is served here is public by construction: a leaf is an entry's public
projection (a case entry's is only a salted commitment), hashes and signed
notes. Nothing reads a memo, a private leaf or a salt.

Every response may be cached by anyone (``Cache-Control: public``) and read
from any origin (``Access-Control-Allow-Origin: *``): there are no cookies
or credentials to protect, and a verifier running in a browser should work.
What never changes for its parameters (a proof for a given tree size, the
leaves of a closed range) is cached for a day; what moves with the log (the
latest checkpoint, the open-ended list of leaves) for a minute, with an ETag
so a poller revalidates cheaply.

The views read only and do not need the request transaction that
ATOMIC_REQUESTS opens: the log is append-only, so reading its size first and
then at most that many leaves is consistent without one (see
``donations.selectors``). Skipping it also keeps the PostgreSQL cursor that
streams ``entries.jsonl`` independent of a transaction that would end as the
view returns, before the body is streamed.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag
from django.views.decorators.http import require_safe

from donations import proofs, selectors
from donations.checkpoints import CheckpointError, current_vkey
from donations.merkle import ProofError

TEXT = "text/plain; charset=utf-8"
JSON_LINES = "application/x-ndjson; charset=utf-8"
MOVING = 60  # seconds: the latest checkpoint, the open-ended leaf list
KEY_MAX_AGE = 60 * 60
FIXED = 60 * 60 * 24  # a proof for given sizes, a closed range of leaves: these never change
# Leaves joined into one chunk of the streamed body: fewer, larger writes.
LINES_PER_CHUNK = 1000
# Plain decimal digits only: int() would also take "+1", " 1", "1_000" and other scripts' digits.
_DECIMAL = re.compile(r"[0-9]{1,19}")


class ParameterError(ValueError):
    pass


def _integer(request: HttpRequest, name: str, *, default: int | None = None, hint: str = "") -> int:
    value = request.GET.get(name)
    if value is None or value == "":
        if default is None:
            raise ParameterError(f"The parameter {name} is required{hint}")
        return default
    if not _DECIMAL.fullmatch(value):
        raise ParameterError(f"The parameter {name} must be a non-negative integer in plain digits, not {value!r}")
    return int(value)


def _etag(*parts: object) -> str:
    return quote_etag(hashlib.sha256(":".join(str(part) for part in parts).encode()).hexdigest()[:32])


def _finish(request: HttpRequest, response: HttpResponseBase, *, etag: str | None, max_age: int) -> HttpResponseBase:
    """Public caching, an ETag and CORS; a 304 when the client already has this version."""
    if etag:
        response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=max_age)
    if etag:
        response = get_conditional_response(request, etag=etag, response=response)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _text_error(message: str, status: int) -> HttpResponse:
    response = HttpResponse(message + "\n", content_type=TEXT, status=status)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-store"
    return response


def _json_error(message: str, status: int = 400) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-store"
    return response


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


@transaction.non_atomic_requests
@require_safe
def checkpoint(request: HttpRequest) -> HttpResponseBase:
    """The latest signed checkpoint, exactly as signed (C2SP tlog-checkpoint note)."""
    latest = selectors.latest_checkpoint_note()
    if latest is None:
        return _text_error("No checkpoint has been signed yet: the log has no signed tree head to verify.", 404)
    response = HttpResponse(latest.note, content_type=TEXT)
    return _finish(request, response, etag=_etag("checkpoint", latest.note), max_age=MOVING)


@transaction.non_atomic_requests
@require_safe
def verifier_key(request: HttpRequest) -> HttpResponseBase:
    """The key that signs checkpoints, in the C2SP signed-note vkey form ``<name>+<hex hash>+<base64 key>``."""
    try:
        vkey = current_vkey()
    except CheckpointError:
        return _text_error("The log's verifier key is not configured on this server.", 503)
    response = HttpResponse(vkey + "\n", content_type=TEXT)
    return _finish(request, response, etag=_etag("key", vkey), max_age=KEY_MAX_AGE)


def _json_lines(leaves: Iterable[str]) -> Iterator[bytes]:
    # Each leaf is canonical JSON, which never holds a raw newline, so "\n" ends
    # every line unambiguously (U+2028 may appear raw: split on b"\n" only).
    batch: list[str] = []
    for leaf in leaves:
        batch.append(leaf)
        if len(batch) == LINES_PER_CHUNK:
            yield ("\n".join(batch) + "\n").encode()
            batch = []
    if batch:
        yield ("\n".join(batch) + "\n").encode()


@transaction.non_atomic_requests
@require_safe
def entries(request: HttpRequest) -> HttpResponseBase:
    """The public leaves of indexes [start, end), one a line, byte for byte what was hashed.

    Line *k* of the body is leaf index ``start + k``, whose entry has
    ``"sequence": start + k + 1``. Defaults: the whole log as it is now.
    """
    state = selectors.log_state()
    try:
        start = _integer(request, "start", default=0)
        end = _integer(request, "end", default=state.size)
        if start > end:
            raise ParameterError(f"start ({start}) must not be greater than end ({end})")
        if end > state.size:
            raise ParameterError(f"end ({end}) is beyond the log's current size {state.size}")
    except ParameterError as exc:
        return _text_error(str(exc), 400)
    # A HEAD request gets the headers alone: no need to read the leaves that would not be sent.
    leaves = () if request.method == "HEAD" else selectors.public_leaves(start=start, end=end)
    response = StreamingHttpResponse(_json_lines(leaves), content_type=JSON_LINES)
    response["Content-Disposition"] = 'inline; filename="entries.jsonl"'
    response["X-Log-Tree-Size"] = str(state.size)
    if request.GET.get("end"):  # A closed range: its bytes never change.
        return _finish(request, response, etag=_etag("entries", start, end, state.first_leaf_hash), max_age=FIXED)
    return _finish(request, response, etag=_etag("entries", start, end, state.root.hex()), max_age=MOVING)


def _proof_response(request: HttpRequest, body: dict) -> HttpResponseBase:
    response = JsonResponse(body)
    return _finish(request, response, etag=_etag("proof", response.content.decode()), max_age=FIXED)


@transaction.non_atomic_requests
@require_safe
def inclusion_proof(request: HttpRequest) -> HttpResponseBase:
    """RFC 6962 audit path of leaf ``index`` in the tree of the first ``size`` leaves; hashes in base64."""
    try:
        index = _integer(request, "index")
        size = _integer(request, "size", hint=" (the tree size of the checkpoint you verify against)")
        proof = proofs.inclusion_proof(index=index, size=size)
    except (ParameterError, ProofError) as exc:
        return _json_error(str(exc))
    except proofs.MissingLeavesError as exc:
        return _json_error(str(exc), status=500)
    return _proof_response(request, {
        "index": proof.index,
        "tree_size": proof.tree_size,
        "leaf_hash": _b64(proof.leaf_hash),
        "root_hash": _b64(proof.root_hash),
        "proof": [_b64(node) for node in proof.proof],
    })


@transaction.non_atomic_requests
@require_safe
def consistency_proof(request: HttpRequest) -> HttpResponseBase:
    """RFC 6962 proof that the tree of ``old`` leaves is a prefix of the tree of ``new``; hashes in base64."""
    try:
        old = _integer(request, "old")
        new = _integer(request, "new")
        proof = proofs.consistency_proof(old_size=old, new_size=new)
    except (ParameterError, ProofError) as exc:
        return _json_error(str(exc))
    except proofs.MissingLeavesError as exc:
        return _json_error(str(exc), status=500)
    return _proof_response(request, {
        "old_size": proof.old_size,
        "new_size": proof.new_size,
        "old_root": _b64(proof.old_root),
        "new_root": _b64(proof.new_root),
        "proof": [_b64(node) for node in proof.proof],
    })
