"""Issue 16 item 2: after login, language or display changes the browser is sent only to a
path on this site — never to another host (backslash tricks), never with injected headers."""

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

from core.web.redirects import is_same_site_path, safe_next

STATION_JS = Path(__file__).resolve().parents[2] / "core" / "web" / "static" / "station.js"
HOSTILE = ["/\\evil.example/phish", "\\\\evil.example", "//evil.example", "/\\/evil.example",
           "https://evil.example/", "javascript:alert(1)", "/\r\nX-Injected: 1", "/\nX-Injected: 1",
           "/ok\x00", "/\tevil", "/%0d%0a", "", None, "evil.example", "/s/x\\y"]
FINE = ["/", "/s/banking/transfer", "/s/fx_example/?a=1&b=%2F", "/my-data/#top"]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_not_same_site(target):
    if target == "/%0d%0a":  # percent-encoded stays encoded in a Location header: harmless path
        assert is_same_site_path(target)
        return
    assert not is_same_site_path(target)
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("target", FINE)
def test_same_site_paths_are_kept(target):
    assert safe_next(target) == target


def _vneid_login(app, csrf_token, next_param):
    kiosk = app.test_client()
    page = kiosk.get("/login/vneid", query_string={"next": next_param}).get_data(as_text=True)
    claim_url = re.search(r'data-claim-url="([^"]+)"', page).group(1).replace("&amp;", "&")
    uri = unquote(re.search(r'/sim/vneid/phone\?r=([^"]+)"', page).group(1).replace("&amp;", "&"))
    phone = app.test_client()
    assert phone.post("/sim/vneid/phone", data={"r": uri, "account": "0", "level": "2",
                                                "csrf_token": csrf_token(phone)}).status_code == 200
    return kiosk.post(claim_url, headers={"X-CSRF-Token": csrf_token(kiosk), "Accept": "application/json"})


def test_vneid_claim_never_returns_a_backslash_path(make_station, csrf_token):
    app = make_station(plugins=[])
    done = _vneid_login(app, csrf_token, "/\\evil.example/phish")
    assert done.json["status"] == "done"
    assert done.json["next"] == "/"


@pytest.mark.parametrize("path", ["/lang", "/display"])
def test_shell_redirects_refuse_header_injection_and_other_sites(make_station, csrf_token, path):
    app = make_station(plugins=[])
    client = app.test_client()
    for target in ["/\r\nX-Injected: 1", "/\\evil.example/phish", "//evil.example"]:
        response = client.post(path, data={"next": target, "lang": "en", "csrf_token": csrf_token(client)})
        assert response.status_code == 302, target
        assert response.headers["Location"] == "/"
        assert "X-Injected" not in response.headers


def _hidden_next(page):
    """The login forms' ``next`` fields (not the language switch's, which carries the page's own URL)."""
    found = re.findall(r'<input type="hidden" name="next" value="([^"]*)"', page.get_data(as_text=True))
    return [value for value in found if "?next=" not in value]


def test_staff_and_card_login_refuse_header_injection(make_station, csrf_token):
    app = make_station(plugins=[])
    client = app.test_client()
    page = client.get("/staff/login", query_string={"next": "/\r\nX-Injected: 1"})
    assert page.status_code == 200 and _hidden_next(page) == [""]
    card = client.get("/login/card", query_string={"next": "/\r\nX-Injected: 1"})
    assert card.status_code == 200 and set(_hidden_next(card)) == {"/"}
    refused = client.post("/staff/login", data={"username": "nobody", "password": "x" * 12,
                                                "next": "/\r\nX-Injected: 1", "csrf_token": csrf_token(client)})
    assert refused.status_code == 401 and _hidden_next(refused)[-1] == ""
    assert "X-Injected: 1" not in refused.get_data(as_text=True)


def test_banking_consent_next_stays_inside_the_plugin(make_station, login_citizen, csrf_token):
    app = make_station(plugins=["banking"])
    client = app.test_client()
    login_citizen(client)
    response = client.post("/s/banking/consent", data={
        "need": "personal", "agree_personal": "yes", "next": "/s/banking/\r\nX-Injected: 1",
        "csrf_token": csrf_token(client)})
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith("/s/banking/") and "X-Injected" not in response.headers


@pytest.mark.skipif(not shutil.which("node"), reason="node is not installed")
def test_station_js_navigates_only_to_same_site_paths():
    source = STATION_JS.read_text(encoding="utf-8")
    match = re.search(r"var sameSitePath = function \(target\) \{.*?\n  \};", source, re.S)
    assert match, "station.js must check the claim's next before navigating"
    assert "window.location.assign(sameSitePath(res.body.next))" in source
    cases = HOSTILE + FINE + [42]
    script = match.group(0) + f"\nconsole.log(JSON.stringify({json.dumps(cases)}.map(sameSitePath)));"
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30, check=True)
    results = json.loads(out.stdout)
    for target, result in zip(cases, results, strict=True):
        expected = target if target in FINE or target == "/%0d%0a" else "/"
        assert result == expected, (target, result)
