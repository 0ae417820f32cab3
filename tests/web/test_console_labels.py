"""The console says device states, device kinds, reasons and plugin states in Vietnamese
(English when chosen), also in the live device refresh; staff login errors too (issue 23)."""

from __future__ import annotations

from core.console.labels import device_kind, device_reason, device_status, plugin_state


def test_codes_become_words_in_both_languages():
    assert (device_status("NOT_READY", "vi"), device_status("NOT_READY", "en")) == ("Chưa sẵn sàng", "Not ready")
    assert device_kind("receipt_printer", "vi") == "máy in biên nhận"
    assert device_reason("paper_out", "vi").startswith("Máy in hết giấy")
    assert plugin_state("missing_device", "vi") == "thiếu thiết bị" and plugin_state("weird", "vi") == "weird"


def test_devices_page_and_live_json_use_the_words(make_station, login_staff):
    app = make_station(plugins=[], devices=[{"id": "printer-1", "kind": "receipt_printer",
                                             "url": "sim://receipt_printer?profile=ok&instance=labels"}])
    client = app.test_client()
    login_staff(client, roles=("manager",))
    page = client.get("/console/devices/").get_data(as_text=True)
    assert "máy in biên nhận" in page
    devices = client.get("/console/devices/status.json").get_json()["devices"]
    assert devices[0]["status"] == "READY" and devices[0]["status_label"] == "Sẵn sàng"


def test_staff_login_error_is_in_the_pages_language(make_station, csrf_token):
    app = make_station(plugins=[])
    client = app.test_client()
    response = client.post("/staff/login", data={"username": "x", "password": "y", "csrf_token": csrf_token(client)})
    assert "Sai tên đăng nhập, mật khẩu hoặc mã." in response.get_data(as_text=True)
    with client.session_transaction() as session:
        session["lang"] = "en"
    response = client.post("/staff/login", data={"username": "x", "password": "y", "csrf_token": csrf_token(client)})
    assert "Wrong username, password or code." in response.get_data(as_text=True)


def test_plugin_reasons_are_worded_in_vietnamese():
    from core.console.labels import plugin_reason

    assert plugin_reason("needs sdk >=2,<3; this station provides 1.3", "vi") == "cần sdk >=2,<3; trạm này có sdk 1.3"
    assert plugin_reason("disabled for this site", "vi") == "đã tắt cho trạm này"
    assert plugin_reason("start failed: RuntimeError: boom", "vi") == "lỗi ở bước start: RuntimeError: boom"
    assert plugin_reason("something else", "vi") == "something else"
    assert plugin_reason("needs blood_pressure: no blood_pressure in inventory", "vi").startswith("thiếu thiết bị — ")


def test_audit_outcomes_device_makes_and_technical_reasons_in_the_consoles_words():
    from core.console.labels import audit_outcome, device_make, plugin_reason

    assert audit_outcome("refused", "vi") == "bị từ chối" and audit_outcome("refused", "en") == "refused"
    assert device_make("Simulated", "vi") == "Mô phỏng" and device_make("Contec (simulated)", "vi") == "Contec (mô phỏng)"
    assert device_make("Simulated", "en") == "Simulated" and device_make("Contec", "vi") == "Contec"
    html = str(plugin_reason("invalid manifest: /x/<y>/manifest.toml: bad", "vi", markup=True))
    assert html == ('tệp khai báo (manifest) không hợp lệ: '
                    '<code translate="no">/x/&lt;y&gt;/manifest.toml: bad</code>')
    assert str(plugin_reason("something odd", "vi", markup=True)) == '<code translate="no">something odd</code>'


def test_what_the_drivers_status_probes_note_is_in_words():
    from core.console.labels import device_reason

    for note in ("measuring", "capturing", "no card", "card present", "no document", "document ready", "overloaded"):
        assert device_reason(note, "vi") != note and device_reason(note, "en") == note
