"""Open data downloads: the public ledger as CSV, JSON, beancount and IATI XML, at a signed checkpoint.

Stable addresses outside the language prefix (``/transparency/ledger.csv`` …),
because people script against them. By default the latest checkpoint;
``?size=N`` the export at the checkpoint signed at tree size N, which never
changes, so a download can be checked later. Like the log's views these read
only and stream after the view returns, so they run outside the request
transaction (see ``donations.views.log``).
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag
from django.views.decorators.http import require_safe

from donations import open_data
from donations.views.log import ParameterError, _integer, _text_error

MAX_AGE = 300


@transaction.non_atomic_requests
@require_safe
def export(request: HttpRequest, kind: str) -> HttpResponseBase:
    """The ``kind`` export at the latest checkpoint or at ``?size=N``, streamed, cacheable by anyone."""
    try:
        size = _integer(request, "size", default=-1)
    except ParameterError as exc:
        return _text_error(str(exc), 400)
    checkpoint = open_data.checkpoint_at(None if size < 0 else size)
    if checkpoint is None:
        if size >= 0:
            return _text_error(
                f"No checkpoint was signed at tree size {size}: exports exist only for signed checkpoints "
                "(see /transparency/log/checkpoint for the latest).", 404,
            )
        return _text_error("No checkpoint has been signed yet: there is no export to download.", 404)
    etag = quote_etag(f"{checkpoint.tree_size}-{checkpoint.root_hash}")
    body = iter(()) if request.method == "HEAD" else open_data.generate_export(kind, checkpoint)
    response = StreamingHttpResponse(body, content_type=open_data.CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{open_data.export_filename(kind, checkpoint)}"'
    response["X-Ledger-Checkpoint"] = f"{checkpoint.tree_size} {open_data.root_b64(checkpoint)}"
    response["ETag"] = etag
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return get_conditional_response(request, etag=etag, response=response)
