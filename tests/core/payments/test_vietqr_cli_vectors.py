"""`station vietqr encode` reproduces published VietQR payloads byte for byte; decode rejects damage."""

from __future__ import annotations

import json

import pytest
from test_vietqr import (
    NAPAS_DYNAMIC_ACCOUNT,
    NAPAS_STATIC_CARD,
    PUBDEV_STATIC_WITH_AMOUNT,
    SUBIZ_MB_DIACRITICS,
    SUBIZ_TPBANK_STATIC,
    SUBIZ_VIETINBANK,
)

from core.cli import main

PUBLISHED = [
    (SUBIZ_VIETINBANK, ["--bin", "970415", "--account", "0011001932418", "--amount", "120000",
                        "--purpose", "ủng hộ lũ lụt", "--dynamic"]),
    (SUBIZ_TPBANK_STATIC, ["--bin", "970423", "--account", "0099999999"]),
    (SUBIZ_MB_DIACRITICS, ["--bin", "970422", "--account", "0023457923442", "--amount", "40123",
                           "--purpose", "chuyển khoản", "--dynamic"]),
    (PUBDEV_STATIC_WITH_AMOUNT, ["--bin", "970407", "--account", "0386577672", "--amount", "1000000",
                                 "--purpose", "henry an cut"]),
    (NAPAS_STATIC_CARD, ["--bin", "970403", "--account", "9704031101234567", "--card"]),
]


@pytest.mark.parametrize("payload, options", PUBLISHED,
                         ids=["subiz-vietinbank", "subiz-tpbank", "subiz-mb", "pubdev", "napas-card"])
def test_encode_prints_the_published_payload_byte_for_byte(capsys, payload, options):
    assert main(["vietqr", "encode", *options]) == 0
    out = capsys.readouterr().out
    assert out == payload + "\n"
    assert out.encode("ascii") == payload.encode("ascii") + b"\n"


@pytest.mark.parametrize("payload", [SUBIZ_VIETINBANK, NAPAS_DYNAMIC_ACCOUNT, NAPAS_STATIC_CARD])
def test_decode_of_a_published_payload_prints_its_fields(capsys, payload):
    assert main(["vietqr", "decode", payload]) == 0
    fields = json.loads(capsys.readouterr().out)
    assert fields["crc"] == payload[-4:]
    assert fields["guid"] == "A000000727" and fields["country"] == "VN"


@pytest.mark.parametrize("damage, problem", [
    (lambda p: p[:-4] + ("0000" if p[-4:] != "0000" else "1111"), "CRC"),              # wrong checksum
    (lambda p: p.replace("5802VN", "5802VM"), "CRC"),                                  # a flipped letter
    (lambda p: p[:-9], ""),                                                            # cut short
    (lambda p: p.replace("0208QRIBFTTA", "0209QRIBFTTA"), ""),                         # bad length
    (lambda p: p + "X", ""),                                                           # trailing junk
], ids=["crc", "flipped-letter", "truncated", "bad-length", "trailing"])
def test_decode_rejects_corrupted_published_payloads_with_exit_2(capsys, damage, problem):
    assert main(["vietqr", "decode", damage(SUBIZ_VIETINBANK)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error:") and "Traceback" not in captured.err
    assert problem in captured.err
