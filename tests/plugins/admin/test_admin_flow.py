"""A procedure end to end — identity → pre-filled form → attachment → fee → dossier code →
status change — and the rules around it (read-only identity, ownership, statuses, notices)."""

from __future__ import annotations

import re

import pytest

from hal.sim import control
from sdk.testing import audit_entries

DAY = 24 * 3600


def _start(client, csrf_token, code, agree=True):
    data = {"csrf_token": csrf_token(client)}
    if agree:
        data["agree"] = "yes"
    response = client.post(f"/s/admin/procedures/{code}/start", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/dossiers/(\d+)/form", response.headers["Location"]).group(1))


def _scanner(app):
    url = next(d["url"] for d in app.extensions["station"].devices.statuses() if d["kind"] == "document_scanner")
    return control.simulator(url)


def _audit(app):
    return audit_entries(app)


def test_temporary_residence_end_to_end_identity_form_scan_fee_code_and_status_change(
        admin_app, vneid_login, csrf_token, station_clock):
    app = admin_app()
    kiosk = app.test_client()
    vneid_login(kiosk, account=1)  # Trần Thị Bích Ngọc, 079192999002

    dossier_id = _start(kiosk, csrf_token, "1.004194")

    form = kiosk.get(f"/s/admin/dossiers/{dossier_id}/form").get_data(as_text=True)
    assert re.search(r'name="full_name" value="Trần Thị Bích Ngọc" readonly', form)
    assert re.search(r'name="id_number" value="079192999002" readonly', form)
    assert 'name="date_of_birth" value="02/11/1992" readonly' in form

    filled = {"csrf_token": csrf_token(kiosk), "full_name": "Someone Else", "id_number": "001085999001",
              "temporary_address": "Số 5 ngõ Thử, phường Thử Nghiệm",
              "permanent_residence": "Số 34 phố Mẫu, TP Hồ Chí Minh", "from_date": "01/01/2030", "months": "12",
              "phone": "0912345678"}
    assert kiosk.post(f"/s/admin/dossiers/{dossier_id}/form", data=filled).status_code == 302

    scanned = kiosk.post(f"/s/admin/dossiers/{dossier_id}/documents/proof_of_residence/scan",
                         data={"csrf_token": csrf_token(kiosk)})
    assert scanned.status_code == 302 and _scanner(app).scans == 1
    documents = kiosk.get(f"/s/admin/dossiers/{dossier_id}/documents").get_data(as_text=True)
    assert "image/jpeg" in documents

    review = kiosk.get(f"/s/admin/dossiers/{dossier_id}/review").get_data(as_text=True)
    assert "Trần Thị Bích Ngọc" in review and "Someone Else" not in review and "7.000 ₫" in review
    assert "Nơi thường trú (tự khai)" in review  # VNeID does not carry the residence
    attempt = re.search(r'name="idempotency_key" value="([^"]+)"', review).group(1)
    to_pay = kiosk.post(f"/s/admin/dossiers/{dossier_id}/submit",
                        data={"csrf_token": csrf_token(kiosk), "idempotency_key": attempt})
    assert to_pay.status_code == 302
    pay_url = to_pay.headers["Location"]
    paid = kiosk.post(f"{pay_url}/card", data={"csrf_token": csrf_token(kiosk)})
    kiosk.application.extensions["payments_cards"].wait_idle()  # the card worker
    assert paid.status_code == 302

    # the payment pages lead back to the dossier, which says the fee is paid and files itself
    payment_page = kiosk.get(paid.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert f"/s/admin/dossiers/{dossier_id}/review?paid=1" in payment_page
    review = kiosk.get(f"/s/admin/dossiers/{dossier_id}/review?paid=1").get_data(as_text=True)
    assert 'id="after-payment"' in review and "Đã nộp lệ phí" in review and "data-auto-submit" in review
    assert "Nộp hồ sơ CHƯA" not in review
    filed = kiosk.post(f"/s/admin/dossiers/{dossier_id}/submit", data={"csrf_token": csrf_token(kiosk)})
    assert filed.headers["Location"].endswith(f"/s/admin/dossiers/{dossier_id}/receipt")
    receipt = kiosk.get(f"/s/admin/dossiers/{dossier_id}/receipt").get_data(as_text=True)
    code = re.search(r'id="dossier-code" class="mono">([^<]+)<', receipt).group(1)
    assert re.fullmatch(r"MP-\d{6}-\d{4}", code)
    assert "Ngày hẹn trả kết quả" in receipt and "Hệ thống mô phỏng" in receipt

    printed = kiosk.post(f"/s/admin/dossiers/{dossier_id}/receipt/print", data={"csrf_token": csrf_token(kiosk)})
    assert printed.status_code == 200 and 'id="receipt-printed"' in printed.get_data(as_text=True)
    printer = next(d["url"] for d in app.extensions["station"].devices.statuses() if d["kind"] == "receipt_printer")
    slip = control.simulator(printer).receipts[-1]  # after the payment receipt
    text = "\n".join(line.text if hasattr(line, "text") else str(line) for line in slip.lines)
    assert "BIÊN NHẬN HỒ SƠ" in text and code in text and "Ngày hẹn trả kết quả" in text and "7.000 ₫" in text
    assert re.search(r"Ngày hẹn trả kết quả: \d{2}/\d{2}/\d{4}", text)

    actions = [(e["action"], e["outcome"]) for e in _audit(app) if e["plugin"] == "admin"]
    assert ("admin.fee_paid", "ok") in actions and ("admin.dossier_submitted", "ok") in actions
    assert "Trần" not in str(_audit(app)) and "079192999002" not in str(_audit(app))

    assert 'data-status="received"' in kiosk.get(f"/s/admin/track?code={code}").get_data(as_text=True)
    assert "cập nhật" not in kiosk.get("/").get_data(as_text=True)

    station_clock.advance(60)
    mine = kiosk.get("/s/admin/mine").get_data(as_text=True)
    assert 'id="notices"' in mine and "Đang giải quyết" in mine
    assert "1 hồ sơ có cập nhật mới" in kiosk.get("/").get_data(as_text=True)
    kiosk.post("/s/admin/mine/seen", data={"csrf_token": csrf_token(kiosk)})
    assert 'id="notices"' not in kiosk.get("/s/admin/mine").get_data(as_text=True)

    station_clock.advance(60)
    mine = kiosk.get("/s/admin/mine").get_data(as_text=True)
    assert f'data-code="{code}" data-status="done"' in mine and 'id="notices"' in mine

    home = app.extensions["station"].config.home
    raw = b"".join(p.read_bytes() for p in home.glob("station.db*"))
    assert "Bích Ngọc".encode() not in raw and b"Th\xe1\xbb\xad Nghi\xe1\xbb\x87m" not in raw


def test_free_birth_registration_without_the_certificate_ends_needing_more_documents(
        admin_app, vneid_login, csrf_token, station_clock):
    app = admin_app()
    kiosk = app.test_client()
    vneid_login(kiosk, account=0)
    dossier_id = _start(kiosk, csrf_token, "1.001193")
    kiosk.post(f"/s/admin/dossiers/{dossier_id}/form", data={
        "csrf_token": csrf_token(kiosk), "requester_residence": "Số 12 phố Mẫu", "relationship": "father", "child_name": "Nguyễn Văn Bé",
        "child_date_of_birth": "01/09/2026", "child_sex": "Nam", "place_of_birth": "Bệnh viện Thử Nghiệm"})
    review = kiosk.get(f"/s/admin/dossiers/{dossier_id}/review").get_data(as_text=True)
    assert 'id="missing"' in review and "Miễn phí" in review
    kiosk.post(f"/s/admin/dossiers/{dossier_id}/submit", data={"csrf_token": csrf_token(kiosk)})
    code = re.search(r'id="dossier-code" class="mono">([^<]+)<',
                     kiosk.get(f"/s/admin/dossiers/{dossier_id}/receipt").get_data(as_text=True)).group(1)
    station_clock.advance(60)
    kiosk.get("/")
    station_clock.advance(60)
    assert 'data-status="needs_more_documents"' in kiosk.get(f"/s/admin/track?code={code}").get_data(as_text=True)


def test_a_scripted_rejection_is_shown_as_rejected(admin_app, vneid_login, csrf_token, station_clock):
    app = admin_app()
    kiosk = app.test_client()
    vneid_login(kiosk)
    dossier_id = _start(kiosk, csrf_token, "1.001193")
    kiosk.post(f"/s/admin/dossiers/{dossier_id}/form", data={
        "csrf_token": csrf_token(kiosk), "requester_residence": "Số 12 phố Mẫu", "relationship": "father", "child_name": "Bé", "child_date_of_birth":
        "01/09/2026", "child_sex": "Nữ", "place_of_birth": "Nhà"})
    kiosk.post(f"/s/admin/dossiers/{dossier_id}/submit", data={"csrf_token": csrf_token(kiosk)})
    with app.app_context():
        from plugins.admin.connector import portal
        from plugins.admin.models import Dossier

        code = Dossier.get_by_id(dossier_id).dossier_code
        portal().script_outcome(code, "rejected")
    station_clock.advance(60)
    kiosk.get("/")
    station_clock.advance(60)
    assert "Bị từ chối" in kiosk.get("/s/admin/mine").get_data(as_text=True)


@pytest.mark.parametrize("lang, words", [("vi", "Vui lòng nhập mục này."), ("en", "Please fill in this field.")])
def test_validation_messages_are_in_the_citizens_language(admin_app, vneid_login, csrf_token, lang, words):
    kiosk = admin_app().test_client()
    vneid_login(kiosk)
    dossier_id = _start(kiosk, csrf_token, "1.004194")
    kiosk.post("/lang", data={"csrf_token": csrf_token(kiosk), "lang": lang, "next": "/"})
    response = kiosk.post(f"/s/admin/dossiers/{dossier_id}/form", data={
        "csrf_token": csrf_token(kiosk), "from_date": "31/02/2030", "months": "30", "phone": "12"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and words in page
    assert ("Ngày không hợp lệ" if lang == "vi" else "Not a valid date") in page
    assert ("từ 1 đến 24" if lang == "vi" else "between 1 and 24") in page


def test_another_citizen_cannot_see_or_change_the_dossier(admin_app, vneid_login, csrf_token, login_citizen):
    app = admin_app()
    owner = app.test_client()
    vneid_login(owner)
    dossier_id = _start(owner, csrf_token, "1.004222")
    other = app.test_client()
    login_citizen(other)
    assert other.get(f"/s/admin/dossiers/{dossier_id}/form").status_code == 404
    assert other.post(f"/s/admin/dossiers/{dossier_id}/documents/proof_of_residence/phone",
                      data={"csrf_token": csrf_token(other)}).status_code == 404


def test_starting_needs_login_high_assurance_and_explicit_consent(admin_app, vneid_login, csrf_token, login_citizen):
    app = admin_app()
    visitor = app.test_client()
    assert visitor.post("/s/admin/procedures/1.004222/start",
                        data={"csrf_token": csrf_token(visitor)}).status_code in (302, 401)
    basic = app.test_client()
    login_citizen(basic, assurance="basic")
    assert basic.post("/s/admin/procedures/1.004222/start", data={"csrf_token": csrf_token(basic)}).status_code == 403
    kiosk = app.test_client()
    vneid_login(kiosk)
    page = kiosk.get("/s/admin/procedures/1.004222").get_data(as_text=True)
    assert 'id="consent"' in page
    assert kiosk.post("/s/admin/procedures/1.004222/start", data={"csrf_token": csrf_token(kiosk)}).status_code == 400
    _start(kiosk, csrf_token, "1.004222")
    assert 'id="consent"' not in kiosk.get("/s/admin/procedures/1.004222").get_data(as_text=True)


@pytest.mark.parametrize("profile, status, words", [("no_document", 409, "Chưa có giấy tờ trên máy quét"),
                                                     ("paper_jam", 409, "kẹt giấy")])
def test_scanner_faults_are_explained_and_nothing_is_attached(admin_app, vneid_login, csrf_token, profile,
                                                              status, words):
    kiosk = admin_app(scanner_profile=profile).test_client()
    vneid_login(kiosk)
    dossier_id = _start(kiosk, csrf_token, "1.004222")
    response = kiosk.post(f"/s/admin/dossiers/{dossier_id}/documents/proof_of_residence/scan",
                          data={"csrf_token": csrf_token(kiosk)})
    assert response.status_code == status and words in response.get_data(as_text=True)
    assert "Đã đính kèm" not in kiosk.get(f"/s/admin/dossiers/{dossier_id}/documents").get_data(as_text=True)


def test_two_page_loads_of_the_review_then_two_payments_pay_the_fee_once(admin_app, vneid_login, csrf_token):
    app = admin_app()
    kiosk = app.test_client()
    vneid_login(kiosk, account=1)
    dossier_id = _start(kiosk, csrf_token, "1.004194")
    kiosk.post(f"/s/admin/dossiers/{dossier_id}/form", data={
        "csrf_token": csrf_token(kiosk), "temporary_address": "Số 5 ngõ Thử, phường Thử Nghiệm",
        "permanent_residence": "Số 34 phố Mẫu, TP Hồ Chí Minh", "from_date": "01/01/2030", "months": "12",
        "phone": "0912345678"})
    kiosk.post(f"/s/admin/dossiers/{dossier_id}/documents/proof_of_residence/scan", data={"csrf_token": csrf_token(kiosk)})
    tabs = [re.search(r'name="idempotency_key" value="([^"]+)"',
                      kiosk.get(f"/s/admin/dossiers/{dossier_id}/review").get_data(as_text=True)).group(1)
            for _ in range(2)]
    first, second = (kiosk.post(f"/s/admin/dossiers/{dossier_id}/submit",
                                data={"csrf_token": csrf_token(kiosk), "idempotency_key": key}) for key in tabs)
    assert re.fullmatch(r"/pay/\d+", first.headers["Location"])
    assert second.headers["Location"] == first.headers["Location"] + "?resume=1"
    for _ in range(2):
        kiosk.post(f"{first.headers['Location']}/card", data={"csrf_token": csrf_token(kiosk)})
    kiosk.application.extensions["payments_cards"].wait_idle()  # the card worker
    with app.app_context():
        from core.payments.models import PaymentRecord

        assert [(p.state, int(p.amount_vnd)) for p in PaymentRecord.select()] == [("SUCCEEDED", 7_000)]
    started = [e for e in _audit(app) if e["action"] == "admin.fee_payment_started"]
    assert len(started) == 1
