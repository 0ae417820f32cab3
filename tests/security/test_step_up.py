"""Issue 16 item 6: a step-up must reach the assurance the action needs — a card (high)
session asked to re-verify for a transfer is not satisfied by a VNeID level-1 approval."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from hal.sim.citizens import TEST_CITIZENS


def _vneid_step_up(app, client, csrf_token, level: int):
    page = client.get("/login/vneid", query_string={"step_up": "1", "next": "/s/banking/transfer"})
    text = page.get_data(as_text=True)
    claim_url = re.search(r'data-claim-url="([^"]+)"', text).group(1).replace("&amp;", "&")
    uri = unquote(re.search(r'/sim/vneid/phone\?r=([^"]+)"', text).group(1).replace("&amp;", "&"))
    phone = app.test_client()
    approved = phone.post("/sim/vneid/phone", data={"r": uri, "account": "0", "level": str(level),
                                                    "csrf_token": csrf_token(phone)})
    assert approved.status_code == 200
    return client.post(claim_url, headers={"X-CSRF-Token": csrf_token(client), "Accept": "application/json"})


@pytest.fixture
def card_session(make_station, login_citizen, station_clock):
    app = make_station(plugins=["banking"])
    client = app.test_client()
    person = TEST_CITIZENS[0]
    login_citizen(client, assurance="high", method="card",
                  identity={"id_number": person.personal_id, "full_name": person.full_name})
    with client.session_transaction() as session:
        session["_step_up_at"] = station_clock() - 3600
    return app, client


def _needs_step_up(response) -> bool:
    return response.status_code == 302 and "step_up=1" in response.headers["Location"]


def test_a_level_1_vneid_approval_does_not_step_up_a_card_session(card_session, csrf_token):
    app, client = card_session
    assert _needs_step_up(client.get("/s/banking/transfer"))
    assert _vneid_step_up(app, client, csrf_token, level=1).json["status"] == "done"
    assert _needs_step_up(client.get("/s/banking/transfer"))
    refused = client.post("/s/banking/transfer/confirm", data={"idempotency_key": "k" * 24,
                                                               "csrf_token": csrf_token(client)})
    assert refused.status_code == 401


def test_a_level_2_vneid_approval_steps_up(card_session, csrf_token):
    app, client = card_session
    assert _vneid_step_up(app, client, csrf_token, level=2).json["status"] == "done"
    assert not _needs_step_up(client.get("/s/banking/transfer"))
