"""VNeID simulated login protocol: QR request, signed assertion, every rejection of verification."""

from __future__ import annotations

import base64
import json
from datetime import date
from itertools import count

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.identity.vneid_protocol import (
    CLOCK_SKEW,
    AssertionClaims,
    AssertionExpired,
    AssertionMalformed,
    AssertionNonceMismatch,
    AssertionNotYetValid,
    AssertionSignatureInvalid,
    AssertionWrongAudience,
    AssertionWrongIssuer,
    LoginRequest,
    LoginRequestExpired,
    LoginRequestMalformed,
    VneidError,
    decode_jws,
    decode_login_request,
    encode_jws,
    encode_login_request,
    issue_assertion,
    key_id,
    load_public_key,
    new_login_request,
    public_key_text,
    signing_key_from_seed,
    verify_assertion,
)

NOW = 1_767_000_000.0
STATION = "station-hn-001"
VNEID_KEY = signing_key_from_seed(bytes(range(32)))
VNEID_PUBLIC = VNEID_KEY.public_key()
OTHER_KEY = signing_key_from_seed(bytes(32))
CITIZEN = {"id_number": "001085999001", "full_name": "Nguyễn Văn An",
           "date_of_birth": date(1985, 3, 14)}


def counting_rng():
    """Deterministic randomness: 16 bytes of one counter value per call."""
    counter = count(1)
    return lambda n: next(counter).to_bytes(n, "big")


def request_and_assertion(level=2, key=VNEID_KEY, now=NOW, **request_options):
    rng = counting_rng()
    request = new_login_request(STATION, now, rng=rng, **request_options)
    token = issue_assertion(request, account_level=level, private_key=key, now=now, rng=rng, **CITIZEN)
    return request, token


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_claims(claims: dict, header: dict | None = None) -> str:
    """A correctly signed token with arbitrary claims (to reach the claim checks)."""
    return encode_jws(header or {"alg": "EdDSA"}, json.dumps(claims).encode(), VNEID_KEY)


def good_claims(**changes) -> dict:
    request, token = request_and_assertion()
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    claims.update(changes)
    return claims


def verify(token, request=None, now=NOW, key=VNEID_PUBLIC):
    request = request or request_and_assertion()[0]
    return verify_assertion(token, key, STATION, request.nonce, now)


# ----------------------------------------------------------------- RFC 8037 vectors


def test_jws_signing_matches_the_rfc_8037_ed25519_example():
    key = signing_key_from_seed(base64.urlsafe_b64decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="))
    token = encode_jws({"alg": "EdDSA"}, b"Example of Ed25519 signing", key)
    assert token == (
        "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
    )
    assert decode_jws(token, key.public_key()) == ({"alg": "EdDSA"}, b"Example of Ed25519 signing")
    assert public_key_text(key.public_key()) == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    assert key_id(key.public_key()) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_a_public_key_survives_its_text_form_and_bad_text_is_refused():
    assert public_key_text(load_public_key(public_key_text(VNEID_PUBLIC))) == public_key_text(VNEID_PUBLIC)
    for bad in ("", "abc", "!" * 43):
        with pytest.raises(ValueError):
            load_public_key(bad)
    with pytest.raises(ValueError):
        signing_key_from_seed(b"short")


# ----------------------------------------------------------------- login request


def test_a_login_request_is_random_one_time_and_expires_in_120_seconds():
    request = new_login_request(STATION, NOW)
    again = new_login_request(STATION, NOW)
    assert request.request_id != again.request_id and request.nonce != again.nonce
    assert len(request.nonce) == 22  # 128 bits
    assert request.expires_at == int(NOW) + 120
    assert not request.is_expired(NOW + 120) and request.is_expired(NOW + 121)


def test_the_qr_text_is_compact_and_decodes_to_the_same_request():
    request = new_login_request(STATION, NOW)
    text = encode_login_request(request)
    assert text.startswith("vneid-sim://login?")
    assert len(text) < 130
    assert decode_login_request(text) == request


@settings(max_examples=200, deadline=None)
@given(station=st.from_regex(r"[A-Za-z0-9._:-]{1,64}", fullmatch=True),
       seed=st.binary(min_size=16, max_size=16), now=st.integers(0, 2**40))
def test_every_login_request_round_trips_through_its_qr_text(station, seed, now):
    request = new_login_request(station, now, rng=lambda n: seed[:n])
    assert decode_login_request(encode_login_request(request)) == request


@pytest.mark.parametrize("text", [
    "", "hello", "https://login?r=AAAAAAAAAAAAAAAAAAAAAA&s=x&n=AAAAAAAAAAAAAAAAAAAAAA&e=1",
    "vneid-sim://login?r=AAAAAAAAAAAAAAAAAAAAAA&s=x&n=AAAAAAAAAAAAAAAAAAAAAA",
    "vneid-sim://login?r=AAAAAAAAAAAAAAAAAAAAAA&s=x&n=AAAAAAAAAAAAAAAAAAAAAA&e=1&x=2",
    "vneid-sim://login?r=short&s=x&n=AAAAAAAAAAAAAAAAAAAAAA&e=1",
    "vneid-sim://login?r=AAAAAAAAAAAAAAAAAAAAAA&s=x&n=AAAAAAAAAAAAAAAAAAAAAA&e=-1",
    "vneid-sim://login?r=AAAAAAAAAAAAAAAAAAAAAA&s=a%20b&n=AAAAAAAAAAAAAAAAAAAAAA&e=1",
    "vneid-sim://other?r=AAAAAAAAAAAAAAAAAAAAAA&s=x&n=AAAAAAAAAAAAAAAAAAAAAA&e=1",
])
def test_a_qr_code_that_is_not_a_login_request_is_refused(text):
    with pytest.raises(LoginRequestMalformed):
        decode_login_request(text)


def test_a_station_id_outside_the_safe_characters_is_a_programming_error():
    with pytest.raises(ValueError):
        new_login_request("trạm 1", NOW)


def test_the_simulator_will_not_approve_an_expired_request():
    request = new_login_request(STATION, NOW)
    with pytest.raises(LoginRequestExpired):
        issue_assertion(request, account_level=2, private_key=VNEID_KEY, now=NOW + 121, **CITIZEN)


def test_the_simulator_issues_only_levels_1_and_2():
    request = new_login_request(STATION, NOW)
    with pytest.raises(ValueError):
        issue_assertion(request, account_level=3, private_key=VNEID_KEY, now=NOW, **CITIZEN)


# ----------------------------------------------------------------- the good path


def test_a_level_2_approval_verifies_to_the_claims_with_high_assurance():
    request, token = request_and_assertion(level=2)
    claims = verify_assertion(token, VNEID_PUBLIC, STATION, request.nonce, NOW + 5)
    assert claims.id_number == "001085999001"
    assert claims.full_name == "Nguyễn Văn An"
    assert claims.date_of_birth == date(1985, 3, 14)
    assert claims.account_level == 2 and claims.assurance == "high"
    assert claims.audience == STATION and claims.request_id == request.request_id
    assert claims.expires_at - claims.issued_at == 60
    assert claims.assertion_id and claims.assertion_id not in (request.request_id, request.nonce)


def test_a_level_1_account_gives_basic_assurance():
    request, token = request_and_assertion(level=1)
    assert verify(token, request).assurance == "basic"


def test_each_approval_has_its_own_assertion_id_for_single_use():
    request = new_login_request(STATION, NOW)
    ids = {verify(issue_assertion(request, account_level=2, private_key=VNEID_KEY, now=NOW, **CITIZEN),
                  request).assertion_id for _ in range(3)}
    assert len(ids) == 3


def test_the_token_header_names_eddsa_and_the_key_thumbprint():
    _, token = request_and_assertion()
    header, _ = decode_jws(token, VNEID_PUBLIC)
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": key_id(VNEID_PUBLIC)}


def test_an_approval_within_the_clock_skew_after_expiry_is_accepted():
    request, token = request_and_assertion()
    verify(token, request, now=NOW + 60 + CLOCK_SKEW)


def test_repr_of_claims_hides_the_personal_fields():
    request, token = request_and_assertion()
    text = repr(verify(token, request))
    assert "001085999001" not in text and "Nguyễn" not in text and "1985" not in text


# ----------------------------------------------------------------- rejections


def test_a_changed_payload_under_the_old_signature_is_refused():
    request, token = request_and_assertion(level=1)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["level"] = 2
    forged = f"{header}.{b64(json.dumps(claims).encode())}.{signature}"
    with pytest.raises(AssertionSignatureInvalid):
        verify(forged, request)


def test_a_flipped_signature_bit_is_refused():
    request, token = request_and_assertion()
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[0] ^= 1
    with pytest.raises(AssertionSignatureInvalid):
        verify(f"{header}.{payload}.{b64(bytes(raw))}", request)


def test_an_approval_signed_by_another_key_is_refused():
    request, token = request_and_assertion(key=OTHER_KEY)
    with pytest.raises(AssertionSignatureInvalid) as caught:
        verify(token, request)
    assert caught.value.code == "vneid_signature_invalid" and caught.value.vi


def test_verifying_with_the_wrong_public_key_is_refused():
    request, token = request_and_assertion()
    with pytest.raises(AssertionSignatureInvalid):
        verify(token, request, key=OTHER_KEY.public_key())


def test_an_approval_for_another_station_is_refused():
    request, token = request_and_assertion()
    with pytest.raises(AssertionWrongAudience, match="another station"):
        verify_assertion(token, VNEID_PUBLIC, "station-hcm-002", request.nonce, NOW)


def test_an_approval_of_another_login_request_is_refused_by_its_nonce():
    _, token = request_and_assertion()
    pending = new_login_request(STATION, NOW)
    with pytest.raises(AssertionNonceMismatch, match="different login request"):
        verify_assertion(token, VNEID_PUBLIC, STATION, pending.nonce, NOW)


def test_an_expired_approval_is_refused():
    request, token = request_and_assertion()
    with pytest.raises(AssertionExpired, match="expired"):
        verify(token, request, now=NOW + 60 + CLOCK_SKEW + 1)


def test_an_approval_dated_in_the_future_is_refused():
    request, token = request_and_assertion(now=NOW + CLOCK_SKEW + 1)
    with pytest.raises(AssertionNotYetValid, match="clock"):
        verify(token, request, now=NOW)


def test_an_approval_from_another_issuer_is_refused():
    token = signed_claims(good_claims(iss="https://vneid.gov.vn"))
    with pytest.raises(AssertionWrongIssuer):
        verify(token)


@pytest.mark.parametrize("token", [
    "", "abc", "a.b", "a.b.c.d", "!!!.???.***", "eyJhbGciOiJFZERTQSJ9..", 12345, None, "a" * 5000,
])
def test_text_that_is_not_a_jws_is_malformed(token):
    with pytest.raises(AssertionMalformed) as caught:
        verify(token)
    assert caught.value.code == "vneid_malformed"


@pytest.mark.parametrize("header", [
    {"alg": "none"}, {"alg": "HS256"}, {"alg": "ES256"}, {"typ": "JWT"},
    {"alg": "EdDSA", "crit": ["exp"]},
])
def test_any_algorithm_but_eddsa_and_any_critical_header_is_malformed(header):
    claims = b64(json.dumps(good_claims()).encode())
    signing_input = f"{b64(json.dumps(header).encode())}.{claims}"
    token = f"{signing_input}.{b64(VNEID_KEY.sign(signing_input.encode()))}"
    with pytest.raises(AssertionMalformed):
        verify(token)


@pytest.mark.parametrize("changes", [
    {"level": 3}, {"level": "2"}, {"level": True}, {"level": 2.0}, {"level": None},
    {"iat": 1.5}, {"exp": "soon"}, {"exp": NOW + 3600},  # lifetime beyond 5 minutes
    {"id_number": "123"}, {"id_number": "003085999001"},  # bad length, unknown province
    {"id_number": "001086999001"},  # birth-year digits disagree with the birthdate
    {"birthdate": "14/03/1985"}, {"name": ""}, {"name": 42}, {"nonce": "short"}, {"jti": ""},
    {"aud": ["station-hn-001"]},
])
def test_signed_claims_of_the_wrong_shape_are_malformed(changes):
    with pytest.raises(AssertionMalformed):
        verify(signed_claims(good_claims(**changes)))


@pytest.mark.parametrize("missing", ["jti", "req", "iss", "aud", "nonce", "iat", "exp",
                                     "id_number", "name", "birthdate", "level"])
def test_a_missing_claim_is_malformed(missing):
    claims = good_claims()
    del claims[missing]
    with pytest.raises(AssertionMalformed):
        verify(signed_claims(claims))


def test_duplicate_json_keys_are_malformed():
    payload = json.dumps(good_claims())[:-1] + ', "level": 1}'
    with pytest.raises(AssertionMalformed):
        verify(encode_jws({"alg": "EdDSA"}, payload.encode(), VNEID_KEY))


def test_a_payload_that_is_not_a_json_object_is_malformed():
    for payload in (b"[1,2]", b"\xff\xfe", b"not json"):
        with pytest.raises(AssertionMalformed):
            verify(encode_jws({"alg": "EdDSA"}, payload, VNEID_KEY))


def test_non_canonical_base64url_is_malformed():
    request, token = request_and_assertion()
    header, payload, signature = token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # 64 bytes use 86 characters; the last one's low 4 bits are padding: flip one of them.
    tweaked = signature[:-1] + alphabet[alphabet.index(signature[-1]) ^ 1]
    assert base64.urlsafe_b64decode(tweaked + "==") == base64.urlsafe_b64decode(signature + "==")
    with pytest.raises(AssertionMalformed):
        verify(f"{header}.{payload}.{tweaked}", request)
    with pytest.raises(AssertionMalformed):
        verify(f"{header}=.{payload}.{signature}", request)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_refused_with_a_vneid_error_only(text):
    with pytest.raises(VneidError):
        verify(text, LoginRequest("A" * 22, STATION, "B" * 22, int(NOW) + 100))


def test_vneid_errors_are_refusals_with_vietnamese_text():
    for error in (AssertionMalformed, AssertionSignatureInvalid, AssertionWrongAudience,
                  AssertionNonceMismatch, AssertionExpired, AssertionNotYetValid, AssertionWrongIssuer):
        assert issubclass(error, VneidError) and error.http_status == 403
        assert error().vi and error().code.startswith("vneid_")


def test_claims_convert_back_to_the_jwt_claim_names():
    request, token = request_and_assertion()
    claims = verify(token, request)
    assert isinstance(claims, AssertionClaims)
    assert set(claims.to_jwt_claims()) == {"iss", "aud", "jti", "iat", "exp", "nonce", "req",
                                           "id_number", "name", "birthdate", "level"}
