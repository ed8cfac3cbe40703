"""Reading JSON that someone else wrote without letting its nesting exhaust the stack.

``json.loads`` recurses once per nested array or object: a body of 100,000
``[`` raises ``RecursionError``, which no caller expects, so a view answers
500 (and a correctly signed Stripe webhook would be retried for days). Before
parsing untrusted JSON, ``nesting_depth`` measures the nesting with a scan that
never recurses, and ``loads_limited`` refuses anything deeper than the limit.

The scan removes JSON strings first (with their escapes, so ``"[[["`` and
``"\\"["`` count for nothing), then keeps only the brackets and takes the
deepest running total. It works on bytes: in UTF-8 no byte of a multi-byte
character is a quote, a backslash or a bracket, so UTF-8 needs no decoding
(UTF-16 and UTF-32, which ``json.loads`` also accepts, are re-encoded first).
On any valid prefix of a document it agrees with what the parser would
recurse through, which is all the guard needs: the parser stops at the first
invalid byte. The regular expression and the sums run in C; a megabyte takes
a few milliseconds.

``tools/verify_ledger.py`` keeps its own copy (it imports nothing from the
project, on purpose).
"""

from __future__ import annotations

import json
import operator
import re
from itertools import accumulate
from typing import Any

# Stripe's events nest about ten levels (event → data → object → an expanded
# payment intent → charge → balance transaction → fee details, each a level or
# two), the public ledger's exports fewer. 64 leaves room for what a sender may
# reasonably add, and stays far below the interpreter's recursion limit (1000)
# from however deep in a request's stack the parser is called.
MAX_DEPTH = 64

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)  # an unterminated string runs to the end
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_OPEN_AS_2_CLOSE_AS_0 = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


class JSONTooDeep(ValueError):  # noqa: N818 -- a kind of invalid input, like json's JSONDecodeError
    """The document nests arrays and objects deeper than the limit: refused before parsing."""

    def __init__(self, depth: int, limit: int) -> None:
        super().__init__(f"JSON nested {depth} levels deep; at most {limit} are accepted")
        self.depth = depth
        self.limit = limit


def nesting_depth(data: bytes | str) -> int:
    """How deep arrays and objects nest in ``data``, brackets inside strings not counted; 0 for a scalar."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    elif json.detect_encoding(data) not in ("utf-8", "utf-8-sig"):
        # json.loads reads UTF-16 and UTF-32 too, where a quote's byte can sit inside another
        # character and hide real brackets from a byte scan: scan what the parser will see.
        data = data.decode(json.detect_encoding(data), "surrogatepass").encode("utf-8", "surrogatepass")
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS).translate(_OPEN_AS_2_CLOSE_AS_0)
    # Each opening bracket adds 2 and each closing one 0, so after k brackets the depth is sum - k.
    return max(map(operator.sub, accumulate(brackets), range(1, len(brackets) + 1)), default=0)


def require_depth_at_most(data: bytes | str, limit: int = MAX_DEPTH) -> None:
    """Raise ``JSONTooDeep`` if ``data`` nests deeper than ``limit``."""
    depth = nesting_depth(data)
    if depth > limit:
        raise JSONTooDeep(depth, limit)


def loads_limited(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` for untrusted input: every failure is a ``ValueError``, a too-deep one ``JSONTooDeep``."""
    require_depth_at_most(data, max_depth)
    return json.loads(data)
