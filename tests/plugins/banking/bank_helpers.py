"""Helpers of the banking tests (imported by the test modules and the conftest)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization

from hal.testpki import generate_test_pki

AN, NGOC, MINH, HA, LAN, DUNG = range(6)
AN_MAIN, AN_SECOND, NGOC_ACCOUNT, DUNG_ACCOUNT = "1010000001", "1010000011", "1010000002", "1010000006"
VCB, BIDV = "970436", "970418"
OTHER_BANK_ACCOUNT = "0011004455667"  # NGUYEN THI MAI at Vietcombank in the simulated directory
SIM_BIN = "970499"


@dataclass
class Devices:
    reader: str
    face: str
    printer: str


def make_devices() -> Devices:
    tag = secrets.token_hex(4)
    return Devices(f"sim://card_reader?instance=r{tag}",
                   f"sim://face_verifier?profile=match&capture_s=0.02&instance=f{tag}",
                   f"sim://receipt_printer?instance=p{tag}")


def device_entries(urls: Devices) -> list[dict[str, Any]]:
    return [
        {"id": "card-1", "kind": "card_reader", "url": urls.reader, "options": {"answer_timeout": 0.5}},
        {"id": "face-1", "kind": "face_verifier", "url": urls.face,
         "options": {"answer_timeout": 0.3, "capture_timeout": 1.0}},
        {"id": "printer-1", "kind": "receipt_printer", "url": urls.printer,
         "options": {"print_timeout": 1.0, "answer_timeout": 0.3}},
    ]


def trust_test_pki(app) -> None:
    folder = app.extensions["station"].config.home / "trust" / "csca"
    folder.mkdir(parents=True, exist_ok=True)
    cert = generate_test_pki().csca_certificate
    (folder / "csca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def grant(client, csrf_token, *categories: str) -> None:
    data = {"csrf_token": csrf_token(client), "need": ",".join(categories), "next": "/s/banking/"}
    data.update({f"agree_{c}": "yes" for c in categories})
    response = client.post("/s/banking/consent", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def new_key(client) -> str:
    """A fresh idempotency key, as the transfer form hands out."""
    page = client.get("/s/banking/transfer").get_data(as_text=True)
    match = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert match, page[:800]
    return match.group(1)


def balances(app) -> dict[str, int]:
    from plugins.banking.models import SimAccount

    with app.app_context():
        return {a.number: a.balance for a in SimAccount.select()}
