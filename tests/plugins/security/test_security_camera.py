"""Police reports with a photo from the kiosk camera (a simulated VC0706 camera on sim://):
take → preview → use / retake, stored encrypted with the report, never a file on the kiosk."""

from __future__ import annotations

import base64
import re

import pytest

from hal.sim import control
from hal.sim.camera import simulated_photo_jpeg

CAMERA_URL = "sim://camera?profile=ok&capture_s=0.01"


@pytest.fixture(autouse=True)
def fresh_camera():
    """Every test starts with the simulated camera at power-on (no pictures taken)."""
    control.forget_all()
    yield
    control.forget_all()


@pytest.fixture
def app(make_station):
    return make_station(plugins=["security"], devices=[
        {"id": "camera-1", "kind": "camera", "url": CAMERA_URL,
         "options": {"answer_timeout": 0.3, "capture_timeout": 0.5}}],
        connectors={"ward_police": {"kind": "simulator", "step_seconds": 60}})


FORM = {"category": "id_card", "description": "Mất thẻ căn cước ở chợ phường", "occurred": "20/09/2026",
        "place": "Chợ phường"}


def _state(page: str) -> str:
    return re.search(r'id="camera-photo" data-state="(\w+)"', page).group(1)


def _hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def _files_under(path):
    return {p for p in path.rglob("*") if p.is_file()}


def test_the_kiosk_offers_the_camera_not_a_file_picker(app, login_citizen):
    client = app.test_client()
    login_citizen(client)
    page = client.get("/s/security/report/lost_documents").get_data(as_text=True)
    assert 'id="camera-take"' in page and "Chụp ảnh" in page
    assert 'type="file"' not in page
    assert "<script>" not in page and "style=" not in page
    tip = app.test_client().get("/s/security/tip").get_data(as_text=True)
    assert 'id="camera-take"' in tip and 'type="file"' not in tip


def test_take_preview_retake_use_then_send_stores_the_photo_encrypted_with_the_report(
        app, csrf_token, login_citizen, tmp_path):
    client = app.test_client()
    citizen_id = login_citizen(client)
    home = app.extensions["station"].config.home
    files_before = _files_under(home)
    token = csrf_token(client)
    taken = client.post("/s/security/report/lost_documents/photo", data={**FORM, "csrf_token": token,
                                                                        "camera": "take"})
    page = taken.get_data(as_text=True)
    assert taken.status_code == 200 and _state(page) == "preview" and taken.headers["Cache-Control"] == "no-store"
    assert "Dùng ảnh này" in page and "Chụp lại" in page and 'id="consent"' not in page  # decide first
    assert "Mất thẻ căn cước ở chợ phường" in page and 'value="Chợ phường"' in page  # typed text kept
    first = base64.b64decode(_hidden(page, "photo_preview"))
    assert first == simulated_photo_jpeg(1)
    assert f'src="data:image/jpeg;base64,{_hidden(page, "photo_preview")}"' in page

    again = client.post("/s/security/report/lost_documents/photo", data={
        **FORM, "csrf_token": token, "camera": "take", "photo_preview": _hidden(page, "photo_preview")})
    page = again.get_data(as_text=True)
    second = base64.b64decode(_hidden(page, "photo_preview"))
    assert second == simulated_photo_jpeg(2) != first  # "Chụp lại" takes a new picture

    used = client.post("/s/security/report/lost_documents/photo", data={
        **FORM, "csrf_token": token, "camera": "use", "photo_preview": _hidden(page, "photo_preview")})
    page = used.get_data(as_text=True)
    assert _state(page) == "chosen" and 'id="camera-chosen"' in page
    photo_data = _hidden(page, "photo_data")

    done = client.post("/s/security/report/lost_documents", data={**FORM, "csrf_token": token, "agree": "yes",
                                                                   "photo_data": photo_data})
    code = re.search(r'id="tracking-code" class="mono">([^<]+)<', done.get_data(as_text=True)).group(1)
    with app.app_context():
        from plugins.security.models import Report
        from sdk.privacy import read_personal

        [row] = read_personal(Report.select().where(Report.tracking_code == code), purpose="test")
        assert row.citizen_id == citizen_id
        assert bytes.fromhex(row.content["photo"]) == second and row.content["photo_type"] == "image/jpeg"
    raw = b"".join(p.read_bytes() for p in home.glob("station.db*"))
    assert second[200:260] not in raw and second.hex()[400:480].encode() not in raw  # encrypted at rest
    new_files = _files_under(home) - files_before
    assert not [p for p in new_files if p.suffix.lower() in (".jpg", ".jpeg", ".png")]  # no photo file
    entry = [e for e in _audit(app) if e["action"] == "security.report_received"][-1]
    assert entry["details"]["photo"] is True


def _audit(app):
    import json

    with app.app_context():
        return [json.loads(leaf) for leaf in app.extensions["station"].audit.export()]


def test_a_camera_problem_is_a_message_next_to_the_button_and_the_report_still_goes(app, csrf_token,
                                                                                  login_citizen):
    client = app.test_client()
    login_citizen(client)
    token = csrf_token(client)
    control.unplug(CAMERA_URL)
    page = client.post("/s/security/report/lost_documents/photo", data={
        **FORM, "csrf_token": token, "camera": "take"}).get_data(as_text=True)
    assert _state(page) == "empty" and 'id="camera-error"' in page
    assert "không được kết nối" in page and "Mất thẻ căn cước ở chợ phường" in page
    done = client.post("/s/security/report/lost_documents", data={**FORM, "csrf_token": token, "agree": "yes"})
    assert done.status_code == 200 and 'id="tracking-code"' in done.get_data(as_text=True)


def test_a_photo_that_is_not_a_jpeg_is_refused(app, csrf_token, login_citizen):
    client = app.test_client()
    login_citizen(client)
    token = csrf_token(client)
    fake = base64.b64encode(b"%PDF-1.4 not a photo").decode()
    bad = client.post("/s/security/report/lost_documents", data={**FORM, "csrf_token": token, "agree": "yes",
                                                                  "photo_data": fake})
    assert bad.status_code == 400
    junk = client.post("/s/security/report/lost_documents/photo", data={
        **FORM, "csrf_token": token, "camera": "use", "photo_preview": "@@not base64@@"})
    assert junk.status_code == 400


def test_the_photo_step_needs_csrf_and_an_identified_citizen_for_a_report(app, csrf_token):
    client = app.test_client()
    refused = client.post("/s/security/report/lost_documents/photo", data={**FORM, "camera": "take"})
    assert refused.status_code in (302, 400, 401, 403)
    sim = control.simulator(CAMERA_URL)
    assert sim is None or sim.pictures_taken == 0  # the camera was never used


def test_an_anonymous_tip_takes_a_photo_too(app, csrf_token):
    client = app.test_client()
    token = csrf_token(client)
    tip = {"category": "fraud", "description": "Gọi điện giả danh công an", "csrf_token": token}
    taken = client.post("/s/security/tip/photo", data={**tip, "camera": "take"})
    assert taken.headers["Cache-Control"] == "no-store"  # not logged in, and still never cached
    page = taken.get_data(as_text=True)
    page = client.post("/s/security/tip/photo", data={**tip, "camera": "use",
                                                      "photo_preview": _hidden(page, "photo_preview")}
                       ).get_data(as_text=True)
    done = client.post("/s/security/tip", data={**tip, "photo_data": _hidden(page, "photo_data")})
    assert 'id="tracking-code"' in done.get_data(as_text=True)
    with app.app_context():
        from plugins.security.models import AnonymousTip

        assert AnonymousTip.get().photo_type == "image/jpeg"


def test_without_a_camera_the_form_keeps_a_file_field(make_station, login_citizen):
    app = make_station(plugins=["security"])
    client = app.test_client()
    login_citizen(client)
    page = client.get("/s/security/report/lost_documents").get_data(as_text=True)
    assert 'type="file"' in page and 'id="camera-take"' not in page
