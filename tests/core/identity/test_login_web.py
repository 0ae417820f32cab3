"""Both citizen login paths end to end (simulated card reader and VNeID), step-up, ownership."""

import re
import secrets
from datetime import date

import pytest
from cryptography.hazmat.primitives import serialization

from hal.sim import control
from hal.sim.citizens import TEST_CITIZENS
from hal.testpki import generate_test_pki
from sdk.testing import FakeClock

AN = 0  # Nguyễn Văn An, valid card
EXPIRED = 4


@pytest.fixture
def station_clock():
    # 2026-11-29 12:00 UTC: inside the test certificates' validity, after card 4's expiry
    return FakeClock(1_796_040_000.0)


@pytest.fixture
def reader_url():
    url = f"sim://card_reader?instance={secrets.token_hex(4)}"
    yield url
    control.forget(url)


def _trust(app, csca=None):
    folder = app.extensions["station"].config.home / "trust" / "csca"
    folder.mkdir(parents=True, exist_ok=True)
    cert = csca or generate_test_pki().csca_certificate
    (folder / "csca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


@pytest.fixture
def app(make_station, reader_url, fixture_plugins_dir):
    app = make_station(plugins=["fx_example"], plugin_paths=(fixture_plugins_dir,),
                       devices=[{"id": "card-1", "kind": "card_reader", "url": reader_url}])
    _trust(app)
    return app


def _audit(app):
    with app.app_context():
        return list(app.extensions["station"].audit.export())


def _user(client):
    with client.session_transaction() as session:
        return session.get("_user_id"), session.get("_assurance"), session.get("_method")


def _card_login(client, csrf_token, **form):
    with client.session_transaction() as session:
        session.setdefault("lang", "en")
    data = {"csrf_token": csrf_token(client), "mode": "scan", "next": "/s/fx_example/", **form}
    return client.post("/login/card", data=data)


def test_card_login_by_mrz_scan_gives_high_assurance_and_is_audited(app, csrf_token, reader_url):
    control.simulator(reader_url).insert_card(AN)
    client = app.test_client()
    response = _card_login(client, csrf_token)
    assert response.status_code == 302 and response.headers["Location"] == "/s/fx_example/"
    user_id, assurance, method = _user(client)
    assert user_id.startswith("c:") and (assurance, method) == ("high", "card")
    assert client.get("/s/fx_example/").status_code == 200
    last = _audit(app)[-1]
    assert '"action":"login.card"' in last and '"outcome":"ok"' in last
    assert TEST_CITIZENS[AN].personal_id not in "".join(_audit(app))


def test_same_card_twice_is_the_same_citizen_and_the_number_is_not_stored(app, csrf_token, reader_url):
    control.simulator(reader_url).insert_card(AN)
    first, second = app.test_client(), app.test_client()
    _card_login(first, csrf_token)
    _card_login(second, csrf_token)
    assert _user(first)[0] == _user(second)[0]
    db_file = app.extensions["station"].config.home / "station.db"
    raw = db_file.read_bytes() + (db_file.with_name("station.db-wal").read_bytes()
                                  if db_file.with_name("station.db-wal").exists() else b"")
    assert TEST_CITIZENS[AN].personal_id.encode() not in raw


def test_card_login_by_keypad_numbers(app, csrf_token, reader_url):
    citizen = TEST_CITIZENS[1]
    control.simulator(reader_url).insert_card(1)
    client = app.test_client()
    response = _card_login(client, csrf_token, mode="keypad", id_number=citizen.personal_id,
                           birth_date=citizen.birth_date.strftime("%d/%m/%Y"),
                           expiry_date=citizen.expiry_date.strftime("%d/%m/%Y"))
    assert response.status_code == 302
    assert _user(client)[1] == "high"


@pytest.mark.parametrize("setup, form, status, words, reason", [
    (lambda app, url: control.simulator(url).insert_card(AN),
     {"mode": "keypad", "id_number": "001085999001", "birth_date": "15/03/1985", "expiry_date": "14/03/2045"},
     403, "did not accept the numbers", "access_denied"),
    (lambda app, url: control.simulator(url).insert_card(EXPIRED), {}, 403, "has expired", "card_expired"),
    (lambda app, url: (control.simulator(url).insert_card(AN),
                       _trust(app, generate_test_pki(b"another country").csca_certificate)), {}, 403,
     "does not trust", "csca_unknown"),
    (lambda app, url: control.simulator(url).remove_card(), {}, 403, "place your chip ID card", "no_document"),
    (lambda app, url: (control.simulator(url).insert_card(AN), control.set_profile(url, "card_removed")), {},
     403, "moved away", "card_removed"),
    (lambda app, url: control.simulator(url).insert_card(AN),
     {"mode": "keypad", "id_number": "12", "birth_date": "1/1/1990", "expiry_date": "1/1/2030"}, 400, "", None),
])
def test_card_refusals_get_a_clear_message_and_an_audit_entry(app, csrf_token, reader_url, setup, form,
                                                              status, words, reason):
    setup(app, reader_url)
    client = app.test_client()
    response = _card_login(client, csrf_token, **form)
    assert response.status_code == status
    text = response.get_data(as_text=True)
    assert words in text
    assert "Traceback" not in text
    assert _user(client)[0] is None
    last = _audit(app)[-1]
    assert '"action":"login.card"' in last and '"outcome":"refused"' in last
    if reason:
        assert f'"reason":"{reason}"' in last, last


def _vneid_start(client, path="/login/vneid?next=/s/fx_example/"):
    page = client.get(path).get_data(as_text=True)
    request_id = re.search(r'data-claim-url="/login/vneid/([^/]+)/claim', page).group(1)
    uri = re.search(r'/sim/vneid/phone\?r=([^"]+)"', page).group(1)
    from urllib.parse import unquote

    return request_id, unquote(uri.replace("&amp;", "&"))


def _approve(app, csrf_token, uri, account=0, level=2):
    phone = app.test_client()
    return phone.post("/sim/vneid/phone", data={"r": uri, "account": str(account), "level": str(level),
                                                 "csrf_token": csrf_token(phone)})


def _claim(client, csrf_token, request_id):
    return client.post(f"/login/vneid/{request_id}/claim?next=/s/fx_example/",
                       headers={"X-CSRF-Token": csrf_token(client), "Accept": "application/json"})


@pytest.mark.parametrize("level, assurance", [(2, "high"), (1, "basic")])
def test_vneid_login_end_to_end(app, csrf_token, level, assurance):
    kiosk = app.test_client()
    request_id, uri = _vneid_start(kiosk)
    assert _claim(kiosk, csrf_token, request_id).json == {"status": "pending"}
    approved = _approve(app, csrf_token, uri, level=level)
    assert approved.status_code == 200 and 'id="approved"' in approved.get_data(as_text=True)
    done = _claim(kiosk, csrf_token, request_id)
    assert done.json == {"status": "done", "next": "/s/fx_example/"}
    assert _user(kiosk)[1:] == (assurance, "vneid")
    assert kiosk.get("/s/fx_example/").status_code == 200
    assert _claim(kiosk, csrf_token, request_id).status_code == 404  # once only


def test_vneid_request_cannot_be_claimed_by_another_kiosk_session(app, csrf_token):
    kiosk, thief = app.test_client(), app.test_client()
    request_id, uri = _vneid_start(kiosk)
    _approve(app, csrf_token, uri)
    thief.get("/")
    assert _claim(thief, csrf_token, request_id).status_code == 404
    assert _claim(kiosk, csrf_token, request_id).json["status"] == "done"


def test_vneid_assertion_replay_and_expiry_are_refused(app, csrf_token, station_clock):
    kiosk = app.test_client()
    request_id, uri = _vneid_start(kiosk)
    station = app.extensions["station"]
    assertion = station.vneid.provider.approve(uri, 0, 2, station_clock())
    first = app.test_client().post("/login/vneid/callback", json={"assertion": assertion})
    assert first.status_code == 200
    replay = app.test_client().post("/login/vneid/callback", json={"assertion": assertion})
    assert replay.status_code == 403
    _, uri2 = _vneid_start(app.test_client())
    station_clock.advance(200)
    late = _approve(app, csrf_token, uri2)
    assert late.status_code in (400, 403)
    assert '"outcome":"refused"' in _audit(app)[-1]


def test_vneid_assertion_signed_by_another_key_is_refused(app):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from core.identity.vneid_protocol import decode_login_request, issue_assertion

    _, uri = _vneid_start(app.test_client())
    forged = issue_assertion(decode_login_request(uri), id_number="001085999001", full_name="X",
                             date_of_birth=date(1985, 3, 14), account_level=2,
                             private_key=Ed25519PrivateKey.generate(), now=app.extensions["station"].clock())
    response = app.test_client().post("/login/vneid/callback", json={"assertion": forged})
    assert response.status_code == 403


def test_step_up_with_the_same_card_refreshes_and_another_card_is_refused(app, csrf_token, reader_url,
                                                                          station_clock):
    control.simulator(reader_url).insert_card(AN)
    client = app.test_client()
    _card_login(client, csrf_token)
    station_clock.advance(100)
    client.get("/s/fx_example/")
    station_clock.advance(60)
    stale = client.get("/s/fx_example/sensitive")
    assert stale.status_code == 302 and "step_up=1" in stale.headers["Location"]
    control.simulator(reader_url).insert_card(1)
    refused = _card_login(client, csrf_token, step_up="1")
    assert refused.status_code == 403 and "someone else" in refused.get_data(as_text=True)
    control.simulator(reader_url).insert_card(AN)
    assert _card_login(client, csrf_token, step_up="1").status_code == 302
    assert client.get("/s/fx_example/sensitive").get_data(as_text=True) == "sensitive ok"


def test_login_required_pages_send_the_kiosk_to_the_login_screen(app):
    response = app.test_client().get("/s/fx_example/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/?next=/s/fx_example/")


def test_citizen_b_cannot_read_citizen_a_objects_by_id(app, login_citizen, login_staff, csrf_token):
    alice, bob = app.test_client(), app.test_client()
    login_citizen(alice)
    login_citizen(bob)
    note_id = alice.post("/s/fx_example/notes", data={"text": "A's note", "csrf_token": csrf_token(alice)}
                         ).get_data(as_text=True)
    assert alice.get(f"/s/fx_example/notes/{note_id}").get_data(as_text=True) == "A's note"
    stolen = bob.get(f"/s/fx_example/notes/{note_id}", headers={"Accept": "application/json"})
    missing = bob.get("/s/fx_example/notes/99999", headers={"Accept": "application/json"})
    assert stolen.status_code == missing.status_code == 404
    assert stolen.json == missing.json
    staff = app.test_client()
    login_staff(staff, roles=("pharmacist",))
    assert staff.get(f"/s/fx_example/notes/{note_id}").status_code == 200


def test_verified_identity_is_available_to_plugins_for_the_session_only(app, csrf_token, reader_url):
    control.simulator(reader_url).insert_card(AN)
    client = app.test_client()
    _card_login(client, csrf_token)
    assert client.get("/s/fx_example/whoami").get_data(as_text=True) == "Nguyễn Văn An|True|card"
    home = app.extensions["station"].config.home
    raw = b"".join(p.read_bytes() for p in home.glob("station.db*"))
    assert "Nguyễn Văn An".encode() not in raw and b"001085999001" not in raw
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    with client.session_transaction() as session:
        assert "_identity" not in session


def test_vneid_identity_reaches_plugins(app, csrf_token):
    kiosk = app.test_client()
    request_id, uri = _vneid_start(kiosk)
    _approve(app, csrf_token, uri, account=1)
    _claim(kiosk, csrf_token, request_id)
    assert kiosk.get("/s/fx_example/whoami").get_data(as_text=True) == "Trần Thị Bích Ngọc|True|vneid"
    from core.identity.vneid import VneidLogin

    with app.app_context():
        assert VneidLogin.get_by_id(request_id).sealed_claims == ""


def test_sdk_testing_login_citizen_can_give_a_verified_identity(app, login_citizen):
    client = app.test_client()
    login_citizen(client, identity={"id_number": "079192999002", "full_name": "Trần Thị Bích Ngọc",
                                    "date_of_birth": "1992-11-02"})
    assert client.get("/s/fx_example/whoami").get_data(as_text=True) == "Trần Thị Bích Ngọc|True|card"


def test_language_large_text_and_contrast_chosen_before_login_are_kept_but_nothing_else(
        app, csrf_token, reader_url):
    control.simulator(reader_url).insert_card(AN)
    client = app.test_client()
    token = csrf_token(client)
    client.post("/lang", data={"csrf_token": token, "lang": "en", "next": "/"})
    client.post("/display", data={"csrf_token": token, "text_size": "large", "next": "/"})
    client.post("/display", data={"csrf_token": token, "contrast": "high", "next": "/"})
    with client.session_transaction() as session:
        session["leftover"] = "from the anonymous session"
    assert _card_login(client, csrf_token).status_code == 302
    with client.session_transaction() as session:
        assert (session["lang"], session["text_size"], session["contrast"]) == ("en", "large", "high")
        assert "leftover" not in session and session["_user_id"].startswith("c:")
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "text-large" in page and "contrast-high" in page
