"""Envelope encryption primitives: round trips, associated-data binding, formats, KEK ids."""

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.privacy.crypto import (
    FIELD_HEADER_SIZE,
    TAG_SIZE,
    WRAPPED_SIZE,
    DecryptionError,
    field_binding,
    field_key_version,
    kek_id,
    open_field,
    seal_field,
    unwrap_data_key,
    wrap_data_key,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
BINDING = field_binding("fx_private_profile", "full_name", 7, 42)


def fixed_rng(n):
    return b"\x01" * n


def test_field_ciphertext_is_versioned_with_key_version_nonce_and_tag():
    blob = seal_field(KEY, 3, "Nguyễn Thị Hồng Nhung".encode(), BINDING, fixed_rng)
    assert blob[:2] == b"v1"
    assert blob[2:6] == (3).to_bytes(4, "big")
    assert blob[6:18] == b"\x01" * 12
    assert len(blob) == FIELD_HEADER_SIZE + len("Nguyễn Thị Hồng Nhung".encode()) + TAG_SIZE
    assert field_key_version(blob) == 3
    assert open_field(KEY, blob, BINDING).decode() == "Nguyễn Thị Hồng Nhung"


@pytest.mark.parametrize("moved_to", [
    field_binding("fx_private_profile", "full_name", 8, 42),      # another row
    field_binding("fx_private_profile", "id_number", 7, 42),      # another column
    field_binding("fx_private_screening", "full_name", 7, 42),    # another table
    field_binding("fx_private_profile", "full_name", 7, 43),      # another citizen
])
def test_a_ciphertext_moved_to_another_row_column_table_or_citizen_does_not_decrypt(moved_to):
    blob = seal_field(KEY, 1, b"079302012345", BINDING)
    with pytest.raises(DecryptionError, match="copied from another row"):
        open_field(KEY, blob, moved_to)


def test_any_changed_byte_or_wrong_key_is_detected():
    blob = seal_field(KEY, 1, b"079302012345", BINDING)
    for position in (2, 5, 6, 17, 18, len(blob) - 1):
        damaged = bytearray(blob)
        damaged[position] ^= 0x01
        with pytest.raises(DecryptionError):
            open_field(KEY, bytes(damaged), BINDING)
    with pytest.raises(DecryptionError):
        open_field(OTHER_KEY, blob, BINDING)


@pytest.mark.parametrize("blob", [b"", b"v1", b"v2" + bytes(40), b"plain text written outside the sdk"])
def test_values_not_in_format_v1_are_refused_with_a_clear_error(blob):
    with pytest.raises(DecryptionError, match="not a v1 encrypted field"):
        open_field(KEY, blob, BINDING)


def test_bindings_are_unambiguous_even_with_separator_characters():
    assert field_binding("a", "b,c", 1, 2) != field_binding("a,b", "c", 1, 2)
    assert field_binding("t", "c", 12, 3) != field_binding("t", "c", 1, 23)


def test_wrapped_data_key_is_bound_to_its_citizen_and_version():
    wrapped = wrap_data_key(OTHER_KEY, KEY, 42, 1)
    assert len(wrapped) == WRAPPED_SIZE and wrapped.startswith(b"w1")
    assert unwrap_data_key(OTHER_KEY, wrapped, 42, 1) == KEY
    for citizen, version in ((43, 1), (42, 2)):
        with pytest.raises(DecryptionError, match="another citizen"):
            unwrap_data_key(OTHER_KEY, wrapped, citizen, version)
    with pytest.raises(DecryptionError):
        unwrap_data_key(KEY, wrapped, 42, 1)


def test_kek_id_is_a_short_stable_hash_that_tells_keys_apart():
    assert kek_id(KEY) == kek_id(bytes(KEY))
    assert len(kek_id(KEY)) == 16 and kek_id(KEY) != kek_id(OTHER_KEY)
    assert KEY.hex()[:16] not in kek_id(KEY)
    with pytest.raises(ValueError):
        kek_id(b"short")


def test_nonces_are_fresh_so_equal_values_give_different_ciphertexts():
    assert seal_field(KEY, 1, b"same", BINDING) != seal_field(KEY, 1, b"same", BINDING)


@settings(max_examples=150, deadline=None)
@given(plaintext=st.binary(max_size=512), table=st.text(min_size=1, max_size=20),
       row=st.integers(min_value=1, max_value=2**40), citizen=st.integers(min_value=1, max_value=2**31),
       version=st.integers(min_value=0, max_value=2**32 - 1))
def test_seal_then_open_round_trips_any_value(plaintext, table, row, citizen, version):
    key = os.urandom(32)
    binding = field_binding(table, "c", row, citizen)
    blob = seal_field(key, version, plaintext, binding)
    assert field_key_version(blob) == version
    assert open_field(key, blob, binding) == plaintext
    assert plaintext == b"" or plaintext not in blob[FIELD_HEADER_SIZE:] or len(plaintext) < 4
