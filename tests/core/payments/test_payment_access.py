"""Who may look at and act on payment pages: the payments.* permissions of the one access model."""

import re

from payment_helpers import printer_sim

JSON = {"Accept": "application/json"}


def _paid(app, client, csrf_token):
    started = client.post("/s/fx_payee/pay", data={"attempt": "attempt-access-01", "amount": "150000",
                                                   "reference": "fee:1", "csrf_token": csrf_token(client)})
    payment_id = int(re.search(r"/pay/(\d+)$", started.headers["Location"]).group(1))
    client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    client.application.extensions["payments_cards"].wait_idle()  # the card worker
    return payment_id


def test_auditor_may_read_a_receipt_but_not_print_it(pay_station, login_citizen, login_staff, csrf_token):
    app = pay_station()
    citizen = app.test_client()
    login_citizen(citizen, assurance="basic")
    payment_id = _paid(app, citizen, csrf_token)
    printed = len(printer_sim(app).receipts)
    auditor = app.test_client()
    login_staff(auditor, roles=("auditor",))
    assert auditor.get(f"/pay/{payment_id}/receipt").status_code == 200
    refused = auditor.post(f"/pay/{payment_id}/receipt/print", data={"csrf_token": csrf_token(auditor)},
                           headers=JSON)
    assert refused.status_code == 403 and "không có quyền" in refused.json["message"]
    assert len(printer_sim(app).receipts) == printed
    manager = app.test_client()
    login_staff(manager, roles=("manager",))
    again = manager.post(f"/pay/{payment_id}/receipt/print", data={"csrf_token": csrf_token(manager)})
    assert again.status_code == 302 and len(printer_sim(app).receipts) == printed + 1


def test_staff_cannot_pay_or_cancel_on_behalf_of_a_citizen(pay_station, login_citizen, login_staff, csrf_token):
    app = pay_station()
    citizen = app.test_client()
    login_citizen(citizen, assurance="basic")
    started = citizen.post("/s/fx_payee/pay", data={"attempt": "attempt-access-02", "amount": "150000",
                                                    "reference": "fee:2", "csrf_token": csrf_token(citizen)})
    payment_id = int(re.search(r"/pay/(\d+)$", started.headers["Location"]).group(1))
    manager = app.test_client()
    login_staff(manager, roles=("manager",))
    refused = manager.post(f"/pay/{payment_id}/cancel", data={"csrf_token": csrf_token(manager)}, headers=JSON)
    assert refused.status_code == 403 and "dành cho công dân" in refused.json["message"]


def test_a_site_can_let_the_auditor_print(pay_station, login_citizen, login_staff, csrf_token):
    app = pay_station(roles={"auditor": ["payments.print", "payments.view"]})
    citizen = app.test_client()
    login_citizen(citizen, assurance="basic")
    payment_id = _paid(app, citizen, csrf_token)
    auditor = app.test_client()
    login_staff(auditor, roles=("auditor",))
    assert auditor.post(f"/pay/{payment_id}/receipt/print",
                        data={"csrf_token": csrf_token(auditor)}).status_code == 302


def test_staff_opening_a_receipt_shows_in_who_looked_at_my_data_and_the_audit_log(pay_station, login_citizen,
                                                                                 login_staff, csrf_token):
    from payment_helpers import audit_entries

    app = pay_station()
    citizen = app.test_client()
    login_citizen(citizen, assurance="basic")
    payment_id = _paid(app, citizen, csrf_token)
    citizen.get(f"/pay/{payment_id}/receipt")  # the payer's own look is not someone else's read
    assert citizen.get("/my-data/access-log", headers=JSON).json["access_log"] == []
    auditor = app.test_client()
    login_staff(auditor, roles=("auditor",), username="kiem-toan-1")
    assert auditor.get(f"/pay/{payment_id}/receipt").status_code == 200
    log = citizen.get("/my-data/access-log", headers=JSON).json["access_log"]
    assert [(r["who"], r["category"], r["table"]) for r in log] == [("staff:kiem-toan-1", "financial", "payment")]
    assert log[0]["purpose"]["en"] == "A staff member looked at your payment and its receipt"
    reads = [e for e in audit_entries(app, f"payment:{payment_id}") if e["action"] == "personal_data.staff_read"]
    assert len(reads) == 1 and reads[0]["actor"] == "staff:kiem-toan-1"
