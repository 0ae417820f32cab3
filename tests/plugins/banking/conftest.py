"""Fixtures of the banking tests: a station with a simulated card reader, face verifier and
printer, the test PKI trusted, and a chip-card login of a test citizen."""

from __future__ import annotations

from typing import Any

import pytest
from bank_helpers import AN, device_entries, grant, make_devices, trust_test_pki

from hal.sim import control
from sdk.testing import FakeClock


@pytest.fixture
def station_clock():
    # 2026-11-29 12:00 UTC (19:00 in Vietnam): inside the test certificates' validity
    return FakeClock(1_796_040_000.0)


@pytest.fixture
def devices():
    urls = make_devices()
    yield urls
    for url in (urls.reader, urls.face, urls.printer):
        control.forget(url)


@pytest.fixture
def make_bank_station(make_station, devices):
    def make(**settings: Any):
        app = make_station(plugins=["banking"], devices=device_entries(devices),
                           settings={"banking": settings} if settings else {})
        trust_test_pki(app)
        return app

    return make


@pytest.fixture
def app(make_bank_station):
    return make_bank_station()


@pytest.fixture
def bank_login(devices, csrf_token):
    """``bank_login(client, citizen=AN, consents=("personal", "financial"))``: chip card login
    (high assurance, verified identity) and the consents the pages need."""

    def login(client, citizen: int = AN, consents: tuple[str, ...] = ("personal", "financial")) -> None:
        control.simulator(devices.reader).insert_card(citizen)
        response = client.post("/login/card", data={"csrf_token": csrf_token(client), "mode": "scan", "next": "/"})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        if consents:
            grant(client, csrf_token, *consents)

    return login
