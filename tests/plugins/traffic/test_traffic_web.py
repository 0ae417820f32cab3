"""Traffic fines pages: look up by plate, the citizen's vehicles, pay a decided fine → paid."""

from __future__ import annotations

import re
import secrets

import pytest
from vneid_login import login_as

from hal.sim import control
from sdk.testing import audit_entries, printed_receipts


@pytest.fixture
def station(make_station):
    terminal = f"sim://payment_terminal?profile=ok&instance=traffic-{secrets.token_hex(4)}"
    printer = f"sim://receipt_printer?profile=ok&instance=traffic-prn-{secrets.token_hex(4)}"
    app = make_station(plugins=["traffic"], devices=[
        {"id": "terminal-1", "kind": "payment_terminal", "url": terminal,
         "options": {"ack_timeout": 0.5, "result_timeout": 1.0}},
        {"id": "printer-1", "kind": "receipt_printer", "url": printer}])
    return app, terminal, printer


def lookup(client, csrf_token, plate, vehicle_type):
    return client.post("/s/traffic/lookup", data={"plate": plate, "vehicle_type": vehicle_type,
                                                  "csrf_token": csrf_token(client)})


def test_lookup_by_plate_shows_offence_status_and_is_audited_without_the_plate(station, login_citizen,
                                                                               csrf_token):
    app, _, _ = station
    client = app.test_client()
    login_citizen(client, assurance="basic")
    page = lookup(client, csrf_token, "51f12345", "car")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "51F-123.45" in text and "Không chấp hành hiệu lệnh của đèn tín hiệu giao thông" in text
    assert 'data-status="penalised"' in text and 'data-status="unresolved"' in text
    assert "mô phỏng" in text
    last = audit_entries(app)[-1]
    assert last["action"] == "traffic.lookup" and "51F" not in str(last)


def test_wrong_plate_is_refused_with_the_right_form(station, login_citizen, csrf_token):
    app, _, _ = station
    client = app.test_client()
    login_citizen(client)
    refused = lookup(client, csrf_token, "59-X1 123.45", "car")
    assert refused.status_code == 400 and "51F-123.45" in refused.get_data(as_text=True)


def test_violation_details_show_article_range_points_offices(station, login_citizen):
    app, _, _ = station
    client = app.test_client()
    login_citizen(client)
    text = client.get("/s/traffic/violations/VP250314001").get_data(as_text=True)
    for expected in ("Điểm b khoản 9 Điều 6", "Nghị định 168/2024/NĐ-CP", "18.000.000 ₫", "20.000.000 ₫",
                     "1234/QĐ-XPHC", "Phòng Cảnh sát giao thông", "Điện thoại", 'id="pay-fine"',
                     "Đội CSGT đường bộ số 1"):
        assert expected in text, expected
    unresolved = client.get("/s/traffic/violations/VP250402017").get_data(as_text=True)
    assert 'id="pay-fine"' not in unresolved and "Chưa xử phạt" in unresolved
    assert client.get("/s/traffic/violations/VP000").status_code == 404


def test_my_vehicles_need_a_verified_identity_and_list_the_registered_ones(station, login_citizen, csrf_token):
    app, _, _ = station
    anonymous_id = app.test_client()
    login_citizen(anonymous_id)
    assert anonymous_id.get("/s/traffic/mine").status_code == 400
    client = app.test_client()
    login_as(app, client, csrf_token, account=1)  # Trần Thị Bích Ngọc: a car and a motorbike
    text = client.get("/s/traffic/mine").get_data(as_text=True)
    assert re.findall(r'data-plate="([^"]+)"', text) == ["51F-123.45", "59-X1 123.45"]
    assert "Không đội mũ bảo hiểm" in text


def test_paying_a_decided_fine_marks_it_paid_and_the_receipt_shows_the_decision(station, login_citizen,
                                                                             csrf_token):
    app, terminal, printer = station
    client = app.test_client()
    login_citizen(client)
    page = client.get("/s/traffic/violations/VP250305022").get_data(as_text=True)
    attempt = re.search(r'name="attempt" value="([^"]+)"', page).group(1)
    started = client.post("/s/traffic/violations/VP250305022/pay",
                          data={"attempt": attempt, "csrf_token": csrf_token(client)})
    pay_url = started.headers["Location"]
    again = client.post("/s/traffic/violations/VP250305022/pay",
                        data={"attempt": attempt, "csrf_token": csrf_token(client)})
    assert again.headers["Location"].split("?")[0] == pay_url  # same attempt, same payment
    payment_id = int(pay_url.rsplit("/", 1)[1])
    client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    client.application.extensions["payments_cards"].wait_idle()  # the card worker
    receipt = client.get(f"/pay/{payment_id}/receipt").get_data(as_text=True)
    assert "890/QĐ-XPHC" in receipt and "400.000 ₫" in receipt
    paid = client.get("/s/traffic/violations/VP250305022/paid").get_data(as_text=True)
    assert 'data-status="paid"' in paid and "890/QĐ-XPHC" in paid
    detail = client.get("/s/traffic/violations/VP250305022").get_data(as_text=True)
    assert 'data-status="paid"' in detail and 'id="pay-fine"' not in detail
    assert [e.amount for e in control.simulator(terminal).approved_charges()] == [400_000]
    assert "Quyết định số: 890/QĐ-XPHC" in printed_receipts(app)[0].lines
    assert any(e["action"] == "traffic.fine.paid" and "890/QĐ-XPHC" in str(e) for e in audit_entries(app))
    again = client.post("/s/traffic/violations/VP250305022/pay",
                        data={"attempt": "another-attempt-123", "csrf_token": csrf_token(client)})
    assert again.status_code == 302 and again.headers["Location"] == f"/pay/{payment_id}?resume=1"
    shown = client.get(again.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Khoản này đã được thanh toán lúc" in shown and f"BL{payment_id:08d}" in shown
    assert [e.amount for e in control.simulator(terminal).approved_charges()] == [400_000]  # nothing more


def test_unresolved_or_paid_violations_cannot_be_paid(station, login_citizen, csrf_token):
    app, _, _ = station
    client = app.test_client()
    login_citizen(client)
    for violation in ("VP250402017", "VP250211003"):
        refused = client.post(f"/s/traffic/violations/{violation}/pay",
                              data={"attempt": "attempt-x-123456", "csrf_token": csrf_token(client)})
        assert refused.status_code == 400


def test_pages_need_login(station):
    app, _, _ = station
    assert app.test_client().get("/s/traffic/", headers={"Accept": "application/json"}).status_code == 401


def _attempt_of(client, violation: str) -> str:
    page = client.get(f"/s/traffic/violations/{violation}").get_data(as_text=True)
    return re.search(r'name="attempt" value="([^"]+)"', page).group(1)


def test_two_page_loads_then_two_payments_make_one_payment(station, login_citizen, csrf_token):
    """Two tabs (each page load has its own attempt): the second "pay" continues the first."""
    app, terminal, _ = station
    client = app.test_client()
    login_citizen(client)
    tab1, tab2 = _attempt_of(client, "VP250305022"), _attempt_of(client, "VP250305022")
    first = client.post("/s/traffic/violations/VP250305022/pay", data={"attempt": tab1, "csrf_token": csrf_token(client)})
    second = client.post("/s/traffic/violations/VP250305022/pay", data={"attempt": tab2, "csrf_token": csrf_token(client)})
    payment_id = int(first.headers["Location"].rsplit("/", 1)[1])
    assert second.headers["Location"] == f"/pay/{payment_id}?resume=1"
    resumed = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Bạn đã bắt đầu thanh toán khoản này" in resumed
    detail = client.get("/s/traffic/violations/VP250305022").get_data(as_text=True)
    assert "Tiếp tục thanh toán" in detail and 'id="pay-fine"' not in detail   # not "pay" again
    for _ in range(2):  # both tabs press "pay by card"
        client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
        client.application.extensions["payments_cards"].wait_idle()  # the card worker
    assert [e.amount for e in control.simulator(terminal).approved_charges()] == [400_000]
    with app.app_context():
        from core.payments.models import PaymentRecord
        from plugins.traffic.models import FinePayment

        assert PaymentRecord.select().count() == 1 and FinePayment.select().count() == 1


def test_while_the_terminal_is_silent_the_fine_page_says_being_verified(station, login_citizen, csrf_token):
    app, terminal, _ = station
    client = app.test_client()
    login_citizen(client)
    control.set_profile(terminal, "silent_after_auth")
    started = client.post("/s/traffic/violations/VP250305022/pay",
                          data={"attempt": _attempt_of(client, "VP250305022"), "csrf_token": csrf_token(client)})
    payment_id = int(started.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():  # the terminal's answer is lost
        app.extensions["payments"].pay_by_card(payment_id, "citizen:1")
    detail = client.get("/s/traffic/violations/VP250305022").get_data(as_text=True)
    assert "Đang xác minh thanh toán" in detail and 'id="pay-fine"' not in detail
    again = client.post("/s/traffic/violations/VP250305022/pay",
                        data={"attempt": "another-tab-attempt", "csrf_token": csrf_token(client)})
    assert again.headers["Location"] == f"/pay/{payment_id}?resume=1"
    with app.app_context():
        from core.payments.models import PaymentRecord

        assert [p.state for p in PaymentRecord.select()] == ["UNKNOWN"]
