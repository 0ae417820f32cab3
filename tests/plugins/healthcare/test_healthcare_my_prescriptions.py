"""Prescriptions without typing a code (issue 14): "my prescriptions" from the national system
for the identified citizen, the prescription's QR read by the document scanner, and the
medicines itemised on the receipt."""

from __future__ import annotations

import re
import secrets

import pytest
from healthcare_helpers import AN, NGOC

from hal.protocols.document_scanner import Code
from hal.sim import control

AN_RX = "01013AB12CD3-c"
AN_NARCOTIC = "01013NK45MX7-n"


@pytest.fixture
def scanner_url():
    return f"sim://document_scanner?scan_s=0.05&instance=rx-{secrets.token_hex(4)}"


@pytest.fixture
def app(health_station, scanner_url):
    return health_station([{"id": "scanner-1", "kind": "document_scanner", "url": scanner_url,
                            "options": {"scan_timeout": 2.0, "answer_timeout": 0.5}}])


def test_my_prescriptions_are_listed_without_typing_a_code(app, vneid_login, csrf_token):
    client = app.test_client()
    vneid_login(app, client, AN)
    page = client.get("/s/healthcare/rx").get_data(as_text=True)
    assert "Đơn thuốc của tôi" in page and page.count('class="rx-card') == 3
    assert "Amoxicillin 500 mg" in page and "Omeprazol 20 mg" in page and "Bệnh viện Đa khoa Mô phỏng Hà Nội" in page
    assert "Uống 1 viên × 3 lần/ngày sau ăn" in page and re.search(r"kê ngày \d\d/\d\d/\d{4}", page)
    assert "Morphin" in page and "chỉ được cấp trực tiếp bởi dược sĩ" in page      # listed, not buyable here
    assert f'value="{AN_NARCOTIC}"' not in page
    assert "079192999002" not in page and "Amlodipin" not in page                    # nobody else's
    chosen = client.post("/s/healthcare/rx/lookup", data={"code": AN_RX, "csrf_token": csrf_token(client)})
    assert chosen.status_code == 200 and "qty_AMOX500" in chosen.get_data(as_text=True)


def test_another_citizen_sees_only_theirs(app, vneid_login):
    client = app.test_client()
    vneid_login(app, client, NGOC)
    page = client.get("/s/healthcare/rx").get_data(as_text=True)
    assert "Amlodipin 5 mg" in page and "Amoxicillin" not in page


def test_the_list_says_when_the_national_system_does_not_answer(app, vneid_login):
    from plugins.healthcare.connector import national_prescriptions

    client = app.test_client()
    vneid_login(app, client, AN)
    with app.test_request_context():
        national_prescriptions().available = False
    page = client.get("/s/healthcare/rx")
    assert page.status_code == 200 and "chưa trả lời" in page.get_data(as_text=True)
    with app.test_request_context():
        national_prescriptions().available = True


def test_the_prescription_qr_is_read_by_the_document_scanner(app, vneid_login, csrf_token, scanner_url):
    client = app.test_client()
    vneid_login(app, client, AN)
    client.get("/s/healthcare/rx")
    control.simulator(scanner_url).place_document(codes=[Code("qr", AN_RX.encode())])
    scanned = client.post("/s/healthcare/rx/scan", data={"csrf_token": csrf_token(client)})
    assert scanned.status_code == 200 and "qty_AMOX500" in scanned.get_data(as_text=True)


def test_a_page_without_a_prescription_qr_or_no_page_asks_again_in_place(app, vneid_login, csrf_token, scanner_url):
    client = app.test_client()
    vneid_login(app, client, AN)
    client.get("/s/healthcare/rx")
    control.simulator(scanner_url).place_document(codes=[Code("qr", b"https://example.com/not-a-prescription")])
    none = client.post("/s/healthcare/rx/scan", data={"csrf_token": csrf_token(client)})
    assert none.status_code == 422 and 'id="rx-scan-error"' in none.get_data(as_text=True)
    assert "Đơn thuốc của tôi" in none.get_data(as_text=True)                 # the same page, not a dead end
    control.simulator(scanner_url).remove_document()
    empty = client.post("/s/healthcare/rx/scan", data={"csrf_token": csrf_token(client)})
    assert empty.status_code == 409 and 'id="rx-scan-error"' in empty.get_data(as_text=True)


def test_someone_elses_prescription_scanned_is_refused(app, vneid_login, csrf_token, scanner_url):
    client = app.test_client()
    vneid_login(app, client, AN)
    client.get("/s/healthcare/rx")
    control.simulator(scanner_url).place_document(codes=[Code("qr", b"79013HT90DAY-c")])
    assert client.post("/s/healthcare/rx/scan", data={"csrf_token": csrf_token(client)}).status_code == 403


def test_the_receipt_lines_itemise_the_medicines(app):
    from plugins.healthcare.models import RxOrder
    from plugins.healthcare.views.rx import medicine_receipt_lines

    order = RxOrder(lines=[{"sku": "AMOX500", "qty": 20, "unit_price": 2500, "total": 50000},
                           {"sku": "OMEP20", "qty": 14, "unit_price": 1800, "total": 25200}])
    with app.test_request_context():
        lines = medicine_receipt_lines(order)
    assert lines[0][0].startswith("Amoxicillin 500 mg × 20") and lines[0][1].endswith("= 50.000 ₫")
    assert lines[1][0].startswith("Omeprazol 20 mg × 14")
    assert not any("rxorder" in label + value or "AMOX500" in label + value for label, value in lines)
