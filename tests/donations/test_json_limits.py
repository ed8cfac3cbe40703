"""The nesting pre-scan: it measures what json.loads would recurse through, and never recurses itself."""

import inspect
import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from donations.json_limits import MAX_DEPTH, JSONTooDeep, loads_limited, nesting_depth

# Text full of what could fool a naive scanner: brackets, quotes, backslashes, and non-ASCII.
TRICKY_TEXT = st.text(alphabet=st.sampled_from('[]{}"\\/ ,:ab\u00e9\u0416\u2028\U0001f600\n\t\x00'), max_size=12)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TRICKY_TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TRICKY_TEXT, children, max_size=4),
    max_leaves=40,
)


def depth_of(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    return 0


@given(value=JSON_VALUES, ensure_ascii=st.booleans(), indent=st.none() | st.integers(0, 2),
       as_bytes=st.booleans())
def test_the_scan_measures_exactly_the_depth_of_any_json_document(value, ensure_ascii, indent, as_bytes):
    text = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent)
    data = text.encode() if as_bytes else text
    assert nesting_depth(data) == depth_of(value)
    assert loads_limited(data) == json.loads(text)


@given(value=JSON_VALUES, limit=st.integers(0, 6))
def test_below_the_limit_it_parses_as_json_loads_does_and_above_it_refuses(value, limit):
    text = json.dumps(value)
    if depth_of(value) <= limit:
        assert loads_limited(text, max_depth=limit) == json.loads(text)
    else:
        with pytest.raises(JSONTooDeep):
            loads_limited(text, max_depth=limit)


@settings(max_examples=500)
@given(text=st.text(alphabet=st.sampled_from('[]{}"\\,:1 a'), max_size=60), limit=st.integers(0, 4))
def test_any_text_is_parsed_as_json_loads_would_or_refused_with_a_value_error(text, limit):
    """Valid or not: loads_limited agrees with json.loads below the limit and never fails other than ValueError."""
    try:
        expected = json.loads(text)
    except ValueError:
        expected = ValueError
    try:
        got = loads_limited(text, max_depth=limit)
    except JSONTooDeep:
        assert nesting_depth(text) > limit
        return
    except ValueError:
        got = ValueError
    assert got == expected


def test_a_hundred_thousand_levels_are_measured_at_once_without_recursion():
    # With the interpreter allowed only a few frames more than pytest needs, any recursion per level
    # would raise RecursionError; the measure must refuse the document by scanning it once.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 60)
    try:
        with pytest.raises(JSONTooDeep, match="100000 levels"):
            loads_limited(b"[" * 100_000 + b"]" * 100_000)
        with pytest.raises(JSONTooDeep):
            loads_limited(b'{"a":' * 100_000)  # unterminated: refused before json.loads could recurse
    finally:
        sys.setrecursionlimit(limit)


@pytest.mark.parametrize(("document", "depth"), [
    ('"[[[["', 0),
    ('["\\"[[", "\\\\", [1]]', 2),
    ('{"a": "]]]]]]", "b": {"c": "{{{{"}}', 2),
    ('"unterminated [[[[', 0),
    ("", 0),
    ("3", 0),
])
def test_brackets_inside_strings_do_not_count(document, depth):
    assert nesting_depth(document) == depth


def test_utf16_is_measured_as_the_parser_reads_it():
    """json.loads accepts UTF-16; a byte scan of it could see a quote inside another character."""
    hidden = json.dumps(["\u2222" + "x", [[[[1]]]]], ensure_ascii=False).encode("utf-16-le")
    assert nesting_depth(hidden) == 5
    with pytest.raises(JSONTooDeep):
        loads_limited(hidden, max_depth=4)


def test_the_limit_leaves_room_for_stripes_deepest_objects():
    assert MAX_DEPTH >= 32
