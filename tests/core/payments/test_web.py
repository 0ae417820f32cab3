"""The payment pages end to end: a plugin starts a payment, the citizen pays by card or VietQR."""

from __future__ import annotations

import re
import threading

import pytest
from payment_helpers import audit_entries, payee_module, printer_sim, terminal_sim

from core.payments.bank import notification_body, sign_notification
from core.payments.models import PaymentRecord

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def kiosk(pay_station, login_citizen):
    app = pay_station()
    client = app.test_client()
    citizen_id = login_citizen(client, assurance="basic")
    return app, client, citizen_id


def start(client, csrf_token, attempt="attempt-web-0001", amount="150000", reference="fee:1"):
    return client.post("/s/fx_payee/pay", data={"attempt": attempt, "amount": amount, "reference": reference,
                                                "csrf_token": csrf_token(client)})


def payment_id_of(response) -> int:
    return int(re.search(r"/pay/(\d+)$", response.headers["Location"]).group(1))


def test_plugin_payment_page_offers_vietqr_and_card_and_shows_the_amount(kiosk, csrf_token):
    app, client, _ = kiosk
    started = start(client, csrf_token)
    assert started.status_code == 302
    payment_id = payment_id_of(started)
    page = client.get(f"/pay/{payment_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "150.000 ₫" in text and 'id="pay-vietqr"' in text and 'id="pay-card"' in text
    assert "Phí thử nghiệm" in text


def test_same_attempt_posted_twice_is_one_payment(kiosk, csrf_token):
    app, client, _ = kiosk
    assert payment_id_of(start(client, csrf_token)) == payment_id_of(start(client, csrf_token))
    conflict = start(client, csrf_token, amount="999000")
    assert conflict.status_code == 409
    with app.app_context():
        assert PaymentRecord.select().count() == 1


def test_card_payment_ends_on_a_receipt_with_audit_qr_and_take_away_png(kiosk, csrf_token):
    app, client, _ = kiosk
    payment_id = payment_id_of(start(client, csrf_token))
    paid = client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    waiting = paid.headers["Location"]
    assert re.fullmatch(r"/pay/card/[A-Za-z0-9_-]{20,32}", waiting)
    assert app.extensions["payments_cards"].wait_idle()
    assert client.get(waiting).headers["Location"].endswith(f"/pay/{payment_id}/receipt")
    receipt = client.get(f"/pay/{payment_id}/receipt").get_data(as_text=True)
    index = int(re.search(r'data-audit-index="(\d+)"', receipt).group(1))
    assert f'href="http://127.0.0.1:8080/audit/proof/{index}"' in receipt
    assert f"BL{payment_id:08d}" in receipt and "HS-001" in receipt and 'data-print-state="printed"' in receipt
    assert receipt.count('class="vietqr"') == 2
    assert client.get(f"/audit/proof/{index}").status_code == 200
    png = client.get(f"/pay/{payment_id}/receipt.png")
    assert png.mimetype == "image/png" and png.data.startswith(PNG_MAGIC)
    link = re.search(r'(http://127.0.0.1:8080/pay/r/[^"]+\.png)', receipt).group(1)
    anyone = app.test_client().get(link.replace("http://127.0.0.1:8080", ""))
    assert anyone.status_code == 200 and anyone.data.startswith(PNG_MAGIC)
    assert app.test_client().get("/pay/r/forged-token.png").status_code == 404
    assert client.get(f"/s/fx_payee/payments/{payment_id}").json == {
        "id": payment_id, "state": "SUCCEEDED", "receipt_url": f"/pay/{payment_id}/receipt"}
    assert len(printer_sim(app).receipts) == 1


def test_double_tap_on_pay_charges_once(kiosk, csrf_token):
    app, client, _ = kiosk
    payment_id = payment_id_of(start(client, csrf_token))
    token = csrf_token(client)
    results = []

    def tap():
        results.append(client.post(f"/pay/{payment_id}/card", data={"csrf_token": token}).status_code)

    taps = [threading.Thread(target=tap) for _ in range(2)]
    for t in taps:
        t.start()
    for t in taps:
        t.join(30)
    assert app.extensions["payments_cards"].wait_idle()
    client.post(f"/pay/{payment_id}/card", data={"csrf_token": token})  # and once more, afterwards
    app.extensions["payments_cards"].wait_idle()
    assert results == [302, 302]
    assert len(terminal_sim(app).ledger) == 1
    with app.app_context():
        assert PaymentRecord.get_by_id(payment_id).state == "SUCCEEDED"


def test_another_citizen_and_visitors_cannot_see_or_pay_the_payment(kiosk, csrf_token, login_citizen):
    app, client, _ = kiosk
    payment_id = payment_id_of(start(client, csrf_token))
    other = app.test_client()
    login_citizen(other)
    assert other.get(f"/pay/{payment_id}").status_code == 404
    assert other.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(other)}).status_code == 404
    visitor = app.test_client()
    assert visitor.get(f"/pay/{payment_id}", headers={"Accept": "application/json"}).status_code == 401
    assert client.post(f"/pay/{payment_id}/card").status_code == 400  # no CSRF token
    assert terminal_sim(app).ledger == []


def test_vietqr_flow_with_the_simulated_phone_and_the_polling_page(kiosk, csrf_token):
    app, client, _ = kiosk
    payment_id = payment_id_of(start(client, csrf_token, amount="450000"))
    chosen = client.post(f"/pay/{payment_id}/vietqr", data={"csrf_token": csrf_token(client)})
    page = client.get(chosen.headers["Location"]).get_data(as_text=True)
    assert "<svg" in page and "450.000 ₫" in page and 'data-status-url' in page
    assert client.get(f"/pay/{payment_id}/status").json["state"] == "PENDING"
    with app.app_context():
        payload = PaymentRecord.get_by_id(payment_id).qr_payload
    phone = app.test_client()
    shown = phone.get("/pay/sim/bank", query_string={"payload": payload}).get_data(as_text=True)
    assert 'id="confirm-transfer"' in shown and "450.000 ₫" in shown
    confirmed = phone.post("/pay/sim/bank", data={"payload": payload, "csrf_token": csrf_token(phone)})
    assert 'id="transfer-done"' in confirmed.get_data(as_text=True)
    status = client.get(f"/pay/{payment_id}/status").json
    assert status["state"] == "SUCCEEDED" and status["next"] == f"/pay/{payment_id}/result"
    assert [p.id for p in payee_module(app).SETTLED] == [payment_id]
    assert terminal_sim(app).ledger == []


def test_simulated_phone_refuses_a_code_for_another_account(kiosk, csrf_token):
    from core.payments.vietqr import encode_vietqr

    app, _, _ = kiosk
    phone = app.test_client()
    other = encode_vietqr("970415", "123456789", amount=1000, purpose="CS1ABC", dynamic=True)
    refused = phone.post("/pay/sim/bank", data={"payload": other, "csrf_token": csrf_token(phone)})
    assert refused.status_code == 400 and "another account" in refused.get_data(as_text=True)


def test_bank_notification_must_be_signed_and_settles_once(kiosk, csrf_token):
    app, client, _ = kiosk
    payment_id = payment_id_of(start(client, csrf_token))
    client.post(f"/pay/{payment_id}/vietqr", data={"csrf_token": csrf_token(client)})
    service = app.extensions["payments"]
    with app.app_context():
        record = PaymentRecord.get_by_id(payment_id)
        transfer = service.bank().receive(record.qr_payload, service.clock)
    body = notification_body(transfer)
    bank = app.test_client()
    forged = bank.post("/pay/bank/notify", data=body, headers={"X-Signature": "00" * 32,
                                                               "Content-Type": "application/json"})
    assert forged.status_code == 403
    signature = sign_notification(body, service.bank().webhook_secret)
    for _ in range(2):
        ok = bank.post("/pay/bank/notify", data=body, headers={"X-Signature": signature,
                                                               "Content-Type": "application/json"})
        assert ok.status_code == 200 and ok.json["state"] == "SUCCEEDED"
    succeeded = [e for e in audit_entries(app, f"payment:{payment_id}") if e["action"] == "payments.succeeded"]
    assert len(succeeded) == 1 and succeeded[0]["actor"] == "bank"


def test_declined_card_shows_not_paid_and_the_way_back(pay_station, login_citizen, csrf_token, terminal_url):
    from hal.sim import control

    app = pay_station()
    client = app.test_client()
    login_citizen(client)
    control.set_profile(terminal_url, "decline")
    payment_id = payment_id_of(start(client, csrf_token))
    client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    app.extensions["payments_cards"].wait_idle()
    page = client.get(f"/pay/{payment_id}/result").get_data(as_text=True)
    assert 'data-state="FAILED"' in page and "/s/fx_payee/done" in page
    assert client.get(f"/pay/{payment_id}/receipt").status_code == 302


def test_paper_out_shows_the_receipt_on_screen_and_the_manager_sees_the_alert(pay_station, login_citizen,
                                                                             login_staff, csrf_token):
    app = pay_station(printer_profile="paper_out")
    client = app.test_client()
    login_citizen(client)
    payment_id = payment_id_of(start(client, csrf_token))
    client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    app.extensions["payments_cards"].wait_idle()
    receipt = client.get(f"/pay/{payment_id}/receipt").get_data(as_text=True)
    assert 'data-print-state="failed"' in receipt and f"BL{payment_id:08d}" in receipt
    manager = app.test_client()
    login_staff(manager, roles=("manager",))
    alerts = manager.get("/pay/alerts", headers={"Accept": "application/json"}).json["alerts"]
    assert [a["kind"] for a in alerts] == ["paper_out"]
    assert client.get("/pay/alerts").status_code == 403
    manager.post(f"/pay/alerts/{alerts[0]['id']}/resolve", data={"csrf_token": csrf_token(manager)})
    assert manager.get("/pay/alerts", headers={"Accept": "application/json"}).json["alerts"] == []


def test_unknown_outcome_page_says_it_is_being_checked_and_not_to_pay_again(pay_station, login_citizen,
                                                                           csrf_token, terminal_url):
    from hal.sim import control

    app = pay_station(printer=False, terminal_options={"result_timeout": 0.3})
    client = app.test_client()
    login_citizen(client)
    control.set_profile(terminal_url, "silent_after_auth")
    payment_id = payment_id_of(start(client, csrf_token))
    client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    app.extensions["payments_cards"].wait_idle()
    page = client.get(f"/pay/{payment_id}/result").get_data(as_text=True)
    assert 'data-state="UNKNOWN"' in page and "hai lần" in page


def test_the_console_badge_counts_open_alerts_and_a_successful_reprint_resolves_its_alert(
        pay_station, login_citizen, login_staff, csrf_token):
    app = pay_station(printer_profile="paper_out")
    client = app.test_client()
    login_citizen(client)
    payment_id = payment_id_of(start(client, csrf_token))
    client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    app.extensions["payments_cards"].wait_idle()
    manager = app.test_client()
    login_staff(manager, roles=("manager",))
    page = manager.get("/console/").get_data(as_text=True)
    assert 'id="alert-badge"' in page and '>1</span>' in page.split('id="alert-badge"')[1][:80]
    printer_sim(app).load_paper()
    with app.app_context():
        again = app.extensions["payments"].print_receipt(payment_id, "staff:manager")
        entries = [e for e in app.extensions["station"].audit.export() if "payments.alert.resolve" in e]
    assert again.print_state == "printed"
    assert manager.get("/pay/alerts", headers={"Accept": "application/json"}).json["alerts"] == []
    assert len(entries) == 1 and '"actor":"staff:manager"' in entries[0]
    page = manager.get("/console/").get_data(as_text=True)
    assert '>0</span>' in page.split('id="alert-badge"')[1][:80]


# ---- issue 22: the card exchange runs on the card worker; the page polls ---------------------


def _card_token(response) -> str:
    return re.fullmatch(r"/pay/card/([A-Za-z0-9_-]+)", response.headers["Location"]).group(1)


def test_card_post_returns_at_once_while_the_terminal_waits_and_the_page_polls_to_the_outcome(
        pay_station, login_citizen, csrf_token, terminal_url):
    import time

    from hal.sim import control

    app = pay_station(printer=False, terminal_options={"result_timeout": 2.0})
    client = app.test_client()
    login_citizen(client)
    control.set_profile(terminal_url, "silent_after_auth")  # charges, then never answers
    payment_id = payment_id_of(start(client, csrf_token))
    began = time.monotonic()
    posted = client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    assert posted.status_code == 302 and time.monotonic() - began < 1.0  # no request thread held
    token = _card_token(posted)
    page = client.get(f"/pay/card/{token}").get_data(as_text=True)
    assert f'data-status-url="/pay/card/{token}/status"' in page and "<script>" not in page
    assert "payments.js" in page and "một lần" in page
    while_waiting = client.get(f"/pay/card/{token}/status").json
    assert while_waiting["state"] == "PENDING" and while_waiting["next"] is None and while_waiting["error"] is None
    again = client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})  # another tab
    assert again.headers["Location"] in (f"/pay/card/{token}", f"/pay/{payment_id}/result")
    assert app.extensions["payments_cards"].wait_idle()
    settled = client.get(f"/pay/card/{token}/status").json
    assert settled == {"state": "UNKNOWN", "progress": None, "next": f"/pay/{payment_id}/result",
                       "error": None, "back": None}
    assert "hai lần" in client.get(settled["next"]).get_data(as_text=True)
    assert len(terminal_sim(app).ledger) == 1  # one charge, whatever the tabs did


def test_card_status_is_the_payers_only_behind_an_opaque_token(kiosk, csrf_token, login_citizen):
    app, client, _ = kiosk
    payment_id = payment_id_of(start(client, csrf_token))
    token = _card_token(client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)}))
    assert app.extensions["payments_cards"].wait_idle()
    assert client.get(f"/pay/card/{token}/status").json["next"] == f"/pay/{payment_id}/receipt"
    other = app.test_client()
    login_citizen(other)
    assert other.get(f"/pay/card/{token}/status").status_code == 404
    assert app.test_client().get(f"/pay/card/{token}/status",
                                 headers={"Accept": "application/json"}).status_code == 401
    assert client.get(f"/pay/card/{payment_id}/status").status_code == 404  # the id is not a token
    assert client.get("/pay/card/" + "A" * 40 + "/status").status_code == 404
    with app.app_context():
        assert PaymentRecord.get_by_id(payment_id).status_token == token


def test_a_terminal_that_never_got_the_request_says_so_and_charges_nothing(pay_station, login_citizen, csrf_token,
                                                                           terminal_url):
    from hal.sim import control

    app = pay_station(printer=False, terminal_options={"ack_timeout": 0.2})
    client = app.test_client()
    login_citizen(client)
    control.set_profile(terminal_url, "timeout")
    payment_id = payment_id_of(start(client, csrf_token))
    token = _card_token(client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)}))
    assert app.extensions["payments_cards"].wait_idle()
    body = client.get(f"/pay/card/{token}/status").json
    assert body["state"] == "PENDING" and body["next"] is None and "chưa trừ tiền" in body["error"]
    assert body["back"] == f"/pay/{payment_id}"
    assert terminal_sim(app).ledger == []
    control.set_profile(terminal_url, "ok")  # the citizen tries again: it works, once
    client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    assert app.extensions["payments_cards"].wait_idle()
    assert client.get(f"/pay/card/{token}/status").json["next"] == f"/pay/{payment_id}/receipt"
    assert len(terminal_sim(app).approved_charges()) == 1


def test_a_full_card_queue_refuses_at_once_and_charges_nothing(pay_station, login_citizen, csrf_token, terminal_url):
    import time

    from core.payments.card_queue import CardQueue
    from hal.sim import control

    app = pay_station(printer=False, terminal_options={"result_timeout": 1.5})
    app.extensions["payments_cards"] = CardQueue(app, size=1)
    control.set_profile(terminal_url, "silent_after_auth")
    clients, ids = [], []
    for n in range(3):
        client = app.test_client()
        login_citizen(client)
        clients.append(client)
        ids.append(payment_id_of(start(client, csrf_token, attempt=f"attempt-queue-{n:04d}", reference=f"fee:q{n}")))
    first = clients[0].post(f"/pay/{ids[0]}/card", data={"csrf_token": csrf_token(clients[0])})
    deadline = time.monotonic() + 5
    while not terminal_sim(app).ledger and time.monotonic() < deadline:  # the worker has taken it
        time.sleep(0.02)
    second = clients[1].post(f"/pay/{ids[1]}/card", data={"csrf_token": csrf_token(clients[1])})
    third = clients[2].post(f"/pay/{ids[2]}/card", data={"csrf_token": csrf_token(clients[2])})
    assert (first.status_code, second.status_code, third.status_code) == (302, 302, 503)
    assert "bận" in third.get_data(as_text=True) or "busy" in third.get_data(as_text=True)
    with app.app_context():
        assert (PaymentRecord.get_by_id(ids[2]).state, PaymentRecord.get_by_id(ids[2]).method) == ("PENDING", None)
    assert app.extensions["payments_cards"].wait_idle()


def test_after_a_restart_a_card_page_whose_payment_was_never_taken_sends_the_citizen_back(
        kiosk, csrf_token):
    """The card queue lives in the station process: a payment queued but not yet claimed when
    the station stopped is still PENDING with no method (nothing was sent), and its page says
    so by leading back to the choice instead of waiting for ever."""
    from core.payments.card_queue import CardQueue

    app, client, _ = kiosk
    payment_id = payment_id_of(start(client, csrf_token))
    cards = app.extensions["payments_cards"]
    cards.stop()  # the station stops: no worker takes the job
    refused = client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    assert refused.status_code == 503 and terminal_sim(app).ledger == []
    with app.app_context():
        from core.payments.card_queue import status_token

        token = status_token(payment_id)
    app.extensions["payments_cards"] = CardQueue(app)  # the restarted station's empty queue
    body = client.get(f"/pay/card/{token}/status").json
    assert (body["state"], body["next"], body["error"]) == ("PENDING", f"/pay/{payment_id}", None)
    paid = client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    assert paid.headers["Location"] == f"/pay/card/{token}"  # the same token, every tab and retry
    assert app.extensions["payments_cards"].wait_idle()
    assert client.get(f"/pay/card/{token}/status").json["next"] == f"/pay/{payment_id}/receipt"
    assert len(terminal_sim(app).approved_charges()) == 1


def test_server_card_queue_is_read_from_station_toml_and_checked(tmp_path, kiosk):
    from core.config import config_from_dict
    from core.errors import ConfigError

    site = {"id": "queue-test", "name_vi": "Trạm", "name_en": "Station", "address": "-"}
    assert config_from_dict({"site": site, "server": {"card_queue": 2}}, tmp_path).server["card_queue"] == 2
    assert config_from_dict({"site": site}, tmp_path).server["card_queue"] == 4
    with pytest.raises(ConfigError, match="card_queue"):
        config_from_dict({"site": site, "server": {"card_queue": 0}}, tmp_path)
    app, _, _ = kiosk
    assert app.extensions["payments_cards"]._queue.maxsize == 4


def test_receipt_times_are_in_the_station_time_zone_on_screen_and_on_paper(pay_station, login_citizen, csrf_token):
    """A station configured in Asia/Tokyo (UTC+9) shows and prints its receipt times in Tokyo time,
    not a fixed UTC+7."""
    from datetime import UTC, datetime, timedelta

    from core.payments.models import ReceiptRecord

    site = {"id": "test-station", "name_vi": "Trạm thử nghiệm", "name_en": "Test station",
            "address": "Test address", "timezone": "Asia/Tokyo"}
    app = pay_station(site=site)
    client = app.test_client()
    login_citizen(client, assurance="basic")
    payment_id = payment_id_of(start(client, csrf_token))
    client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    assert app.extensions["payments_cards"].wait_idle()
    with app.app_context():
        issued = float(ReceiptRecord.get(ReceiptRecord.payment == payment_id).created_at)
    moment = datetime.fromtimestamp(issued, UTC)
    tokyo = (moment + timedelta(hours=9)).strftime("%d/%m/%Y %H:%M")
    vietnam = (moment + timedelta(hours=7)).strftime("%d/%m/%Y %H:%M")
    assert tokyo != vietnam
    page = client.get(f"/pay/{payment_id}/receipt").get_data(as_text=True)
    shown = re.search(r'id="receipt-time">([^<]*)<', page).group(1)
    assert shown == tokyo
    [printed] = printer_sim(app).receipts
    texts = [getattr(item, "text", None) for item in printed.items]
    assert f"Thời gian: {tokyo}" in texts and f"Thời gian: {vietnam}" not in texts


def test_the_card_worker_keeps_only_the_latest_refusals():
    """A refusal is kept for the waiting page; a station running for months keeps the latest
    ones only, not one per refused payment ever."""
    import contextlib
    from types import SimpleNamespace

    from core.errors import StationError
    from core.payments import card_queue

    def refuse(payment_id, actor):
        raise StationError(f"terminal away ({payment_id})")

    app = SimpleNamespace(app_context=contextlib.nullcontext,
                          extensions={"payments": SimpleNamespace(pay_by_card=refuse)})
    cards = card_queue.CardQueue(app, size=1)
    for payment_id in range(card_queue.MAX_KEPT_ERRORS + 40):
        assert cards.submit(payment_id, "citizen:1")
        assert cards.wait_idle(5)
    assert len(cards.errors) == card_queue.MAX_KEPT_ERRORS
    assert 0 not in cards.errors and "terminal away" in str(cards.errors[card_queue.MAX_KEPT_ERRORS + 39])
    cards.stop()
