"""The one device-use path: absent / not ready (with the device's reason code) / busy / failed
are told apart, in the citizen's language, in the sdk and in the core pages that use devices."""

import secrets
import threading

import pytest

from hal.sim import control
from sdk.devices import DeviceUnavailable, device, device_status, measure, use_device
from sdk.printing import print_receipt


def _trust_test_csca(app) -> None:
    from cryptography.hazmat.primitives import serialization

    from hal.testpki import generate_test_pki

    folder = app.extensions["station"].config.home / "trust" / "csca"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "csca.pem").write_bytes(generate_test_pki().csca_certificate.public_bytes(serialization.Encoding.PEM))


def _url(kind: str, extra: str = "") -> str:
    return f"sim://{kind}?instance={secrets.token_hex(4)}{extra}"


def _request(app, lang: str):
    return app.test_request_context(f"/?lang={lang}")


def test_a_station_without_the_device_says_absent_in_both_languages(make_station):
    app = make_station(plugins=[])
    for lang, words in (("vi", "Trạm này không có máy in biên nhận"), ("en", "This station has no receipt printer")):
        with _request(app, lang):
            with pytest.raises(DeviceUnavailable) as caught:
                print_receipt(["x"])
            assert words in str(caught.value)                # str() speaks the request's language
        assert caught.value.state == "absent" and caught.value.code == "missing" and not caught.value.retry
    with app.app_context():
        assert device("receipt_printer") is None and not device_status("receipt_printer").present


def test_a_printer_out_of_paper_is_not_ready_with_its_reason_code_never_absent(make_station):
    url = _url("receipt_printer", "&profile=paper_out")
    app = make_station(plugins=[], devices=[{"id": "printer-1", "kind": "receipt_printer", "url": url}])
    with _request(app, "en"), pytest.raises(DeviceUnavailable) as caught:
        print_receipt(["TEST"])
    exc = caught.value
    assert (exc.state, exc.code, exc.reason_code, exc.retry) == ("not_ready", "paper_out", "paper_out", True)
    assert "hết giấy" in str(exc) and "không có" not in str(exc)
    assert "out of paper" in exc.en and exc.kind == "receipt_printer"
    with app.app_context():
        assert device("receipt_printer") is not None            # NOT_READY is not "missing"
        status = device_status("receipt_printer")
        assert status.present and status.state == "not_ready"
    control.simulator(url).load_paper()
    with _request(app, "vi"):
        print_receipt(["TEST"])                                  # the same path works again at once
    assert len(control.simulator(url).receipts) == 1


def test_an_unplugged_device_is_not_ready_unplugged_and_comes_back_after_replug(make_station):
    url = _url("scale", "&settle_s=0.05")
    app = make_station(plugins=[], devices=[{"id": "scale-1", "kind": "scale", "url": url,
                                             "options": {"poll_interval": 0.02}}])
    control.unplug(url)
    try:
        with _request(app, "en"):
            with pytest.raises(DeviceUnavailable) as caught:
                measure("scale", timeout=1)
            assert "has no" not in str(caught.value) and "not connected" in str(caught.value)
        assert caught.value.state == "not_ready" and caught.value.code == "not_ready"
        assert caught.value.reason_code == "unplugged"
        with _request(app, "vi"), pytest.raises(DeviceUnavailable) as again:
            measure("scale", timeout=1)                      # the second try says the same, in Vietnamese
        assert again.value.state == "not_ready" and "chưa sẵn sàng" in str(again.value)
    finally:
        control.replug(url)
    with app.app_context():
        assert measure("scale", timeout=3).values["weight"] > 0


def test_a_measurement_that_failed_this_time_is_failed_with_the_device_code(make_station):
    url = _url("pulse_oximeter", "&profile=finger_out&search_s=0.05")
    app = make_station(plugins=[], devices=[{"id": "oxi-1", "kind": "pulse_oximeter", "url": url,
                                             "options": {"stable_frames": 10, "finger_out_grace": 0.2}}])
    with _request(app, "vi"), pytest.raises(DeviceUnavailable) as caught:
        measure("pulse_oximeter", timeout=2)
    assert (caught.value.state, caught.value.code, caught.value.retry) == ("failed", "finger_out", True)
    assert "ngón tay" in str(caught.value)


def test_a_device_held_by_another_request_is_busy(make_station):
    url = _url("scale")
    app = make_station(plugins=[], devices=[{"id": "scale-1", "kind": "scale", "url": url}])
    entered, release = threading.Event(), threading.Event()

    def hold(driver):
        with driver._session():
            entered.set()
            release.wait(5)

    with app.app_context():
        worker = threading.Thread(target=lambda: _in_app(app, lambda: use_device("scale", hold)))
        worker.start()
        assert entered.wait(5)
        try:
            with _request(app, "en"), pytest.raises(DeviceUnavailable) as caught:
                use_device("scale", lambda driver: driver.read(timeout=1))
        finally:
            release.set()
            worker.join(5)
    assert caught.value.state == "busy" and caught.value.code == "busy" and "busy" in caught.value.en


def _in_app(app, action):
    with app.app_context():
        action()


def test_an_unplugged_card_reader_is_never_reported_as_missing_at_login(make_station, csrf_token):
    url = _url("card_reader")
    app = make_station(plugins=[], devices=[{"id": "card-1", "kind": "card_reader", "url": url}])
    _trust_test_csca(app)  # card login is on: the reader, not the missing trust store, must speak
    client = app.test_client()
    control.unplug(url)
    try:
        for _ in range(2):                                   # the second try must not change its story
            response = client.post("/login/card", data={"csrf_token": csrf_token(client)})
            text = response.get_data(as_text=True)
            assert response.status_code in (403, 409)
            assert "không sẵn sàng" in text and "không có đầu đọc" not in text
    finally:
        control.replug(url)


def test_a_station_without_card_reader_says_so_in_the_citizen_language(make_station, csrf_token):
    app = make_station(plugins=[])
    _trust_test_csca(app)
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    response = client.post("/login/card", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 409 and "This station has no card reader" in response.get_data(as_text=True)
