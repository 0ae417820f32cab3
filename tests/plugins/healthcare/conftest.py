"""Fixtures of the healthcare plugin tests: a station with fast simulated devices, a real
VNeID login for a known test citizen, and a stand-in payment service when sdk.payments is absent."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote

import pytest
from healthcare_helpers import AN, FAST, all_devices, audit_entries, device_entry  # noqa: F401

from hal.sim import control


@pytest.fixture(autouse=True)
def fresh_simulators():
    control.forget_all()
    yield
    control.forget_all()


@pytest.fixture
def health_station(make_station):
    """``health_station(devices=None, **kwargs)`` → app with only the healthcare plugin."""

    def make(devices: list[dict[str, Any]] | None = None, **kwargs: Any) -> Any:
        return make_station(plugins=["healthcare"], devices=all_devices() if devices is None else devices, **kwargs)

    return make


@pytest.fixture
def vneid_login(csrf_token):
    """``vneid_login(app, client, account=AN, level=2)``: a real simulated VNeID login, so the plugin
    sees the verified ID number of ``hal.sim.citizens.TEST_CITIZENS[account]``."""

    def login(app: Any, client: Any, account: int = AN, level: int = 2) -> None:
        page = client.get("/login/vneid?next=/s/healthcare/").get_data(as_text=True)
        request_id = re.search(r'data-claim-url="/login/vneid/([^/]+)/claim', page).group(1)
        uri = unquote(re.search(r'/sim/vneid/phone\?r=([^"]+)"', page).group(1).replace("&amp;", "&"))
        phone = app.test_client()
        approved = phone.post("/sim/vneid/phone", data={"r": uri, "account": str(account), "level": str(level),
                                                         "csrf_token": csrf_token(phone)})
        assert approved.status_code == 200
        done = client.post(f"/login/vneid/{request_id}/claim?next=/s/healthcare/",
                           headers={"X-CSRF-Token": csrf_token(client), "Accept": "application/json"})
        assert done.json["status"] == "done", done.json

    return login


class FakePayments:
    """Stands in for sdk.payments (same call shape as the contract) until it exists."""

    def __init__(self) -> None:
        self.started: list[dict[str, Any]] = []

    def start_payment(self, **kwargs: Any) -> Any:
        payment = SimpleNamespace(id=f"pay-{len(self.started) + 1}", state="PENDING", existing=False,
                                  pay_url=f"/pay/fake-{len(self.started) + 1}", **kwargs)
        self.started.append({"payment": payment, **kwargs})
        return payment

    @staticmethod
    def payment_for(obj: str) -> Any:
        return None  # the fake keeps no claims (tests/core/payments cover exclusivity for real)


@pytest.fixture
def payments(monkeypatch):
    """A stand-in for the station's payment service (the contract's ``start_payment`` call shape);
    ``payments.settle(app, index=-1, state="SUCCEEDED")`` delivers the ``payment_settled`` outcome."""
    fake = FakePayments()
    monkeypatch.setattr("plugins.healthcare.checkout.start_payment", fake.start_payment)
    monkeypatch.setattr("plugins.healthcare.checkout.payment_for", fake.payment_for)

    def settle(app: Any, index: int = -1, state: str = "SUCCEEDED") -> None:
        from plugins.healthcare import checkout

        started = fake.started[index]
        settled = SimpleNamespace(id=started["payment"].id, state=state, reference=started["reference"],
                                  amount_vnd=started["amount_vnd"], purpose=started["purpose"], plugin="healthcare")
        with app.test_request_context():
            checkout.settle(settled)

    fake.settle = settle  # type: ignore[attr-defined]
    return fake
