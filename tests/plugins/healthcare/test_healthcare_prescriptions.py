"""E-prescriptions end to end: right person, refusals, pharmacist approval, payment, partial
dispensing across visits, posting back to the national system."""

from __future__ import annotations

import re

import pytest
from healthcare_helpers import AN, DUNG, HA, MINH, NGOC, audit_entries

AN_RX = "01013AB12CD3-c"          # amoxicillin 30 (stock 20) + omeprazole 14
AN_NARCOTIC = "01013NK45MX7-n"
NGOC_CHRONIC = "79013HT90DAY-c"
NGOC_EXPIRED = "79013EXP8DZ1-c"
HA_PSYCHOTROPIC = "31002PS5H8N4-h"
DUNG_DONE = "38005FD2N8M6-c"


@pytest.fixture
def app(health_station):
    return health_station([])


def _lookup(client, csrf_token, code):
    return client.post("/s/healthcare/rx/lookup", data={"code": code, "csrf_token": csrf_token(client)})


def _order(client, csrf_token, code, **quantities):
    data = {"code": code, "csrf_token": csrf_token(client), **{f"qty_{k}": str(v) for k, v in quantities.items()}}
    return client.post("/s/healthcare/rx/order", data=data)


def _connectors(app):
    from plugins.healthcare.connector import inventory, national_prescriptions

    with app.test_request_context():
        return national_prescriptions(), inventory()


def _approve(app, login_staff, csrf_token, order_id, decision="approve"):
    pharmacist = app.test_client()
    login_staff(pharmacist, roles=("pharmacist",))
    queue = pharmacist.get("/s/healthcare/pharmacist")
    assert queue.status_code == 200 and f'data-order="{order_id}"' in queue.get_data(as_text=True)
    done = pharmacist.post(f"/s/healthcare/pharmacist/orders/{order_id}/{decision}",
                           data={"csrf_token": csrf_token(pharmacist)})
    assert done.status_code == 303


def _pay(client, csrf_token, order_id):
    page = client.get(f"/s/healthcare/rx/orders/{order_id}").get_data(as_text=True)
    attempt = re.search(r'name="attempt" value="([^"]+)"', page).group(1)
    return client.post(f"/s/healthcare/rx/orders/{order_id}/pay",
                       data={"attempt": attempt, "csrf_token": csrf_token(client)})


def _order_id(response):
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_malformed_codes_are_refused_with_the_expected_format(app, vneid_login, csrf_token):
    client = app.test_client()
    vneid_login(app, client, AN)
    for bad in ("12345", "01013AB12CD3-x", "0101-AB12CD3-c", "01013AB12CD3c1", "01013AB12CĐ3-c"):
        response = _lookup(client, csrf_token, bad)
        assert response.status_code == 400 and "14" in response.get_data(as_text=True)


def test_own_prescription_shows_remaining_quantities_and_stock(app, vneid_login, csrf_token):
    client = app.test_client()
    vneid_login(app, client, AN)
    page = _lookup(client, csrf_token, AN_RX.replace("-c", "-C"))   # the type letter's case does not matter
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Amoxicillin 500 mg" in text
    assert re.search(r'data-drug="AMOX500">.*?class="remaining">30<.*?class="stock">20<', text, re.S)
    assert "Hệ thống đơn thuốc quốc gia mô phỏng" in text


def test_a_code_keeps_the_case_it_was_issued_in_and_the_facility_may_hold_letters(app, vneid_login, csrf_token):
    client = app.test_client()
    vneid_login(app, client, AN)
    page = _lookup(client, csrf_token, "01A13pk7Hm2Q-c")
    assert page.status_code == 200 and "Phòng khám Mô phỏng 01A13" in page.get_data(as_text=True)
    upper = _lookup(client, csrf_token, "01A13PK7HM2Q-c")   # another code: not found, like anyone else's
    assert upper.status_code != 200 and "Phòng khám Mô phỏng 01A13" not in upper.get_data(as_text=True)


def test_prescription_of_another_person_is_refused_without_content_and_audited(app, vneid_login, csrf_token):
    client = app.test_client()
    vneid_login(app, client, AN)
    theirs = _lookup(client, csrf_token, NGOC_CHRONIC)
    unknown = _lookup(client, csrf_token, "01013ZZZZZZZ-c")
    text = theirs.get_data(as_text=True)
    assert theirs.status_code == unknown.status_code == 403
    assert "Amlodipin" not in text and "Metformin" not in text and "Võ Thị Hạnh" not in text
    assert text.replace('data-reason="other_person"', "") == \
        unknown.get_data(as_text=True).replace('data-reason="not_found"', "")   # nothing to tell them apart
    refused = [e for e in audit_entries(app) if '"healthcare.rx_lookup"' in e and '"refused"' in e]
    assert any('"other_person"' in e for e in refused)
    assert all(NGOC_CHRONIC not in e and "079192999002" not in e for e in audit_entries(app))
    assert _order(client, csrf_token, NGOC_CHRONIC, AMLO5=10).status_code == 403   # nor by posting an order


def test_the_owner_of_the_chronic_prescription_may_collect_90_days(app, vneid_login, csrf_token):
    client = app.test_client()
    vneid_login(app, client, NGOC)
    page = _lookup(client, csrf_token, NGOC_CHRONIC)
    assert page.status_code == 200 and "Amlodipin 5 mg" in page.get_data(as_text=True)


@pytest.mark.parametrize("account, code, reason", [
    (AN, AN_NARCOTIC, "controlled_type"),
    (HA, HA_PSYCHOTROPIC, "controlled_type"),
    (NGOC, NGOC_EXPIRED, "collection_window_passed"),
    (DUNG, DUNG_DONE, "fully_dispensed"),
])
def test_kiosk_refuses_controlled_expired_and_fully_dispensed(app, vneid_login, csrf_token, account, code, reason):
    client = app.test_client()
    vneid_login(app, client, account)
    response = _lookup(client, csrf_token, code)
    assert response.status_code == 403 and f'data-reason="{reason}"' in response.get_data(as_text=True)
    assert _order(client, csrf_token, code).status_code == 403
    assert any(f'"{reason}"' in e and '"refused"' in e for e in audit_entries(app))


def test_narcotic_prescription_is_refused_and_sent_to_the_counter(app, vneid_login, csrf_token):
    client = app.test_client()
    vneid_login(app, client, AN)
    text = _lookup(client, csrf_token, AN_NARCOTIC).get_data(as_text=True)
    assert "dược sĩ" in text and "Morphin" not in text


def test_basic_assurance_cannot_look_up_prescriptions(app, vneid_login, csrf_token):
    client = app.test_client()
    vneid_login(app, client, MINH, level=1)
    assert client.get("/s/healthcare/rx").status_code != 200
    assert _lookup(client, csrf_token, "48010MH3T7K2-c").status_code != 200


def test_quantities_beyond_remaining_or_stock_are_refused(app, vneid_login, csrf_token):
    client = app.test_client()
    vneid_login(app, client, AN)
    assert _order(client, csrf_token, AN_RX, AMOX500=25, OMEP20=0).status_code == 400   # stock is 20
    assert _order(client, csrf_token, AN_RX, AMOX500=0, OMEP20=15).status_code == 400   # 14 prescribed
    assert _order(client, csrf_token, AN_RX, AMOX500=0, OMEP20=0).status_code == 400


def test_partial_dispensing_across_two_visits(app, vneid_login, login_staff, csrf_token, payments, station_clock):
    national, stock = _connectors(app)
    # Visit 1: 20 of 30 capsules (all the stock) and all 14 tablets.
    client = app.test_client()
    vneid_login(app, client, AN)
    order_id = _order_id(_order(client, csrf_token, AN_RX, AMOX500=20, OMEP20=14))
    page = client.get(f"/s/healthcare/rx/orders/{order_id}").get_data(as_text=True)
    assert 'data-state="awaiting_approval"' in page
    early = client.post(f"/s/healthcare/rx/orders/{order_id}/pay", data={"attempt": "x" * 16,
                                                                        "csrf_token": csrf_token(client)})
    assert early.status_code == 400 and not payments.started           # no payment before approval
    _approve(app, login_staff, csrf_token, order_id)
    paying = _pay(client, csrf_token, order_id)
    assert paying.status_code == 303 and paying.headers["Location"] == payments.started[-1]["payment"].pay_url
    started = payments.started[-1]
    assert started["amount_vnd"] == 20 * 1500 + 14 * 1200 and started["reference"] == f"rxorder:{order_id}"
    pickup = dict(started["receipt_lines"])["Mã nhận thuốc"]
    assert re.fullmatch(r"\d{6}", pickup)
    payments.settle(app)
    page = client.get(f"/s/healthcare/rx/orders/{order_id}").get_data(as_text=True)
    assert 'data-state="paid"' in page and pickup in page
    assert national.reports[-1][:2] == (AN_RX, {"AMOX500": 20, "OMEP20": 14})
    assert stock.product("AMOX500").stock == 0
    # Visit 2, the next day, after a restock: the remaining 10 capsules.
    station_clock.advance(86400)
    stock.set_stock("AMOX500", 50)
    client = app.test_client()
    vneid_login(app, client, AN)
    text = _lookup(client, csrf_token, AN_RX).get_data(as_text=True)
    assert re.search(r'data-drug="AMOX500">.*?class="remaining">10<', text, re.S)
    assert re.search(r'data-drug="OMEP20">.*?class="remaining">0<', text, re.S)
    assert _order(client, csrf_token, AN_RX, AMOX500=11).status_code == 400
    second = _order_id(_order(client, csrf_token, AN_RX, AMOX500=10, OMEP20=0))
    _approve(app, login_staff, csrf_token, second)
    _pay(client, csrf_token, second)
    payments.settle(app)
    assert national.reports[-1][:2] == (AN_RX, {"AMOX500": 10})
    finished = _lookup(client, csrf_token, AN_RX)
    assert finished.status_code == 403 and 'data-reason="fully_dispensed"' in finished.get_data(as_text=True)
    actions = [re.search(r'"action":"([^"]+)"', e).group(1) for e in audit_entries(app)]
    assert actions.count("healthcare.dispensing_post") == 2 and actions.count("healthcare.rx_approve") == 2


def test_rejected_order_cannot_be_paid_and_failed_payment_can_be_retried(app, vneid_login, login_staff,
                                                                        csrf_token, payments):
    client = app.test_client()
    vneid_login(app, client, AN)
    order_id = _order_id(_order(client, csrf_token, AN_RX, AMOX500=5, OMEP20=0))
    _approve(app, login_staff, csrf_token, order_id)
    _pay(client, csrf_token, order_id)
    payments.settle(app, state="FAILED")
    assert 'data-state="approved"' in client.get(f"/s/healthcare/rx/orders/{order_id}").get_data(as_text=True)
    assert _pay(client, csrf_token, order_id).status_code == 303
    national, _ = _connectors(app)
    assert national.reports == []
    # another prescription order, rejected by the pharmacist
    other = app.test_client()
    vneid_login(app, other, DUNG)
    rejected = _order_id(_order(other, csrf_token, "38005DV7K3L1-c", LOSA50=30, ATOR20=30))
    _approve(app, login_staff, csrf_token, rejected, decision="reject")
    page = other.get(f"/s/healthcare/rx/orders/{rejected}").get_data(as_text=True)
    assert 'data-state="rejected"' in page and 'name="attempt"' not in page
    refused = other.post(f"/s/healthcare/rx/orders/{rejected}/pay",
                         data={"attempt": "y" * 16, "csrf_token": csrf_token(other)})
    assert refused.status_code == 400


def test_pharmacist_pages_need_the_permission_and_orders_stay_private(app, vneid_login, login_citizen,
                                                                      csrf_token):
    client = app.test_client()
    vneid_login(app, client, AN)
    order_id = _order_id(_order(client, csrf_token, AN_RX, AMOX500=5, OMEP20=0))
    citizen = app.test_client()
    login_citizen(citizen)
    assert citizen.get("/s/healthcare/pharmacist").status_code == 403
    assert citizen.get(f"/s/healthcare/rx/orders/{order_id}").status_code == 404
    assert citizen.post(f"/s/healthcare/pharmacist/orders/{order_id}/approve",
                        data={"csrf_token": csrf_token(citizen)}).status_code == 403


def test_paid_quantities_count_while_the_national_system_is_unreachable(app, vneid_login, login_staff, csrf_token,
                                                                       payments):
    national, _ = _connectors(app)
    client = app.test_client()
    vneid_login(app, client, AN)
    order_id = _order_id(_order(client, csrf_token, AN_RX, AMOX500=20, OMEP20=14))
    _approve(app, login_staff, csrf_token, order_id)
    _pay(client, csrf_token, order_id)
    national.available = False
    payments.settle(app)
    national.available = True
    text = _lookup(client, csrf_token, AN_RX).get_data(as_text=True)
    assert re.search(r'data-drug="AMOX500">.*?class="remaining">10<', text, re.S)       # not 30 again
    pharmacist = app.test_client()
    login_staff(pharmacist, roles=("pharmacist",))
    assert "Gửi lại hệ thống quốc gia" in pharmacist.get("/s/healthcare/pharmacist").get_data(as_text=True)
    pharmacist.post(f"/s/healthcare/pharmacist/orders/{order_id}/post", data={"csrf_token": csrf_token(pharmacist)})
    assert national.reports[-1][:2] == (AN_RX, {"AMOX500": 20, "OMEP20": 14})
    text = _lookup(client, csrf_token, AN_RX).get_data(as_text=True)
    assert re.search(r'data-drug="AMOX500">.*?class="remaining">10<', text, re.S)       # counted once


def test_a_pharmacist_opening_an_order_shows_in_who_looked_at_my_data_and_the_audit_log(app, vneid_login,
                                                                                        login_staff, csrf_token):
    client = app.test_client()
    vneid_login(app, client, AN)
    order_id = _order_id(_order(client, csrf_token, AN_RX, AMOX500=20, OMEP20=14))
    before = client.get("/my-data/access-log", headers={"Accept": "application/json"}).json["access_log"]
    pharmacist = app.test_client()
    login_staff(pharmacist, roles=("pharmacist",), username="duoc-si-lan")
    assert pharmacist.post(f"/s/healthcare/pharmacist/orders/{order_id}/approve",
                           data={"csrf_token": csrf_token(pharmacist)}).status_code == 303
    log = client.get("/my-data/access-log", headers={"Accept": "application/json"}).json["access_log"]
    new = log[:len(log) - len(before)]
    assert [(r["who"], r["plugin"], r["category"], r["table"]) for r in new] == [
        ("staff:duoc-si-lan", "healthcare", "health", "healthcare_rx_order")]
    assert "Dược sĩ xem đơn thuốc" in new[0]["purpose"]["vi"]
    page = client.get("/my-data/").get_data(as_text=True)
    assert "staff:duoc-si-lan" in page or "duoc-si-lan" in page
    reads = [e for e in audit_entries(app) if '"personal_data.staff_read"' in e]
    assert len(reads) == 1 and f'"healthcare_rx_order:{order_id}"' in reads[0] and '"staff:duoc-si-lan"' in reads[0]


def _raw(app, table):
    from core import db

    with app.app_context():
        rows = db.database.obj.execute_sql(f"SELECT * FROM {table}").fetchall()  # nosec B608  # test table
    return "".join(repr(r) + "".join(bytes(v).decode("latin-1") for v in r if isinstance(v, bytes | memoryview))
                   for r in rows)


def test_a_dispensed_order_keeps_the_code_and_medicines_encrypted_at_rest(app, vneid_login, login_staff,
                                                                         csrf_token, payments):
    client = app.test_client()
    vneid_login(app, client, AN)
    order_id = _order_id(_order(client, csrf_token, AN_RX, AMOX500=20, OMEP20=14))
    _approve(app, login_staff, csrf_token, order_id)
    _pay(client, csrf_token, order_id)
    payments.settle(app)
    page = client.get(f"/s/healthcare/rx/orders/{order_id}").get_data(as_text=True)
    assert 'data-state="paid"' in page
    raw = _raw(app, "healthcare_rx_order")
    for clear in (AN_RX, "AMOX500", "OMEP20"):
        assert clear not in raw, clear
    # still found by its code (blind index): the second visit sees what was sold here
    text = _lookup(client, csrf_token, AN_RX).get_data(as_text=True)
    assert re.search(r'data-drug="OMEP20">.*?class="remaining">0<', text, re.S)
