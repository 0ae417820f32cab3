"""The hub's cosignatures against the C2SP tlog-cosignature spec, checked independently:
the spec's own example line, and a verifier written here from the spec's text alone
(no code shared with core.audit), as a Go ``sumdb/note`` client would check them."""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core.audit.cosignature import WitnessKey, parse_cosignature_line
from hub.service import create_enrolment_code

# https://c2sp.org/tlog-cosignature, the example checkpoint and its witness line
SPEC_WITNESS_LINE = ("\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2"
                     "oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n")


def spec_verify(line: str, checkpoint_body: str, vkey: str) -> int:
    """Verify a cosignature/v1 line from the spec text: returns its timestamp or raises."""
    name, key_id_hex, key_b64 = vkey.split("+", 2)
    raw = base64.b64decode(key_b64)
    assert raw[0] == 0x04 and len(raw) == 33, "vkey type 0x04, 32-byte Ed25519 key"
    key_id = hashlib.sha256(name.encode() + b"\n" + b"\x04" + raw[1:]).digest()[:4]
    assert key_id.hex() == key_id_hex
    dash_name, encoded = line.rstrip("\n").rsplit(" ", 1)
    assert dash_name == "\u2014 " + name
    payload = base64.b64decode(encoded)
    assert payload[:4] == key_id and len(payload) == 4 + 8 + 64
    timestamp = int.from_bytes(payload[4:12], "big")
    message = b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + checkpoint_body.encode()
    Ed25519PublicKey.from_public_bytes(raw[1:]).verify(payload[12:], message)
    return timestamp


def test_the_spec_example_line_has_the_spec_timestamp():
    parsed = parse_cosignature_line(SPEC_WITNESS_LINE)
    assert parsed.name == "witness.example.com/w1" and parsed.timestamp == 1679315147  # "time 1679315147"


def test_cosignatures_verify_with_a_verifier_written_from_the_spec():
    key = WitnessKey("witness.example.com/w1", Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    line = key.cosign(body, 1679315147)
    assert spec_verify(line, body, key.verifier_key()) == 1679315147
    assert parse_cosignature_line(line).timestamp == 1679315147


def test_the_hubs_answer_verifies_with_the_spec_verifier(hub_apps, make_station, hub_clock):
    station = make_station("hn-interop")
    station.enrol(hub_apps[0].test_client(), create_enrolment_code(hub_clock()))
    station.append(7)
    response = hub_apps[1].test_client().post("/add-checkpoint", data=station.add_checkpoint_body(0))
    assert response.status_code == 200
    body = station.checkpoint_note().split("\n\n")[0] + "\n"
    vkey = hub_apps[0].extensions["hub"]["witness"].verifier_key()
    assert spec_verify(response.get_data(as_text=True), body, vkey) == int(hub_clock())
