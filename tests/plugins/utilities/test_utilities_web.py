"""Utilities pages: unpaid bills with the tier breakdown, pay one or all, saved codes with consent."""

from __future__ import annotations

import re
import secrets

import pytest

from hal.sim import control
from sdk.testing import audit_entries


@pytest.fixture
def station(make_station):
    terminal = f"sim://payment_terminal?profile=ok&instance=util-{secrets.token_hex(4)}"
    app = make_station(plugins=["utilities"], devices=[
        {"id": "terminal-1", "kind": "payment_terminal", "url": terminal,
         "options": {"ack_timeout": 0.5, "result_timeout": 1.0}}])
    return app, terminal


@pytest.fixture
def kiosk(station, login_citizen):
    app, terminal = station
    client = app.test_client()
    citizen_id = login_citizen(client, assurance="basic")
    return app, client, terminal, citizen_id


def lookup(client, csrf_token, code, kind="electricity"):
    return client.post("/s/utilities/lookup", data={"kind": kind, "code": code, "csrf_token": csrf_token(client)})


def pay(client, page, csrf_token, bills=None, everything=False):
    attempt = re.search(r'name="attempt" value="([^"]+)"', page).group(1)
    kind = re.search(r'name="kind" value="([^"]+)"', page).group(1)
    code = re.search(r'name="code" value="([^"]+)"', page).group(1)
    data = {"attempt": attempt, "kind": kind, "code": code, "csrf_token": csrf_token(client)}
    if everything:
        data["all"] = "1"
    else:
        data["bill"] = bills
    started = client.post("/s/utilities/pay", data=data)
    assert started.status_code == 302, started.get_data(as_text=True)[:300]
    payment_id = int(started.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    client.application.extensions["payments_cards"].wait_idle()  # the card worker
    return payment_id


def test_unpaid_bills_show_period_consumption_tiers_amount_and_due_date(kiosk, csrf_token):
    _, client, _, _ = kiosk
    page = lookup(client, csrf_token, "PD01000123456")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.findall(r'data-bill="([^"]+)"', text) == ["HDD202504-123456", "HDD202505-123456"]
    assert "Tổng công ty Điện lực TP Hà Nội" in text and "04/2025" in text and "20/05/2025" in text
    assert "188 kWh" in text and "1.984 ₫" in text and "444.031 ₫" in text and text.count('class="tier"') >= 6
    assert "mô phỏng" in text


def test_wrong_code_is_refused_with_an_example(kiosk, csrf_token):
    _, client, _, _ = kiosk
    refused = lookup(client, csrf_token, "PB0502005490")
    assert refused.status_code == 400 and "13 ký tự" in refused.get_data(as_text=True)


def test_pay_one_bill_then_all_remaining(kiosk, csrf_token):
    app, client, terminal, _ = kiosk
    page = lookup(client, csrf_token, "PD01000123456").get_data(as_text=True)
    first = pay(client, page, csrf_token, bills=["HDD202504-123456"])
    after = lookup(client, csrf_token, "PD01000123456").get_data(as_text=True)
    assert re.findall(r'data-bill="([^"]+)"', after) == ["HDD202505-123456"]
    second = pay(client, after, csrf_token, everything=True)
    done = lookup(client, csrf_token, "PD01000123456").get_data(as_text=True)
    assert 'data-bill="' not in done and "Không còn hoá đơn nợ" in done
    charges = [e.amount for e in control.simulator(terminal).approved_charges()]
    assert charges == [444_031, charges[1]] and len(charges) == 2
    receipt = client.get(f"/pay/{first}/receipt").get_data(as_text=True)
    assert "PD01000123456" in receipt and "HDD202504-123456" in receipt
    paid = client.get("/s/utilities/paid").get_data(as_text=True)
    assert re.findall(r'data-bill="([^"]+)"', paid) == ["HDD202505-123456", "HDD202504-123456"]
    assert len(audit_entries(app, action="utilities.bills.paid")) == 2
    assert second != first


def test_water_bill_shows_vat_and_wastewater_fee(kiosk, csrf_token):
    _, client, _, _ = kiosk
    text = lookup(client, csrf_token, "NSHN0012345", kind="water").get_data(as_text=True)
    assert "17 m³" in text and "177.445 ₫" in text and "nước thải" in text


def test_saving_a_code_needs_the_consent_box_and_is_encrypted_at_rest(kiosk, csrf_token):
    app, client, _, citizen_id = kiosk
    form = {"kind": "electricity", "code": "PB05020054904", "csrf_token": csrf_token(client)}
    page = lookup(client, csrf_token, "PB05020054904").get_data(as_text=True)
    assert 'id="consent"' in page and "Lưu mã khách hàng điện, nước" in page
    refused = client.post("/s/utilities/codes", data=form)
    assert refused.status_code == 400
    saved = client.post("/s/utilities/codes", data={**form, "consent": "yes"})
    assert saved.status_code == 302
    index = client.get("/s/utilities/").get_data(as_text=True)
    assert 'data-code="PB05020054904"' in index
    with app.app_context():
        from core.db import database

        raw = database.obj.execute_sql("SELECT code FROM utilities_saved_code").fetchall()
    entries = audit_entries(app)
    assert b"PB05020054904" not in bytes(raw[0][0])
    assert any(e["action"] == "consent.grant" and "utilities:personal" in str(e) for e in entries)
    assert audit_entries(app, action="utilities.code.save")
    assert not any("PB05020054904" in str(e) for e in entries)
    assert 'id="consent"' not in lookup(client, csrf_token, "PE04000765432").get_data(as_text=True)


def test_withdrawn_consent_hides_saved_codes_and_they_can_be_removed(kiosk, csrf_token):
    app, client, _, citizen_id = kiosk
    client.post("/s/utilities/codes", data={"kind": "water", "code": "SWC0045678", "consent": "yes",
                                            "csrf_token": csrf_token(client)})
    code_id = int(re.search(r"/s/utilities/codes/(\d+)/delete", client.get("/s/utilities/").get_data(as_text=True))
                  .group(1))
    assert 'data-code="SWC0045678"' in client.get("/s/utilities/").get_data(as_text=True)
    client.post("/my-data/consents/utilities/personal/withdraw", data={"csrf_token": csrf_token(client)})
    with app.app_context():
        from core.privacy.consent import has_consent

        assert not has_consent(citizen_id, "utilities", "personal")
    assert 'data-code="SWC0045678"' not in client.get("/s/utilities/").get_data(as_text=True)
    deleted = client.post(f"/s/utilities/codes/{code_id}/delete", data={"csrf_token": csrf_token(client)})
    assert deleted.status_code == 302
    assert client.post(f"/s/utilities/codes/{code_id}/delete",
                       data={"csrf_token": csrf_token(client)}).status_code == 404


def test_two_page_loads_of_a_bill_set_then_two_payments_make_one_payment(kiosk, csrf_token):
    """Two tabs on the same bills: the second "pay all" continues the first payment; each bill
    is paid once, and a bill held by an open payment is shown as being paid, not offered again."""
    app, client, terminal, _ = kiosk
    tab1 = lookup(client, csrf_token, "PD01000123456").get_data(as_text=True)
    tab2 = lookup(client, csrf_token, "PD01000123456").get_data(as_text=True)

    def press(page):
        return client.post("/s/utilities/pay", data={  # as a browser sends "pay all": the ticked bills too
            "attempt": re.search(r'name="attempt" value="([^"]+)"', page).group(1), "kind": "electricity",
            "code": "PD01000123456", "all": "1", "bill": re.findall(r'name="bill" value="([^"]+)"', page),
            "csrf_token": csrf_token(client)})

    first = press(tab1).headers["Location"]
    assert re.fullmatch(r"/pay/\d+", first)
    assert press(tab2).headers["Location"] == first + "?resume=1"
    shown = lookup(client, csrf_token, "PD01000123456").get_data(as_text=True)
    assert re.findall(r'data-held-bill="([^"]+)"', shown) == ["HDD202504-123456", "HDD202505-123456"]
    assert 'id="pay-all"' not in shown and "Tiếp tục thanh toán" in shown
    payment_id = int(first.rsplit("/", 1)[1])
    client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    client.application.extensions["payments_cards"].wait_idle()  # the card worker
    assert press(tab2).headers["Location"] == first + "?resume=1"  # paid: the receipt page, no new payment
    assert len(control.simulator(terminal).approved_charges()) == 1
    with app.app_context():
        from core.payments.models import PaymentRecord
        from plugins.utilities.models import BillPayment

        assert PaymentRecord.select().count() == 1
        assert sorted(b.bill_id for b in BillPayment.select()) == ["HDD202504-123456", "HDD202505-123456"]


def test_the_customer_name_and_address_from_the_bill_are_shown_before_paying(kiosk, csrf_token):
    _, client, _, _ = kiosk
    text = lookup(client, csrf_token, "PD01000123456").get_data(as_text=True)
    customer = text.index('id="customer"')
    assert customer < text.index('id="bills-form"')          # checked before the pay buttons
    assert "NGUYỄN VĂN AN" in text and "phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội" in text
    assert "Kiểm tra tên và địa chỉ trên hoá đơn" in text
    water = lookup(client, csrf_token, "SWC0045678", kind="water").get_data(as_text=True)
    assert "VÕ THỊ GIANG" in water


def test_a_connector_that_does_not_know_the_customer_shows_no_card():
    from plugins.utilities.connector import BillingConnector

    assert BillingConnector.customer(object(), "PD01000123456") is None   # the contract's default
