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
