"""The kiosk's "My data" pages: citizen only, no-store, CSRF on every change, export, erasure."""

import json

from core.audit.store import AuditEntry

JSON = {"Accept": "application/json"}


def test_my_data_needs_a_logged_in_citizen(private_station, login_staff):
    client = private_station.test_client()
    assert client.get("/my-data/", headers=JSON).status_code == 401
    login_staff(client, roles=("manager",))
    response = client.get("/my-data/export", headers=JSON)
    assert response.status_code == 403 and response.headers["Cache-Control"] == "no-store"
    assert "dành cho công dân" in response.json["message"]


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


def test_export_for_an_api_client_is_json_that_is_never_cached(private_station, login_citizen, csrf_token):
    """The kiosk browser gets a phone link instead (tests/core/privacy/test_take_home.py)."""
    client = private_station.test_client()
    citizen = login_citizen(client, assurance="basic")
    client.post("/my-data/consents/fx_private/health/grant", headers={"X-CSRF-Token": csrf_token(client)})
    client.post("/s/fx_private/screenings", data={"notes": "Ho khan 3 ngày", "csrf_token": csrf_token(client)})
    response = client.get("/my-data/export", headers=JSON)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["citizen"]["id"] == citizen
    assert data["plugins"]["fx_private"]["screenings"][0]["notes"] == "Ho khan 3 ngày"
    assert "Ho khan 3 ngày" in response.get_data(as_text=True)  # ensure_ascii=False: readable Vietnamese


def _step_up(client):
    """What a card tap or VNeID approval on the step-up page does to the session."""
    with client.session_transaction() as session:
        session["_step_ups"] = session.get("_step_ups", 0) + 1


def test_one_erase_post_without_the_confirmation_step_and_a_fresh_identification_erases_nothing(
        private_station, login_citizen, csrf_token):
    client = private_station.test_client()
    citizen = login_citizen(client, assurance="basic")
    token = csrf_token(client)
    client.post("/my-data/consents/fx_private/health/grant", data={"csrf_token": token})
    # the old one-tap form: a hidden "confirm=yes" and a login that just happened
    refused = client.post("/my-data/erase", data={"csrf_token": token, "confirm": "yes"}, headers=JSON)
    assert refused.status_code == 400
    # the kiosk form without the confirmation screen goes to that screen instead
    page = client.post("/my-data/erase", data={"csrf_token": token, "confirm": "yes"})
    assert page.status_code == 303 and page.headers["Location"].endswith("/my-data/erase")
    # confirmation screen opened, but no re-verification since: still nothing
    ticket = client.get("/my-data/erase", headers=JSON).json
    assert ticket["needs_step_up"] is True and ticket["consents"] == 1
    stale = client.post("/my-data/erase", data={"csrf_token": token, "confirm_token": ticket["confirm_token"]},
                        headers=JSON)
    assert stale.status_code == 401 and stale.json["error"] == "StepUpRequired"
    # a re-verification with a wrong token: still nothing
    _step_up(client)
    forged = client.post("/my-data/erase", data={"csrf_token": token, "confirm_token": "x" * 32}, headers=JSON)
    assert forged.status_code == 400
    with private_station.app_context():
        from core.identity.models import Citizen
        from core.privacy.subject_rights import is_erased

        assert not is_erased(Citizen.get_by_id(citizen))
        assert not AuditEntry.select().where(AuditEntry.leaf.contains("citizen.erase")).exists()
    assert client.get("/my-data/", headers=JSON).status_code == 200


def test_a_re_verification_made_before_the_confirmation_screen_does_not_count(
        private_station, login_citizen, csrf_token):
    client = private_station.test_client()
    login_citizen(client, assurance="basic")
    _step_up(client)
    ticket = client.get("/my-data/erase", headers=JSON).json
    assert ticket["needs_step_up"] is True
    refused = client.post("/my-data/erase", data={"csrf_token": csrf_token(client),
                                                  "confirm_token": ticket["confirm_token"]}, headers=JSON)
    assert refused.status_code == 401


def test_erasure_after_confirmation_and_a_fresh_verification_ends_the_session(
        private_station, login_citizen, csrf_token, station_clock):
    client = private_station.test_client()
    login_citizen(client, assurance="basic")
    token = csrf_token(client)
    ticket = client.get("/my-data/erase", headers=JSON).json["confirm_token"]
    _step_up(client)
    with client.session_transaction() as session:
        session["_step_up_at"] = station_clock() - 3600
    old = client.post("/my-data/erase", data={"csrf_token": token, "confirm_token": ticket}, headers=JSON)
    assert old.status_code == 401  # re-verified, but too long ago
    with client.session_transaction() as session:
        session["_step_up_at"] = station_clock()
    assert client.get("/my-data/erase", headers=JSON).json["needs_step_up"] is False
    done = client.post("/my-data/erase", data={"csrf_token": token, "confirm_token": ticket}, headers=JSON)
    assert done.status_code == 200 and done.json["erased"] is True
    assert done.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert done.headers["Cache-Control"] == "no-store"
    assert client.get("/my-data/", headers=JSON).status_code == 401
    with private_station.app_context():
        assert AuditEntry.get_by_id(done.json["audit_index"]).leaf.count("citizen.erase") == 1
        assert private_station.extensions["station"].audit.verify().ok


def test_the_confirmation_screen_names_what_will_be_erased_and_asks_for_a_step_up(
        private_station, login_citizen, csrf_token):
    client = private_station.test_client()
    login_citizen(client, assurance="basic")
    my_data = client.get("/my-data/").get_data(as_text=True)
    # no erase form on the My data page: only a link to the confirmation screen, in a danger zone
    assert 'action="/my-data/erase"' not in my_data and 'class="button danger big" href="/my-data/erase"' in my_data
    page = client.get("/my-data/erase").get_data(as_text=True)
    assert "Những gì sẽ bị xoá vĩnh viễn" in page and "fx_private" not in page  # names, not ids
    assert "Không thể hoàn tác" in page and "step_up=1" in page
    assert 'name="confirm_token"' not in page  # no erase button before the re-verification
    _step_up(client)
    page = client.get("/my-data/erase").get_data(as_text=True)
    assert 'name="confirm_token"' in page and 'id="erase-confirm"' in page
    token = page.split('name="confirm_token" value="')[1].split('"')[0]
    done = client.post("/my-data/erase", data={"csrf_token": csrf_token(client), "confirm_token": token})
    assert done.status_code == 200 and "Đã xoá dữ liệu của bạn" in done.get_data(as_text=True)


def test_a_missing_consent_is_asked_for_on_the_spot_and_then_the_page_goes_on(private_station, login_citizen,
                                                                                csrf_token):
    client = private_station.test_client()
    login_citizen(client, assurance="basic")
    page = client.get("/s/fx_private/screenings", headers={"Accept": "text/html"})
    text = page.get_data(as_text=True)
    assert page.status_code == 403 and 'id="consent-in-place"' in text
    assert 'action="/my-data/consents/fx_private/health/grant"' in text
    assert 'name="next" value="/s/fx_private/screenings"' in text
    agreed = client.post("/my-data/consents/fx_private/health/grant",
                         data={"csrf_token": csrf_token(client), "next": "/s/fx_private/screenings"})
    assert agreed.status_code == 303 and agreed.headers["Location"] == "/s/fx_private/screenings"
    assert client.get("/s/fx_private/screenings").status_code == 200
    # a "next" off the station is ignored
    off = client.post("/my-data/consents/fx_private/personal/grant",
                      data={"csrf_token": csrf_token(client), "next": "https://evil.example/"})
    assert off.headers["Location"].endswith("/my-data/")


def test_a_post_that_needs_a_re_verification_offers_it_and_comes_back(private_station, login_citizen, csrf_token,
                                                                       station_clock):
    client = private_station.test_client()
    login_citizen(client, assurance="high")
    with client.session_transaction() as session:
        session["_step_up_at"] = station_clock() - 3600
    response = client.post("/s/fx_example/sensitive", data={"csrf_token": csrf_token(client)},
                           headers={"Accept": "text/html", "Referer": "http://localhost/s/fx_example/"})
    assert response.status_code in (401, 405)
