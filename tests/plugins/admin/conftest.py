"""Fixtures for the admin plugin tests: a station with a simulated document scanner and a
VNeID login of a demo citizen (so the verified identity pre-fills forms)."""

from __future__ import annotations

import re
import secrets
from urllib.parse import unquote

import pytest

#: The simulated portal moves a dossier on every STEP seconds (shorter than the kiosk idle timeout).
STEP = 60


def scanner_entry(profile: str = "ok") -> dict:
    return {"id": "scanner-1", "kind": "document_scanner",
            "url": f"sim://document_scanner?profile={profile}&instance=admin-{secrets.token_hex(4)}&scan_s=0.02",
            "options": {"scan_timeout": 2.0, "answer_timeout": 0.5}}


@pytest.fixture
def admin_app(make_station):
    """A station with the admin plugin and a healthy simulated scanner."""
    def make(scanner_profile: str = "ok", settings: dict | None = None, **config):
        terminal = {"id": "terminal-1", "kind": "payment_terminal",
                    "url": f"sim://payment_terminal?profile=ok&instance=admin-pay-{secrets.token_hex(4)}",
                    "options": {"ack_timeout": 0.5, "result_timeout": 1.0}}
        printer = {"id": "printer-1", "kind": "receipt_printer",
                   "url": f"sim://receipt_printer?instance=admin-print-{secrets.token_hex(4)}"}
        config.setdefault("connectors", {"public_service_portal": {"kind": "simulator", "step_seconds": STEP}})
        return make_station(plugins=["admin"], devices=[scanner_entry(scanner_profile), terminal, printer],
                            settings={"admin": settings or {}}, **config)
    return make


@pytest.fixture
def vneid_login(csrf_token):
    """``vneid_login(client, account=0)``: log in through the simulated VNeID app (level 2)."""
    def login(client, account: int = 0) -> None:
        page = client.get("/login/vneid?next=/s/admin/").get_data(as_text=True)
        request_id = re.search(r'data-claim-url="/login/vneid/([^/]+)/claim', page).group(1)
        uri = unquote(re.search(r'/sim/vneid/phone\?r=([^"]+)"', page).group(1).replace("&amp;", "&"))
        phone = client.application.test_client()
        approved = phone.post("/sim/vneid/phone", data={"r": uri, "account": str(account), "level": "2",
                                                         "csrf_token": csrf_token(phone)})
        assert approved.status_code == 200
        done = client.post(f"/login/vneid/{request_id}/claim", headers={"X-CSRF-Token": csrf_token(client),
                                                                         "Accept": "application/json"})
        assert done.json["status"] == "done", done.json
    return login
