"""The kiosk's "My data" pages: citizen only, no-store, CSRF on every change, export, erasure."""

import json

from core.audit.store import AuditEntry

JSON = {"Accept": "application/json"}


def test_my_data_needs_a_logged_in_citizen(private_station, login_staff):
    client = private_station.test_client()
    assert client.get("/my-data/", headers=JSON).status_code == 401
    login_staff(client, roles=("manager",))
    response = client.get("/my-data/export", headers=JSON)
    assert response.status_code == 401 and response.headers["Cache-Control"] == "no-store"


def test_the_page_lists_every_declared_purpose_with_the_citizens_answer(private_station, login_citizen):
    client = private_station.test_client()
    login_citizen(client, assurance="basic")
    body = client.get("/my-data/", headers=JSON)
    assert body.headers["Cache-Control"] == "no-store"
    rows = {(c["plugin"], c["category"]): c for c in body.json["consents"]}
    assert set(rows) == {("fx_example", "health"), ("fx_private", "health"), ("fx_private", "personal")}
    assert not any(c["granted"] for c in rows.values())
    assert rows[("fx_private", "personal")]["purposes"] == [
        {"vi": "In họ tên và số định danh trên phiếu khám", "en": "Print name and ID number on the screening slip"}]
    assert body.json["access_log"] == []
    html = client.get("/my-data/")
    text = html.get_data(as_text=True)
    assert html.status_code == 200 and html.headers["Cache-Control"] == "no-store"
    assert "Dữ liệu của tôi" in text and "In họ tên và số định danh trên phiếu khám" in text
    assert 'name="csrf_token"' in text and "Tôi đồng ý" in text


def test_grant_and_withdraw_need_the_csrf_token(private_station, login_citizen, csrf_token):
    client = private_station.test_client()
    login_citizen(client, assurance="basic")
    assert client.post("/my-data/consents/fx_private/health/grant", headers=JSON).status_code == 400
    assert not any(c["granted"] for c in client.get("/my-data/", headers=JSON).json["consents"])
    form = client.post("/my-data/consents/fx_private/health/grant", data={"csrf_token": csrf_token(client)})
    assert form.status_code == 303 and form.headers["Location"].endswith("/my-data/")
    granted = [c for c in client.get("/my-data/", headers=JSON).json["consents"] if c["granted"]]
    assert [(c["plugin"], c["category"]) for c in granted] == [("fx_private", "health")]
    withdrawn = client.post("/my-data/consents/fx_private/health/withdraw",
                            headers={**JSON, "X-CSRF-Token": csrf_token(client)})
    assert withdrawn.status_code == 200 and withdrawn.json["consent"]["granted"] is False
    unknown = client.post("/my-data/consents/fx_private/biometric/grant",
                          headers={**JSON, "X-CSRF-Token": csrf_token(client)})
    assert unknown.status_code == 404


def test_export_is_a_json_download_that_is_never_cached(private_station, login_citizen, csrf_token):
    client = private_station.test_client()
    citizen = login_citizen(client, assurance="basic")
    client.post("/my-data/consents/fx_private/health/grant", headers={"X-CSRF-Token": csrf_token(client)})
    client.post("/s/fx_private/screenings", data={"notes": "Ho khan 3 ngày", "csrf_token": csrf_token(client)})
    response = client.get("/my-data/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["citizen"]["id"] == citizen
    assert data["plugins"]["fx_private"]["screenings"][0]["notes"] == "Ho khan 3 ngày"
    assert "Ho khan 3 ngày" in response.get_data(as_text=True)  # ensure_ascii=False: readable Vietnamese


def test_erasure_needs_confirmation_and_a_fresh_verification_then_ends_the_session(
        private_station, login_citizen, csrf_token, station_clock):
    client = private_station.test_client()
    login_citizen(client, assurance="basic")
    token = csrf_token(client)
    assert client.post("/my-data/erase", data={"csrf_token": token}, headers=JSON).status_code == 400
    with client.session_transaction() as session:
        session["_step_up_at"] = station_clock() - 3600
    stale = client.post("/my-data/erase", data={"csrf_token": token, "confirm": "yes"}, headers=JSON)
    assert stale.status_code == 401 and stale.json["error"] == "StepUpRequired"
    with client.session_transaction() as session:
        session["_step_up_at"] = station_clock()
    done = client.post("/my-data/erase", data={"csrf_token": token, "confirm": "yes"}, headers=JSON)
    assert done.status_code == 200 and done.json["erased"] is True
    assert done.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert done.headers["Cache-Control"] == "no-store"
    assert client.get("/my-data/", headers=JSON).status_code == 401
    with private_station.app_context():
        assert AuditEntry.get_by_id(done.json["audit_index"]).leaf.count("citizen.erase") == 1
        assert private_station.extensions["station"].audit.verify().ok


def test_erasure_from_the_kiosk_page_shows_a_goodbye_page(private_station, login_citizen, csrf_token):
    client = private_station.test_client()
    login_citizen(client, assurance="basic")
    page = client.post("/my-data/erase", data={"csrf_token": csrf_token(client), "confirm": "yes"})
    assert page.status_code == 200 and "Đã xoá dữ liệu của bạn" in page.get_data(as_text=True)
