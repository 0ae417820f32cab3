"""With the station's real payment service (sdk.payments): pay by the simulated card terminal,
the payment_settled hook lands, the receipt carries the pickup code."""

from __future__ import annotations

import re
import secrets

import pytest
from healthcare_helpers import AN

pytest.importorskip("sdk.payments")


@pytest.fixture
def app(health_station):
    return health_station([
        {"id": "terminal-1", "kind": "payment_terminal",
         "url": f"sim://payment_terminal?profile=ok&instance=hc-{secrets.token_hex(4)}",
         "options": {"ack_timeout": 0.5, "result_timeout": 1.0}},
        {"id": "printer-1", "kind": "receipt_printer",
         "url": f"sim://receipt_printer?profile=ok&instance=hc-{secrets.token_hex(4)}"}])


def _attempt(page: str) -> str:
    return re.search(r'name="attempt" value="([^"]+)"', page).group(1)


def _pay_by_card(client, csrf_token, pay_url):
    payment_id = int(pay_url.rsplit("/", 1)[1])
    paid = client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    client.application.extensions["payments_cards"].wait_idle()  # the card worker
    assert paid.status_code == 302, paid.get_data(as_text=True)[:300]
    return client.get(f"/pay/{payment_id}/receipt").get_data(as_text=True)


def test_otc_order_paid_by_card_shows_the_pickup_code_on_the_receipt(app, login_citizen, csrf_token):
    client = app.test_client()
    login_citizen(client, assurance="basic")
    client.post("/s/healthcare/shop/cart", data={"sku": "PARA500", "qty": "1", "csrf_token": csrf_token(client)})
    attempt = _attempt(client.get("/s/healthcare/shop").get_data(as_text=True))
    started = client.post("/s/healthcare/shop/checkout", data={"attempt": attempt, "csrf_token": csrf_token(client)})
    assert started.status_code == 303 and re.search(r"/pay/\d+$", started.headers["Location"])
    receipt = _pay_by_card(client, csrf_token, started.headers["Location"])
    order = client.get("/s/healthcare/shop/orders/1").get_data(as_text=True)
    assert 'data-state="paid"' in order
    pickup = re.search(r"(\d{6})</dd>", order).group(1)
    assert pickup in receipt and "15.000" in receipt


def test_prescription_order_paid_by_card_is_posted_to_the_national_system(app, vneid_login, login_staff,
                                                                           csrf_token):
    from plugins.healthcare.connector import national_prescriptions

    client = app.test_client()
    vneid_login(app, client, AN)
    made = client.post("/s/healthcare/rx/order", data={"code": "01013AB12CD3-c", "qty_AMOX500": "6",
                                                       "qty_OMEP20": "0", "csrf_token": csrf_token(client)})
    order_url = made.headers["Location"]
    pharmacist = app.test_client()
    login_staff(pharmacist, roles=("pharmacist",))
    order_id = order_url.rsplit("/", 1)[1]
    pharmacist.post(f"/s/healthcare/pharmacist/orders/{order_id}/approve", data={"csrf_token": csrf_token(pharmacist)})
    attempt = _attempt(client.get(order_url).get_data(as_text=True))
    started = client.post(order_url + "/pay", data={"attempt": attempt, "csrf_token": csrf_token(client)})
    receipt = _pay_by_card(client, csrf_token, started.headers["Location"])
    page = client.get(order_url).get_data(as_text=True)
    assert 'data-state="paid"' in page
    assert re.search(r"(\d{6})</dd>", page).group(1) in receipt
    with app.test_request_context():
        assert national_prescriptions().reports[-1][:2] == ("01013AB12CD3-c", {"AMOX500": 6})


RX = "01013AB12CD3-c"  # An's prescription: 30 AMOX500, 14 OMEP20


def _approved_order(app, client, vneid_login, login_staff, csrf_token, amox="6", omep="0"):
    from plugins.healthcare.connector import inventory

    with app.test_request_context():
        inventory().set_stock("AMOX500", 100)  # the shelf is not what limits these tests
    vneid_login(app, client, AN)
    made = client.post("/s/healthcare/rx/order", data={"code": RX, "qty_AMOX500": amox, "qty_OMEP20": omep,
                                                       "csrf_token": csrf_token(client)})
    assert made.status_code == 303, re.sub(r"<[^>]+>", " ", made.get_data(as_text=True))[-1500:]
    order_url = made.headers["Location"]
    pharmacist = app.test_client()
    login_staff(pharmacist, roles=("pharmacist",))
    approved = pharmacist.post(f"/s/healthcare/pharmacist/orders/{order_url.rsplit('/', 1)[1]}/approve",
                               data={"csrf_token": csrf_token(pharmacist)})
    assert approved.status_code == 303
    return order_url


def test_two_page_loads_of_an_order_then_two_payments_make_one_payment(app, vneid_login, login_staff, csrf_token):
    from core.payments.models import PaymentRecord
    from hal.sim import control

    client = app.test_client()
    order_url = _approved_order(app, client, vneid_login, login_staff, csrf_token)
    tab1, tab2 = (_attempt(client.get(order_url).get_data(as_text=True)) for _ in range(2))
    first = client.post(order_url + "/pay", data={"attempt": tab1, "csrf_token": csrf_token(client)})
    second = client.post(order_url + "/pay", data={"attempt": tab2, "csrf_token": csrf_token(client)})
    assert second.headers["Location"] == first.headers["Location"] + "?resume=1"
    assert "Tiếp tục thanh toán" in client.get(order_url).get_data(as_text=True)
    _pay_by_card(client, csrf_token, first.headers["Location"])
    again = client.post(order_url + "/pay", data={"attempt": tab2, "csrf_token": csrf_token(client)})
    assert again.headers["Location"] == first.headers["Location"] + "?resume=1"   # paid: its receipt
    terminal = next(d["url"] for d in app.extensions["station"].devices.statuses() if d["kind"] == "payment_terminal")
    assert [c.amount for c in control.simulator(terminal).approved_charges()] == [int(c.amount) for c in
                                                                                   control.simulator(terminal).ledger]
    with app.app_context():
        assert PaymentRecord.select().count() == 1
    assert len(control.simulator(terminal).approved_charges()) == 1


def _restarted(app):
    """The same station started again on its database (a new process would do the same)."""
    from core.app import create_app

    station = app.extensions["station"]
    again = create_app(station.config, clock=station.clock)
    again.config["TESTING"] = True
    return again


def test_a_fully_dispensed_prescription_stays_dispensed_after_a_restart(app, vneid_login, login_staff, csrf_token):
    client = app.test_client()
    order_url = _approved_order(app, client, vneid_login, login_staff, csrf_token, amox="30", omep="14")
    started = client.post(order_url + "/pay", data={"attempt": _attempt(client.get(order_url).get_data(as_text=True)),
                                                   "csrf_token": csrf_token(client)})
    _pay_by_card(client, csrf_token, started.headers["Location"])
    restarted = _restarted(app)
    with restarted.test_request_context():  # the simulated national system remembers, as the real one does
        from plugins.healthcare.connector import national_prescriptions

        assert [line.remaining for line in national_prescriptions().lookup(RX, 20_000).lines] == [0, 0]
    kiosk = restarted.test_client()
    vneid_login(restarted, kiosk, AN)
    looked = kiosk.post("/s/healthcare/rx/lookup", data={"code": RX, "csrf_token": csrf_token(kiosk)})
    assert looked.status_code == 403 and "đã được cấp đủ" in looked.get_data(as_text=True)
    ordered = kiosk.post("/s/healthcare/rx/order", data={"code": RX, "qty_AMOX500": "30", "qty_OMEP20": "0",
                                                         "csrf_token": csrf_token(kiosk)})
    assert ordered.status_code == 403


def test_with_the_national_system_lagging_the_station_still_refuses_over_dispensing(app, vneid_login, login_staff,
                                                                                   csrf_token):
    from plugins.healthcare.connector import SimDispensing

    client = app.test_client()
    order_url = _approved_order(app, client, vneid_login, login_staff, csrf_token, amox="20", omep="0")
    started = client.post(order_url + "/pay", data={"attempt": _attempt(client.get(order_url).get_data(as_text=True)),
                                                   "csrf_token": csrf_token(client)})
    _pay_by_card(client, csrf_token, started.headers["Location"])
    with app.app_context():
        assert SimDispensing.delete().execute() > 0  # the national system has not recorded it (yet)
    too_many = client.post("/s/healthcare/rx/order", data={"code": RX, "qty_AMOX500": "11", "qty_OMEP20": "0",
                                                           "csrf_token": csrf_token(client)})
    assert too_many.status_code == 400 and "10" in too_many.get_data(as_text=True)
    assert client.post("/s/healthcare/rx/order", data={"code": RX, "qty_AMOX500": "10", "qty_OMEP20": "0",
                                                       "csrf_token": csrf_token(client)}).status_code == 303
