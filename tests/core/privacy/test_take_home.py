"""Must-fix 11 of issue 14: what a citizen takes home goes to their phone through a short-lived
signed QR link at the station's public URL — never a file on the kiosk, never an id in the URL."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlparse

import pytest

from core.audit.store import AuditEntry

PUBLIC = "https://tram-phuong-ben-nghe.example.vn"


@pytest.fixture(autouse=True)
def public_url(monkeypatch):
    monkeypatch.setenv("STATION_PUBLIC_URL", PUBLIC)


def phone_link(page: str) -> str:
    """The link inside the page's QR code (also on the figure's data-url for tests)."""
    return html.unescape(re.search(r'id="phone-link" data-url="([^"]+)"', page).group(1))


def open_on_phone(app, url: str):
    """The phone: a client with no session, opening the path of the link."""
    return app.test_client().get(urlparse(url).path)


def test_my_data_goes_to_the_phone_not_to_the_kiosk(private_station, login_citizen, csrf_token):
    client = private_station.test_client()
    citizen = login_citizen(client, assurance="basic")
    client.post("/my-data/consents/fx_private/health/grant", data={"csrf_token": csrf_token(client)})
    client.post("/s/fx_private/screenings", data={"notes": "Ho khan 3 ngày", "csrf_token": csrf_token(client)})
    kiosk = client.get("/my-data/export")
    page = kiosk.get_data(as_text=True)
    assert kiosk.status_code == 200 and kiosk.mimetype == "text/html"
    assert "Content-Disposition" not in kiosk.headers and "Ho khan" not in page
    assert "<svg" in page and "hết hạn sau 10 phút" in page and 'id="print-summary"' in page
    url = phone_link(page)
    assert url.startswith(PUBLIC + "/take-home/")           # the configured public URL, not the Host
    token = url.rsplit("/", 1)[1]
    assert str(citizen) not in token.split(".")[0] or len(token) > 40
    assert "citizen" not in url and "my_data" not in url
    phone = open_on_phone(private_station, url)
    assert phone.status_code == 200 and phone.mimetype == "application/json"
    assert phone.headers["Content-Disposition"].startswith("attachment;")
    assert phone.headers["Cache-Control"] == "no-store"
    data = json.loads(phone.get_data(as_text=True))
    assert data["citizen"]["id"] == citizen
    assert data["plugins"]["fx_private"]["screenings"][0]["notes"] == "Ho khan 3 ngày"
    log = client.get("/my-data/", headers={"Accept": "application/json"}).json["access_log"]
    assert any("điện thoại" in row["purpose"]["vi"] and row["who"] == f"citizen:{citizen}" for row in log)
    with private_station.app_context():
        actions = [json.loads(leaf)["action"] for (leaf,) in AuditEntry.select(AuditEntry.leaf).tuples()]
    assert "take_home.issued" in actions and "take_home.opened" in actions and "citizen.export" in actions


def test_a_link_expires_after_ten_minutes_with_a_vietnamese_page(private_station, login_citizen, station_clock):
    client = private_station.test_client()
    login_citizen(client, assurance="basic")
    url = phone_link(client.get("/my-data/export").get_data(as_text=True))
    station_clock.advance(9 * 60)
    assert open_on_phone(private_station, url).status_code == 200
    station_clock.advance(2 * 60)
    expired = open_on_phone(private_station, url)
    text = expired.get_data(as_text=True)
    assert expired.status_code == 410 and "<h1>Liên kết đã hết hạn</h1>" in text and "Traceback" not in text
    assert "Content-Disposition" not in expired.headers


@pytest.mark.parametrize("change", ["nonce", "mac", "truncate", "garbage"])
def test_a_tampered_link_is_refused(private_station, login_citizen, change):
    client = private_station.test_client()
    login_citizen(client, assurance="basic")
    url = phone_link(client.get("/my-data/export").get_data(as_text=True))
    nonce, mac = urlparse(url).path.rsplit("/", 1)[1].split(".")
    token = {"nonce": ("A" if nonce[0] != "A" else "B") + nonce[1:] + "." + mac,
             "mac": nonce + "." + ("0" if mac[0] != "0" else "1") + mac[1:],
             "truncate": nonce, "garbage": "x" * 30}[change]
    refused = private_station.test_client().get(f"/take-home/{token}")
    assert refused.status_code == 403 and "<h1>Liên kết không hợp lệ</h1>" in refused.get_data(as_text=True)


def test_a_link_opens_only_its_own_citizens_data(private_station, login_citizen, csrf_token):
    first, second = private_station.test_client(), private_station.test_client()
    one = login_citizen(first, assurance="basic")
    two = login_citizen(second, assurance="basic")
    assert one != two
    url_one = phone_link(first.get("/my-data/export").get_data(as_text=True))
    url_two = phone_link(second.get("/my-data/export").get_data(as_text=True))
    assert url_one != url_two
    assert json.loads(open_on_phone(private_station, url_two).get_data())["citizen"]["id"] == two


def test_the_printed_summary_goes_to_the_receipt_printer_and_no_file_is_written(
        make_station, login_citizen, csrf_token, tmp_path, monkeypatch):
    import secrets

    from hal.sim import control
    from tests.core.privacy.conftest import FIXTURE_PLUGINS, PRIVACY_PLUGINS, with_my_data

    printer_url = f"sim://receipt_printer?profile=ok&instance=th-{secrets.token_hex(4)}"
    app = with_my_data(make_station(plugins=["fx_example", "fx_private"], plugin_paths=(FIXTURE_PLUGINS, PRIVACY_PLUGINS),
                                    devices=[{"id": "printer-1", "kind": "receipt_printer", "url": printer_url}]))
    client = app.test_client()
    login_citizen(client, assurance="basic")
    monkeypatch.chdir(tmp_path)
    printed = client.post("/my-data/export", data={"csrf_token": csrf_token(client), "take_home": "print"})
    page = printed.get_data(as_text=True)
    assert printed.status_code == 200 and 'id="printed"' in page and 'id="phone-link"' in page
    (receipt,) = control.simulator(printer_url).receipts
    assert "DỮ LIỆU CỦA TÔI" in receipt.text
    assert list(tmp_path.iterdir()) == []
    unprotected = client.post("/my-data/export", data={"take_home": "print"})
    assert unprotected.status_code == 400                   # CSRF


def test_the_print_button_says_what_is_wrong_when_there_is_no_printer(private_station, login_citizen, csrf_token):
    client = private_station.test_client()
    login_citizen(client, assurance="basic")
    response = client.post("/my-data/export", data={"csrf_token": csrf_token(client), "take_home": "print"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="print-problem"' in page and 'id="phone-link"' in page


def test_the_link_uses_the_listening_address_only_when_no_public_url_is_set(private_station, login_citizen,
                                                                         monkeypatch):
    monkeypatch.delenv("STATION_PUBLIC_URL")
    client = private_station.test_client()
    login_citizen(client, assurance="basic")
    url = phone_link(client.get("/my-data/export").get_data(as_text=True))
    server = private_station.extensions["station"].config.server
    assert url.startswith(f"http://{server['host']}:{server['port']}/take-home/")   # not the test client's Host


def test_links_are_forgotten_a_day_after_they_expire(private_station, login_citizen, station_clock):
    from core.take_home import TakeHomeLink

    client = private_station.test_client()
    login_citizen(client, assurance="basic")
    client.get("/my-data/export")
    station_clock.advance(86400 + 11 * 60)
    client.get("/my-data/export")
    with private_station.app_context():
        assert TakeHomeLink.select().count() == 1
