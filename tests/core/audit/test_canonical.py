"""Canonical JSON leaf bytes: one value, one encoding; anything else is refused."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.audit.canonical import (
    MAX_SAFE_INTEGER,
    CanonicalFormError,
    canonical_json,
    parse_canonical,
)
from core.audit.merkle import AuditError


def test_entry_encodes_to_known_bytes() -> None:
    entry = {
        "time": 1767225600,
        "actor": "staff:17",
        "action": "payment.confirm",
        "outcome": "ok",
        "ref": {"receipt": 42, "kind": "điện"},
        "tags": [True, None, -3],
    }
    assert (
        canonical_json(entry)
        == (
            '{"action":"payment.confirm","actor":"staff:17","outcome":"ok",'
            '"ref":{"kind":"điện","receipt":42},"tags":[true,null,-3],"time":1767225600}'
        ).encode()
    )


def test_non_ascii_text_is_written_as_utf8_not_escaped() -> None:
    assert canonical_json({"tên": "Nguyễn"}) == '{"tên":"Nguyễn"}'.encode()


def test_control_characters_use_short_or_lowercase_unicode_escapes() -> None:
    assert canonical_json('a\nb\t\x01\x7f"\\/') == b'"a\\nb\\t\\u0001\x7f\\"\\\\/"'


def test_keys_are_sorted_by_code_point_like_their_utf8_bytes() -> None:
    encoded = canonical_json({"é": 1, "z": 2, "Z": 3, "\U0001f600": 4, "\uffff": 5})
    keys = list(json.loads(encoded))
    assert keys == ["Z", "z", "é", "\uffff", "\U0001f600"]
    assert keys == sorted(keys, key=lambda key: key.encode("utf-8"))


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (1.5, "float"),
        (1.0, "float"),
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
        ({"amount": 0.1}, r"\$\.amount: a float"),
        (MAX_SAFE_INTEGER + 1, "outside"),
        (-MAX_SAFE_INTEGER - 1, "outside"),
        ({1: "x"}, "keys must be strings"),
        ({"when": object()}, "not a JSON value"),
        (b"bytes", "not a JSON value"),
        ("\ud800", "surrogate"),
        ([[1, 2.5]], r"\$\[0\]\[1\]"),
    ],
)
def test_values_without_a_canonical_form_are_refused_with_the_path(value, problem) -> None:
    with pytest.raises(CanonicalFormError, match=problem):
        canonical_json(value)


def test_safe_integer_limits_are_accepted() -> None:
    assert (
        canonical_json([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER])
        == b"[9007199254740991,-9007199254740991]"
    )


def test_canonical_bytes_parse_back_to_the_value() -> None:
    data = canonical_json({"b": [1, "x"], "a": None})
    assert parse_canonical(data) == {"a": None, "b": [1, "x"]}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b'{"a": 1}', "byte 5"),
        (b'{"b":1,"a":2}', "canonical form"),
        (b'{"a":1}\n', "canonical form"),
        (b'"caf\\u00e9"', "canonical form"),
        (b'"\\u0041"', "canonical form"),
        (b"-0", "canonical form"),
        (b"1.0", "not an integer"),
        (b"1e3", "not an integer"),
        (b"NaN", "NaN is not allowed"),
        (b"-Infinity", "Infinity is not allowed"),
        (b'{"a":1,"a":1}', "duplicate object key 'a'"),
        (b"\xef\xbb\xbf{}", "not valid JSON"),
        (b'"\xff"', "not valid UTF-8 at byte 1"),
        (b"{", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"9007199254740992", "outside"),
        (b"1" * 5000, "not acceptable JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_non_canonical_bytes_are_refused_with_the_reason(data: bytes, problem: str) -> None:
    with pytest.raises(CanonicalFormError, match=problem):
        parse_canonical(data)


def test_parse_refuses_text_instead_of_bytes() -> None:
    with pytest.raises(CanonicalFormError, match="bytes"):
        parse_canonical('{"a":1}')


def test_canonical_form_errors_belong_to_the_audit_hierarchy() -> None:
    assert issubclass(CanonicalFormError, AuditError)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_encoding_round_trips_and_is_plain_json(value) -> None:
    data = canonical_json(value)
    assert parse_canonical(data) == value
    assert json.loads(data.decode("utf-8")) == value
    assert canonical_json(parse_canonical(data)) == data


@settings(max_examples=200, deadline=None)
@given(json_values, st.sampled_from([{"indent": 1}, {"ensure_ascii": True}, {}]))
def test_other_serialisations_are_refused_unless_byte_identical(value, options) -> None:
    other = json.dumps(value, **options).encode("utf-8")
    if other == canonical_json(value):
        assert parse_canonical(other) == value
    else:
        with pytest.raises(CanonicalFormError):
            parse_canonical(other)
