"""Safe mode and chip-card login off are visible (issue 23): start-up notes, /healthz flags,
console banners, and the kiosk tells the citizen in Vietnamese (no file path)."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization

from core.health import startup_notes
from hal.testpki import generate_test_pki


def _token(client):
    import secrets

    with client.session_transaction() as session:
        session.setdefault("_csrf", secrets.token_urlsafe(32))
        return session["_csrf"]


def test_without_a_csca_certificate_card_login_is_off_everywhere(make_station, login_staff):
    app = make_station(plugins=[])
    station = app.extensions["station"]
    notes = startup_notes(station)
    assert any("chip-card login is OFF" in n and "trust/csca" in n for n in notes)
    health = app.test_client().get("/healthz").get_json()
    assert health["card_login"].startswith("off") and health["status"] == "degraded"
    kiosk = app.test_client()
    with kiosk.session_transaction() as session:
        session["lang"] = "vi"
    response = kiosk.get("/login/card")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "chưa bật đăng nhập bằng thẻ căn cước gắn chip" in page
    refused = kiosk.post("/login/card", data={"mode": "scan", "csrf_token": _token(kiosk)})
    assert refused.status_code == 503 and "chưa bật đăng nhập" in refused.get_data(as_text=True)
    assert "trust" not in page.split("<main")[-1] and str(station.config.home) not in page
    manager = app.test_client()
    login_staff(manager, roles=("manager",))
    assert 'id="banner-card-login-off"' in manager.get("/console/").get_data(as_text=True)


def test_with_a_csca_certificate_card_login_is_on(make_station, login_staff):
    app = make_station(plugins=[])
    folder = app.extensions["station"].config.home / "trust" / "csca"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "csca.pem").write_bytes(generate_test_pki().csca_certificate.public_bytes(serialization.Encoding.PEM))
    assert app.test_client().get("/healthz").get_json()["card_login"] == "on"
    assert app.test_client().get("/login/card").status_code == 200
    assert not startup_notes(app.extensions["station"])
    manager = app.test_client()
    login_staff(manager, roles=("manager",))
    assert 'id="banner-card-login-off"' not in manager.get("/console/").get_data(as_text=True)


def test_safe_mode_is_in_the_start_up_notes_healthz_and_a_console_banner(make_station, login_staff):
    app = make_station(plugins=[], safe_mode=True)
    assert any(n.startswith("SAFE MODE") for n in startup_notes(app.extensions["station"]))
    assert app.test_client().get("/healthz").get_json()["safe_mode"] is True
    manager = app.test_client()
    login_staff(manager, roles=("manager",))
    assert 'id="banner-safe-mode"' in manager.get("/console/").get_data(as_text=True)
