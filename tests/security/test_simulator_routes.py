"""Issue 16 item 9: simulator pages exist only beside their simulator. With a real VNeID
provider, card reader or bank configured, /sim/... and /pay/sim/bank answer 404 to every
method (not 400 for a missing CSRF token, not a page)."""

from __future__ import annotations

import pytest

from core.payments import web as payments_web
from core.payments.bank_sim import BankSimulator

SIM_PATHS = ["/sim/vneid/phone", "/sim/card-reader", "/pay/sim/bank"]


class RealVneid:
    """Stands in for a production VNeID provider."""

    simulated = False


class RealBank(BankSimulator):
    """Stands in for a production bank connector."""

    simulated = False


@pytest.fixture
def real_station(make_station, monkeypatch):
    monkeypatch.setattr("core.app.provider_from_config", lambda connector, secrets_dir: RealVneid())
    monkeypatch.setitem(payments_web.BANK_CONNECTORS, "real-bank", RealBank)
    return make_station(plugins=[], connectors={"bank": {"kind": "real-bank"}, "vneid": {"kind": "real"}},
                        devices=[{"id": "reader", "kind": "card_reader",
                                  "url": "/dev/serial/by-id/usb-ACS_ACR39U-if00"}])


@pytest.mark.parametrize("path", SIM_PATHS)
def test_simulator_pages_are_404_with_real_connectors(real_station, csrf_token, path):
    client = real_station.test_client()
    assert client.get(path).status_code == 404
    assert client.post(path, data={"csrf_token": csrf_token(client)}).status_code == 404
    assert client.post(path).status_code == 404
    assert not [rule for rule in real_station.url_map.iter_rules() if "/sim/" in rule.rule]


def test_login_pages_render_without_simulator_links(real_station):
    client = real_station.test_client()
    page = client.get("/login/card")
    assert page.status_code == 200 and "sim-card-link" not in page.get_data(as_text=True)


@pytest.mark.parametrize("path", SIM_PATHS)
def test_simulator_pages_exist_with_simulators(make_station, path):
    app = make_station(plugins=[], devices=[{"id": "reader", "kind": "card_reader",
                                             "url": "sim://card_reader?instance=simroutes"}])
    assert app.test_client().get(path).status_code == 200
