"""Issue 16 item 4: behind a TLS-terminating reverse proxy (trusted hop count, public_url) the
session cookie is Secure with the __Host- prefix, HSTS is sent, and links and QR codes use the
configured address — never the Host header."""

from __future__ import annotations

import pytest

from core.config import config_from_dict
from core.errors import ConfigError

PUBLIC = "https://tram-phuong-7.example.vn"


def _proxied(make_station, **server):
    return make_station(plugins=[], server={"host": "127.0.0.1", "port": 8080, "threads": 8, **server})


def test_behind_a_trusted_proxy_the_cookie_is_secure_host_prefixed_and_hsts_is_sent(make_station, csrf_token):
    app = _proxied(make_station, public_url=PUBLIC, trusted_proxies=1)
    client = app.test_client()
    proxied = {"headers": {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
               "base_url": "http://127.0.0.1:8080"}
    import re

    page = client.get("/", **proxied).get_data(as_text=True)  # an anonymous view: no session row yet
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/lang", data={"lang": "en", "csrf_token": token}, **proxied)
    assert response.status_code == 302  # the language is kept: now there is a session
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "station_session=" in c)
    assert cookie.startswith("__Host-station_session=") and "Secure" in cookie and "Domain" not in cookie
    assert "Path=/" in cookie and "HttpOnly" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_proxy_hop_count_decides_which_client_address_is_believed(make_station):
    app = _proxied(make_station, trusted_proxies=1)
    seen = {}

    @app.route("/_addr")
    def addr():  # pragma: no cover — only reached in this test
        from flask import request

        seen["addr"], seen["secure"] = request.remote_addr, request.is_secure
        return ""

    from core.permissions import public

    public(addr)
    app.test_client().get("/_addr", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9",
                                             "X-Forwarded-Proto": "https"})
    assert seen == {"addr": "203.0.113.9", "secure": True}  # only the last hop, the proxy's word


def test_without_a_trusted_proxy_forwarded_headers_are_ignored_and_no_hsts(make_station, csrf_token):
    app = make_station(plugins=[])
    client = app.test_client()
    response = client.post("/lang", data={"lang": "en", "csrf_token": csrf_token(client)},
                           headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Set-Cookie"].startswith("station_session=")
    assert "Secure" not in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in response.headers


def test_receipt_verification_links_use_the_configured_public_url_not_the_host_header(make_station):
    app = _proxied(make_station, public_url=PUBLIC, trusted_proxies=1)
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert app.extensions["payments"].public_url() == PUBLIC


def test_public_url_must_be_an_http_url(tmp_path):
    with pytest.raises(ConfigError):
        config_from_dict({"site": {"id": "s1", "name_vi": "a", "name_en": "a"},
                          "server": {"public_url": "javascript:alert(1)"}}, tmp_path)
