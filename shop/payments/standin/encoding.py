"""Stripe's form encoding, decoded: ``line_items[0][price_data][unit_amount]=2900`` to nested dicts and lists.

stripe-python sends every POST body and GET query this way (``expand[0]=...``,
``created[gte]=...``); curl users often write ``expand[]=...``. Both decode
here. Values stay strings, as Stripe receives them: the session code converts
and validates each parameter where it knows what the parameter means.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")


class FormError(ValueError):
    """A key that is not Stripe's ``name[part][part]`` shape, or that clashes with another."""


def decode_body(body: bytes) -> dict[str, Any]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormError("The request body is not UTF-8") from exc
    return decode_pairs(parse_qsl(text, keep_blank_values=True))


def decode_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Nest the pairs; a dict whose keys are all digits becomes a list in index order."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if not match:
            raise FormError(f"Invalid parameter name: {key!r}")
        parts = [match.group(1), *_PART.findall(match.group(2))]
        node = root
        for depth, part in enumerate(parts):
            if part == "":  # name[] appends
                part = str(len(node))
            last = depth == len(parts) - 1
            existing = node.get(part)
            if last:
                if existing is not None:
                    raise FormError(f"Parameter {key!r} is given twice or clashes with another")
                node[part] = value
            else:
                if existing is None:
                    existing = node[part] = {}
                elif not isinstance(existing, dict):
                    raise FormError(f"Parameter {key!r} clashes with another")
                node = existing
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: _lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted
