"""The console's alert list (issue 23): time in the station's zone, the printer named, the
receipt concerned, "Reprint" resolving the alert when the print succeeds, "Resolved"."""

from __future__ import annotations

import re

from payment_helpers import audit_entries, printer_sim


def _paid_receipt_with_paper_out(pay_station, login_citizen, csrf_token):
    app = pay_station(printer_profile="paper_out")
    client = app.test_client()
    login_citizen(client)
    started = client.post("/s/fx_payee/pay", data={"attempt": "attempt-alert-0001", "amount": "150000",
                                                   "reference": "fee:1", "csrf_token": csrf_token(client)})
    payment_id = int(re.search(r"/pay/(\d+)$", started.headers["Location"]).group(1))
    client.post(f"/pay/{payment_id}/card", data={"csrf_token": csrf_token(client)})
    client.application.extensions["payments_cards"].wait_idle()  # the card worker
    return app, payment_id


def test_the_console_lists_the_printer_alert_and_a_reprint_resolves_it(pay_station, login_citizen, login_staff,
                                                                       csrf_token):
    app, payment_id = _paid_receipt_with_paper_out(pay_station, login_citizen, csrf_token)
    manager = app.test_client()
    login_staff(manager, roles=("manager",), username="lan")
    page = manager.get("/console/alerts/").get_data(as_text=True)
    assert 'data-kind="paper_out"' in page and "Máy in biên lai" in page and f"BL{payment_id:08d}" in page
    alert_id = int(re.search(r'id="reprint-(\d+)"', page).group(1))
    failed = manager.post(f"/console/alerts/{alert_id}/reprint", data={"csrf_token": csrf_token(manager)})
    assert failed.status_code == 302 and f'id="alert-{alert_id}"' in manager.get("/console/alerts/").get_data(
        as_text=True)  # still out of paper: the alert stays
    printer_sim(app).load_paper()
    manager.post(f"/console/alerts/{alert_id}/reprint", data={"csrf_token": csrf_token(manager)})
    page = manager.get("/console/alerts/").get_data(as_text=True)
    assert 'id="no-alerts"' in page and '>0</span>' in page.split('id="alert-badge"')[1][:80]
    resolved = [e for e in audit_entries(app) if e["action"] == "payments.alert.resolve"]
    assert [e["actor"] for e in resolved] == ["staff:lan"]


def test_resolved_closes_an_alert_and_others_may_not(pay_station, login_citizen, login_staff, csrf_token):
    app, _ = _paid_receipt_with_paper_out(pay_station, login_citizen, csrf_token)
    operator = app.test_client()
    login_staff(operator, roles=("auditor",))
    assert operator.get("/console/alerts/").status_code == 403
    manager = app.test_client()
    login_staff(manager, roles=("manager",))
    alert_id = int(re.search(r'id="resolve-(\d+)"', manager.get("/console/alerts/").get_data(as_text=True)).group(1))
    manager.post(f"/console/alerts/{alert_id}/resolve", data={"csrf_token": csrf_token(manager)})
    assert 'id="no-alerts"' in manager.get("/console/alerts/").get_data(as_text=True)
