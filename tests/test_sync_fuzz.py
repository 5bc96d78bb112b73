"""Property-based tests of the wire-schema parser (issue 13): whatever arrives on the session
topic, ``parse_summary`` returns a valid summary or raises ``SchemaError``, never anything else,
and whatever it accepts passes its own checks again (round trip)."""
from __future__ import annotations

import json
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.demo.samples import sample_summary
from wire.schema import SchemaError, SessionSummary, json_depth, parse_summary

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
GOOD = json.loads(sample_summary(random.Random(3), device_id="kiosk-a").model_dump_json())

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30)


def outcome(payload: bytes | str) -> SessionSummary | None:
    """The parsed summary, or None for a SchemaError; any other exception fails the test."""
    try:
        s = parse_summary(payload)
    except SchemaError as e:
        assert e.reason and "\n" not in e.reason.split(": ", 1)[0]
        return None
    assert parse_summary(s.model_dump_json()) == s        # accepted means valid again
    return s


@SETTINGS
@given(st.binary(max_size=2048))
def test_arbitrary_bytes(raw: bytes) -> None:
    outcome(raw)


@SETTINGS
@given(json_values)
def test_arbitrary_json(value: object) -> None:
    outcome(json.dumps(value))                             # NaN/Infinity included: refused as non-standard


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


PATHS = _paths(GOOD)


@SETTINGS
@given(st.sampled_from(PATHS), json_values)
def test_one_field_of_a_real_summary_replaced(path: tuple, value: object) -> None:
    outcome(replaced(GOOD, path, value))


def replaced(good: dict, path: tuple, value: object) -> str:
    """``good`` as JSON with the field at ``path`` set to ``value``."""
    d = json.loads(json.dumps(good))
    node = d
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return json.dumps(d)


@SETTINGS
@given(st.text(alphabet='[]{}"\\,:1a ', max_size=400))
def test_bracket_and_quote_soup(text: str) -> None:
    assert json_depth(text.encode()) >= 0
    outcome(text)


@SETTINGS
@given(st.integers(min_value=0, max_value=2000), st.sampled_from(["[", '{"a":']))
def test_any_nesting_depth(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    payload = opener * depth + "1" + closer * depth
    assert json_depth(payload.encode()) == depth
    assert outcome(payload) is None
