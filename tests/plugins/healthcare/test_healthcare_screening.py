"""Guided screening end to end with every simulated device, including faults and missing devices."""

from __future__ import annotations

import re

from healthcare_helpers import all_devices, audit_entries, device_entry


def _consent(client, csrf_token):
    page = client.get("/s/healthcare/screening")
    assert page.status_code == 200 and 'id="consent"' in page.get_data(as_text=True)
    client.post("/s/healthcare/screening/consent", data={"csrf_token": csrf_token(client)})


def _begin(client, csrf_token):
    response = client.post("/s/healthcare/screening", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    return response.headers["Location"]


def _post(client, csrf_token, url):
    return client.post(url, data={"csrf_token": csrf_token(client)})


def _measure_all(client, csrf_token, location):
    """Press Measure on every step until the result page; returns the result page text."""
    for _ in range(10):
        if location.endswith("/result"):
            break
        response = _post(client, csrf_token, location + "/measure")
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        location = response.headers["Location"]
    return client.get(location).get_data(as_text=True)


def test_screening_needs_explicit_consent_before_the_first_measurement(health_station, login_citizen, csrf_token):
    app = health_station()
    client = app.test_client()
    login_citizen(client)
    page = client.get("/s/healthcare/screening").get_data(as_text=True)
    assert 'id="consent"' in page and "Bắt đầu đo" not in page
    refused = client.post("/s/healthcare/screening", data={"csrf_token": csrf_token(client)})
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/s/healthcare/screening")
    _consent(client, csrf_token)
    assert "Bắt đầu đo" in client.get("/s/healthcare/screening").get_data(as_text=True)
    assert any('"consent.grant"' in e and "healthcare:health" in e for e in audit_entries(app))


def test_screening_with_every_device_gives_values_ranges_and_advice(health_station, login_citizen, csrf_token):
    app = health_station()
    client = app.test_client()
    login_citizen(client)
    _consent(client, csrf_token)
    page = _measure_all(client, csrf_token, _begin(client, csrf_token))
    assert re.search(r'id="v-bp">120/80 mmHg', page)
    assert 'id="v-spo2">97 %' in page and 'id="v-pulse">72' in page
    assert 'id="v-weight">72,5 kg' in page and 'id="v-height">172,4 cm' in page
    assert 'id="v-bmi">24,4 kg/m²' in page          # 72.5 / 1.724² = 24.39
    assert 'data-quantity="bmi" data-category="overweight"' in page   # WHO Asia-Pacific: 23–24.9
    assert 'data-quantity="blood_pressure" data-category="normal"' in page
    assert 'id="urgent"' not in page and "không phải chẩn đoán" in page
    assert "<svg" in page  # the take-away QR code


def test_urgent_values_show_the_emergency_number(health_station, login_citizen, csrf_token):
    app = health_station(all_devices(blood_pressure=("ok", {"systolic": 186, "diastolic": 112}),
                                     pulse_oximeter=("ok", {"spo2": 88})))
    client = app.test_client()
    login_citizen(client)
    _consent(client, csrf_token)
    page = _measure_all(client, csrf_token, _begin(client, csrf_token))
    assert 'id="urgent"' in page and '<strong class="emergency">115</strong>' in page
    assert 'data-category="grade_3"' in page and 'data-quantity="spo2" data-category="very_low"' in page


def test_finger_out_reports_fault_then_retry_and_skip_work(health_station, login_citizen, csrf_token):
    app = health_station(all_devices(pulse_oximeter="finger_out"))
    client = app.test_client()
    login_citizen(client)
    _consent(client, csrf_token)
    location = _begin(client, csrf_token)
    location = _post(client, csrf_token, location + "/measure").headers["Location"]   # blood pressure ok
    assert location.endswith("/pulse_oximeter")
    fault = _post(client, csrf_token, location + "/measure")
    text = fault.get_data(as_text=True)
    assert fault.status_code == 409 and "ngón tay" in text and "Thử lại" in text and "Bỏ qua bước này" in text
    again = _post(client, csrf_token, location + "/measure")       # retry: still no finger
    assert again.status_code == 409
    skipped = _post(client, csrf_token, location + "/skip")
    assert skipped.headers["Location"].endswith("/thermometer")
    page = _measure_all(client, csrf_token, skipped.headers["Location"])
    assert 'id="v-spo2"' not in page and 'data-kind="pulse_oximeter"' in page
    assert 'id="v-pulse">72' in page                              # from the blood pressure monitor
    assert any('"code":"finger_out"' in e for e in audit_entries(app))


def test_cuff_error_is_explained_and_the_step_can_be_retried(health_station, login_citizen, csrf_token):
    from hal.sim import control

    devices = all_devices(blood_pressure="cuff_error")
    app = health_station(devices)
    client = app.test_client()
    login_citizen(client)
    _consent(client, csrf_token)
    location = _begin(client, csrf_token)
    fault = _post(client, csrf_token, location + "/measure")
    assert fault.status_code == 409 and "vòng bít" in fault.get_data(as_text=True)
    control.set_profile(devices[1]["url"], "ok")                 # the citizen wraps the cuff again
    retried = _post(client, csrf_token, location + "/measure")
    assert retried.status_code == 303 and retried.headers["Location"].endswith("/pulse_oximeter")


def test_missing_devices_are_skipped_and_bmi_needs_both_weight_and_height(health_station, login_citizen,
                                                                           csrf_token):
    app = health_station([device_entry("pulse_oximeter"), device_entry("scale")])
    client = app.test_client()
    login_citizen(client)
    _consent(client, csrf_token)
    start = client.get("/s/healthcare/screening").get_data(as_text=True)
    assert "trạm chưa có thiết bị" in start
    location = _begin(client, csrf_token)
    step = client.get(location).get_data(as_text=True)
    assert 'id="missing"' in step and "Đo</button>" not in step
    missing = _post(client, csrf_token, location + "/measure")
    assert missing.status_code == 409
    location = _post(client, csrf_token, location + "/skip").headers["Location"]
    location = _post(client, csrf_token, location + "/measure").headers["Location"]     # oximeter
    location = _post(client, csrf_token, location + "/skip").headers["Location"]        # no thermometer
    location = _post(client, csrf_token, location + "/measure").headers["Location"]     # scale
    location = _post(client, csrf_token, location + "/skip").headers["Location"]        # no height rod
    page = client.get(location).get_data(as_text=True)
    assert 'id="v-weight"' in page and 'id="v-bmi"' not in page and 'id="v-bp"' not in page
    assert page.count("không có thiết bị") == 3


def test_another_citizen_cannot_open_my_screening(health_station, login_citizen, csrf_token):
    app = health_station()
    mine, other = app.test_client(), app.test_client()
    login_citizen(mine)
    login_citizen(other)
    _consent(mine, csrf_token)
    location = _begin(mine, csrf_token)
    _consent(other, csrf_token)
    assert other.get(location).status_code == 404


def test_results_are_encrypted_at_rest(health_station, login_citizen, csrf_token):
    app = health_station()
    client = app.test_client()
    login_citizen(client)
    _consent(client, csrf_token)
    _measure_all(client, csrf_token, _begin(client, csrf_token))
    with app.app_context():
        from plugins.healthcare.models import Screening

        raw = list(Screening.select(Screening.vitals).tuples())
    assert raw and all(b"systolic" not in bytes(value) for (value,) in raw)


def test_results_can_be_printed_or_taken_away_by_qr(health_station, login_citizen, csrf_token):
    import secrets

    from hal.sim import control

    printer_url = f"sim://receipt_printer?profile=ok&instance=hc-{secrets.token_hex(4)}"
    app = health_station([device_entry("pulse_oximeter"),
                          {"id": "printer-1", "kind": "receipt_printer", "url": printer_url}])
    client = app.test_client()
    login_citizen(client)
    _consent(client, csrf_token)
    location = _begin(client, csrf_token)
    while not location.endswith("/result"):
        action = "/skip" if 'id="missing"' in client.get(location).get_data(as_text=True) else "/measure"
        location = _post(client, csrf_token, location + action).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "<svg" in page
    result_url = re.search(r'action="(/s/healthcare/screening/\d+)/print"', page).group(1) + "/result"
    printed = _post(client, csrf_token, result_url.replace("/result", "/print"))
    assert printed.status_code == 303 and 'id="printed"' in client.get(printed.headers["Location"]).get_data(
        as_text=True)
    receipts = control.simulator(printer_url).receipts
    assert len(receipts) == 1
    text = receipts[0].text
    assert "KẾT QUẢ ĐO SỨC KHOẺ" in text and "Oxy trong máu (SpO2):" in text and "%" in text
    assert "Độ bão hoà oxy" in text and "không phải chẩn đoán" in text      # the verdict in plain words
    assert "spo2=" not in text and "systolic" not in text and re.search(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", text)


def test_hub_page_links_every_service_and_needs_login(health_station, login_citizen):
    app = health_station([])
    client = app.test_client()
    assert client.get("/s/healthcare/").status_code == 302                  # to the login screen
    login_citizen(client, assurance="basic")
    page = client.get("/s/healthcare/").get_data(as_text=True)
    for path in ("/screening", "/history", "/rx", "/shop", "/tele"):
        assert f'href="/s/healthcare{path}"' in page
    assert client.get("/s/healthcare/").headers["Cache-Control"] == "no-store"


def test_an_unplugged_monitor_is_not_ready_never_missing_and_measures_after_replug(health_station, login_citizen,
                                                                                  csrf_token):
    from hal.sim import control

    devices = all_devices()
    app = health_station(devices)
    client = app.test_client()
    login_citizen(client)
    _consent(client, csrf_token)
    location = _begin(client, csrf_token)
    assert location.endswith("/blood_pressure")
    bp_url = devices[1]["url"]
    control.unplug(bp_url)
    for _ in range(2):                                            # the second try tells the same story
        fault = _post(client, csrf_token, location + "/measure")
        text = fault.get_data(as_text=True)
        assert fault.status_code == 409 and "chưa sẵn sàng" in text
        assert "chưa có thiết bị này" not in text                   # never "this station has no such device"
    control.replug(bp_url)
    assert _post(client, csrf_token, location + "/measure").status_code == 303


def test_stepper_marks_the_current_step_and_results_explain_in_plain_words(health_station, login_citizen,
                                                                            csrf_token):
    app = health_station()
    client = app.test_client()
    login_citizen(client)
    _consent(client, csrf_token)
    first = _begin(client, csrf_token)
    step = client.get(first).get_data(as_text=True)
    assert re.search(r'<li class="current" data-kind="blood_pressure" aria-current="step">', step)
    assert 'data-busy-seconds="45"' in step and 'data-busy-lock="main"' in step and 'id="skip"' in step
    assert "Thời gian đo khoảng 45 giây" in step
    second = _post(client, csrf_token, first + "/measure").headers["Location"]
    page = client.get(second).get_data(as_text=True)
    assert '<li class="done" data-kind="blood_pressure">' in page and "đã đo" in page
    assert re.search(r'<li class="current" data-kind="pulse_oximeter" aria-current="step">', page)
    location = _post(client, csrf_token, second + "/skip").headers["Location"]
    assert '<li class="skipped" data-kind="pulse_oximeter">' in client.get(location).get_data(as_text=True)
    while not location.endswith("/result"):
        location = _post(client, csrf_token, location + "/measure").headers["Location"]
    result = client.get(location).get_data(as_text=True)
    assert 'class="card results-big" data-read-aloud' in result
    assert re.search(r'data-verdict="blood_pressure"><strong>[^<]*Huyết áp[^<]*\.</strong> Sức ép của máu', result)
    assert "Oxy trong máu và mạch: đã bỏ qua" in result and "pulse oximeter" not in result


def test_a_screening_keeps_only_age_band_and_sex_for_planners(health_station, login_citizen, csrf_token):
    """The planners' counts carry the age band and sex of the verified card, never the birth date."""
    from plugins.healthcare.models import Screening
    from plugins.healthcare.planning import planning_counts

    app = health_station()
    client = app.test_client()
    login_citizen(client, identity={"id_number": "001085999001", "full_name": "Nguyễn Văn An",
                                    "date_of_birth": "1960-03-14", "sex": "male",
                                    "residence": "Số 12 phố Mẫu, phường Thử Nghiệm, Hà Nội"})
    _consent(client, csrf_token)
    _measure_all(client, csrf_token, _begin(client, csrf_token))
    with app.app_context():
        [row] = Screening.select()
        assert row.vitals["group"] == {"age_band": "60-74", "sex": "male"}  # 66 at the station's clock
        assert "1960" not in str(row.vitals)
        counts = planning_counts(0, 4e9)
    assert {"statistic": "bp_category", "cell": {"category": "normal", "age_band": "60-74", "sex": "male"},
            "count": 1} in counts
    assert {"statistic": "bmi_category", "cell": {"category": "overweight", "age_band": "60-74", "sex": "male"},
            "count": 1} in counts


def test_hub_tiles_follow_the_language_and_the_application_root(health_station, login_citizen):
    """The hub's tiles are rendered once per language and application root (shell_fragment):
    a station served under a prefix, or switched to English, gets its own links and words."""
    app = health_station([])
    client = app.test_client()
    login_citizen(client, assurance="basic")
    page = client.get("/s/healthcare/").get_data(as_text=True)
    assert 'href="/s/healthcare/screening"' in page and "Đo sức khoẻ" in page
    prefixed = client.get("/s/healthcare/", environ_overrides={"SCRIPT_NAME": "/kiosk"}).get_data(as_text=True)
    assert 'href="/kiosk/s/healthcare/screening"' in prefixed
    assert 'href="/s/healthcare/screening"' not in prefixed
    with client.session_transaction() as session:
        session["lang"] = "en"
    english = client.get("/s/healthcare/").get_data(as_text=True)
    assert "Health screening" in english and "Đo sức khoẻ" not in english
    assert 'href="/s/healthcare/screening"' in english
