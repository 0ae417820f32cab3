"""Every list a staff member or citizen sees is paginated (issue 22, failure 8): with hundreds of
rows a page stays bounded (20 rows) and the next-page link leads to the next rows."""

from __future__ import annotations

import re

from flask import Flask


def _alerts(app: Flask, count: int) -> None:
    from core.db import database
    from core.payments.models import ManagerAlert

    with app.app_context(), database.atomic():
        ManagerAlert.insert_many([{"created_at": 1_790_000_000 + i, "source": "payments", "kind": "printer",
                                   "object_ref": None, "message_vi": f"Cảnh báo {i}", "message_en": f"Alert {i}"}
                                  for i in range(count)]).execute()


def test_console_alerts_are_paginated(make_station, login_staff):
    app = make_station(plugins=[])
    _alerts(app, 450)
    manager = app.test_client()
    login_staff(manager, roles=("manager",))
    first = manager.get("/console/alerts/").get_data(as_text=True)
    ids = re.findall(r'<tr id="alert-(\d+)"', first)
    assert len(ids) == 20 and "Page 1 / 23" in first or "Trang 1 / 23" in first
    link = re.search(r'rel="next" href="\?([^"]+)"', first).group(1)
    second = manager.get(f"/console/alerts/?{link}").get_data(as_text=True)
    second_ids = re.findall(r'<tr id="alert-(\d+)"', second)
    assert len(second_ids) == 20 and set(ids).isdisjoint(second_ids)
    assert max(map(int, second_ids)) < min(map(int, ids))  # newest first, then older
    last = manager.get("/console/alerts/?page=999").get_data(as_text=True)
    assert len(re.findall(r'<tr id="alert-(\d+)"', last)) == 10 and 'rel="prev"' in last
    assert len(first) < 60_000


def test_payments_alert_list_and_its_json_are_paginated(make_station, login_staff):
    app = make_station(plugins=[])
    _alerts(app, 230)
    manager = app.test_client()
    login_staff(manager, roles=("manager",))
    body = manager.get("/pay/alerts", headers={"Accept": "application/json"}).get_json()
    assert len(body["alerts"]) == 20 and body["pages"] == 12 and body["total"] == 230
    page = manager.get("/pay/alerts?page=12").get_data(as_text=True)
    assert page.count("<li data-kind=") == 10


def test_unknown_payments_on_the_operations_page_are_paginated(make_station, login_staff):
    from core.db import database
    from core.payments.models import PaymentRecord

    app = make_station(plugins=[])
    from core.identity.models import Citizen

    with app.app_context(), database.atomic():
        # a payment's description is sealed with the payer's data key: the payer exists
        Citizen.insert(id=1, id_hash="test-payer-1", created_at=0.0).on_conflict_ignore().execute()
        for i in range(120):
            PaymentRecord(state="UNKNOWN", plugin="traffic", purpose="traffic.fine", reference=f"f{i}",
                          amount_vnd=10_000, payer_citizen_id=1, idempotency_key=f"k{i}", method="card",
                          request_hash="0" * 64, description="{}", return_url="/",
                          created_at=1_790_000_000.0, updated_at=1_790_000_000.0).save()
    manager = app.test_client()
    login_staff(manager, roles=("manager",))
    page = manager.get("/console/operations/").get_data(as_text=True)
    table = page.split('id="unknown-payments"')[1].split("</table>")[0]
    assert table.count("<tr><td>") == 20 and 'rel="next"' in page
