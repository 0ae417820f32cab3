"""Server-side sessions: id rotation, idle timeout, absolute lifetime, logout wipe."""

import hashlib

from core.sessions import COOKIE_NAME, WebSession


def _cookie(client):
    cookie = client.get_cookie(COOKIE_NAME)
    return cookie.value if cookie else None


def test_session_cookie_holds_only_a_random_id_and_db_stores_its_hash(example_station, login_citizen):
    client = example_station.test_client()
    login_citizen(client)
    sid = _cookie(client)
    with example_station.app_context():
        row = WebSession.get_by_id(hashlib.sha256(sid.encode()).hexdigest())
    assert sid not in row.data
    assert "_user_id" in row.data


def test_idle_citizen_session_ends_after_idle_timeout(example_station, login_citizen, station_clock):
    client = example_station.test_client()
    login_citizen(client)
    station_clock.advance(119)
    assert client.get("/s/fx_example/").status_code == 200
    station_clock.advance(121)
    assert _sent_to_login(client.get("/s/fx_example/"))


def test_absolute_lifetime_ends_an_active_session(example_station, login_citizen, station_clock):
    client = example_station.test_client()
    login_citizen(client)
    for _ in range(16):  # keep it active, 16 × 115 s = 1840 s > 1800 s lifetime
        station_clock.advance(115)
        response = client.get("/s/fx_example/")
    assert _sent_to_login(response)


def test_staff_get_a_longer_idle_timeout(example_station, login_staff, station_clock):
    client = example_station.test_client()
    login_staff(client, roles=("pharmacist",))
    station_clock.advance(600)
    assert client.get("/s/fx_example/staff").status_code == 200


def test_logout_deletes_the_session_and_clears_site_data(example_station, login_citizen, csrf_token):
    client = example_station.test_client()
    login_citizen(client)
    sid = _cookie(client)
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    with example_station.app_context():
        assert WebSession.get_or_none(WebSession.id_hash == hashlib.sha256(sid.encode()).hexdigest()) is None
    assert _sent_to_login(client.get("/s/fx_example/"))


def test_login_issues_a_new_session_id(make_station, station_clock):
    from flask import session

    from core.identity.models import Citizen
    from core.identity.principals import login_citizen
    from core.permissions import public

    app = make_station(plugins=[])

    @app.route("/_test_login")
    @public
    def _test_login():
        citizen = Citizen.create(id_hash="a" * 64, created_at=station_clock())
        login_citizen(citizen, "high", "card")
        return session["_assurance"]

    client = app.test_client()
    token = _form_token(client.get("/").get_data(as_text=True))
    client.post("/lang", data={"csrf_token": token, "lang": "en"})  # an anonymous session exists before login
    before = _cookie(client)
    assert before
    assert client.get("/_test_login").get_data(as_text=True) == "high"
    after = _cookie(client)
    assert after and after != before
    with app.app_context():
        assert WebSession.get_or_none(WebSession.id_hash == hashlib.sha256(before.encode()).hexdigest()) is None
        assert WebSession.get_or_none(WebSession.id_hash == hashlib.sha256(after.encode()).hexdigest())


def _sent_to_login(response) -> bool:
    """Refused: an HTML page request is redirected to a login screen."""
    return response.status_code == 302 and "/login" in response.headers["Location"]


def _form_token(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_anonymous_page_views_write_no_session_row(station_app):
    """Failure 7 of the fault campaign: 20 cookie-less GETs of / made 20 rows."""
    with station_app.app_context():
        before = WebSession.select().count()
    for _ in range(20):
        client = station_app.test_client()  # a crawler: no cookies kept between requests
        for path in ("/", "/login/", "/console/login", "/s/security/", "/transparency"):
            assert client.get(path).status_code in (200, 302, 404), path
    with station_app.app_context():
        assert WebSession.select().count() == before


def test_anonymous_form_works_with_the_signed_cookie_token_and_then_keeps_a_session(station_app):
    client = station_app.test_client()
    page = client.get("/")
    token = _form_token(page.get_data(as_text=True))
    assert client.get_cookie("station_csrf") is not None and _cookie(client) is None
    response = client.post("/lang", data={"csrf_token": token, "lang": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    with station_app.app_context():
        assert WebSession.select().count() == 1  # the language is something to keep


def test_forged_or_missing_token_is_still_refused_for_anonymous_visitors(station_app):
    client = station_app.test_client()
    client.get("/")
    assert client.post("/lang", data={"csrf_token": "0" * 64, "lang": "en"}).status_code == 400
    other = station_app.test_client()  # a token of another visitor's cookie does not fit this one
    token = _form_token(other.get("/").get_data(as_text=True))
    assert client.post("/lang", data={"csrf_token": token, "lang": "en"}).status_code == 400


def test_expired_sessions_are_purged(example_station, login_citizen, station_clock):
    first, second = example_station.test_client(), example_station.test_client()
    login_citizen(first)
    login_citizen(second)
    with example_station.app_context():
        assert WebSession.select().count() == 2
    station_clock.advance(2000)  # past idle and absolute lifetime; nobody comes back
    example_station.test_client().get("/")  # any later request purges
    with example_station.app_context():
        assert WebSession.select().count() == 0
