"""Canonical JSON: the exact bytes of an audit log leaf.

One value has exactly one encoding, so a leaf hash never depends on who serialised the entry:

- UTF-8, no byte order mark; non-ASCII characters written as themselves (not ``\\uXXXX``);
- object keys sorted by Unicode code point (the same order as their UTF-8 bytes), no
  duplicate keys;
- no whitespace outside strings: ``,`` and ``:`` separators;
- values are objects, arrays, strings, ``true``, ``false``, ``null`` and integers within
  +/-(2**53 - 1) (exact in every JSON implementation); no floats, no NaN or Infinity;
- string escapes as Python's ``json`` writes them: ``\\"``, ``\\\\``, ``\\b \\f \\n \\r \\t``,
  other control characters as lowercase ``\\u00xx``; everything else literal.
"""

from __future__ import annotations

import json
import math
from typing import Any

from core.audit.merkle import AuditError

MAX_SAFE_INTEGER = 2**53 - 1

JsonValue = dict[str, Any] | list[Any] | str | int | bool | None


class CanonicalFormError(AuditError):
    """A value cannot be encoded canonically, or bytes are not in canonical form."""


def canonical_json(value: JsonValue) -> bytes:
    """Encode ``value`` as canonical JSON bytes; raise :class:`CanonicalFormError` if unable."""
    try:
        _check_value(value, "$")
        text = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        return text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise CanonicalFormError(
            f"a string holds a lone surrogate at position {error.start}; it is not valid Unicode"
        ) from None
    except RecursionError:
        raise CanonicalFormError("the value is nested too deeply to encode") from None


def parse_canonical(data: bytes) -> JsonValue:
    """Decode canonical JSON bytes, refusing anything :func:`canonical_json` would not write.

    Raises :class:`CanonicalFormError` naming the first problem (invalid UTF-8, a float, a
    duplicate key, or the byte offset where a re-encoding differs).
    """
    if not isinstance(data, bytes | bytearray):
        raise CanonicalFormError(f"canonical JSON is bytes, got {type(data).__name__}")
    data = bytes(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CanonicalFormError(f"not valid UTF-8 at byte {error.start}") from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
        )
    except json.JSONDecodeError as error:
        raise CanonicalFormError(f"not valid JSON: {error.msg} at character {error.pos}") from None
    except RecursionError:
        raise CanonicalFormError("the JSON is nested too deeply to decode") from None
    except ValueError as error:  # e.g. an integer literal with thousands of digits
        raise CanonicalFormError(f"not acceptable JSON: {error}") from None
    encoded = canonical_json(value)
    if encoded != data:
        offset = _first_difference(encoded, data)
        raise CanonicalFormError(
            f"JSON is not in canonical form: it differs from the canonical encoding at byte "
            f"{offset} (check key order, whitespace and escapes)"
        )
    return value


def _check_value(value: Any, path: str) -> None:
    if value is None or isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalFormError(f"{path}: integer is outside +/-(2**53 - 1)")
        return
    if isinstance(value, float):
        kind = "NaN or Infinity" if not math.isfinite(value) else "a float"
        raise CanonicalFormError(f"{path}: {kind} is not allowed; use an integer or a string")
    if isinstance(value, list | tuple):
        for position, item in enumerate(value):
            _check_value(item, f"{path}[{position}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalFormError(
                    f"{path}: object keys must be strings, got {type(key).__name__}"
                )
            _check_value(item, f"{path}.{key}")
        return
    raise CanonicalFormError(f"{path}: {type(value).__name__} is not a JSON value")


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in pairs:
        if key in result:
            raise CanonicalFormError(f"duplicate object key {key!r}")
        result[key] = item
    return result


def _refuse_float(text: str) -> None:
    raise CanonicalFormError(f"number {text} is not an integer; floats are not allowed")


def _refuse_constant(text: str) -> None:
    raise CanonicalFormError(f"{text} is not allowed in canonical JSON")


def _first_difference(left: bytes, right: bytes) -> int:
    for offset, (a, b) in enumerate(zip(left, right, strict=False)):
        if a != b:
            return offset
    return min(len(left), len(right))
