"""sdk helpers: connectors by configuration, devices through the HAL, formatting, UI macros."""

import pytest
from flask import render_template_string

from core.errors import ConfigError
from core.formatting import format_date, format_number, format_vnd
from sdk.connectors import Connector, Simulator, connector
from sdk.devices import DeviceUnavailable, measure


class FakeBank(Simulator):
    pass


class RealBank(Connector):
    pass


def test_money_and_numbers_per_locale():
    assert format_vnd(1234567) == "1.234.567 ₫"
    assert format_vnd(1234567, "en") == "1,234,567 ₫"
    assert format_number(36.75, "vi", 1) == "36,8"
    from datetime import date

    assert format_date(date(2026, 11, 29)) == "29/11/2026"


def test_connector_is_the_simulator_by_default_and_configurable(make_station):
    app = make_station(plugins=[], connectors={"bank": {"kind": "real", "url": "https://bank.invalid"}})
    with app.app_context():
        real = connector("bank", {"simulator": FakeBank, "real": RealBank})
        assert isinstance(real, RealBank) and real.settings == {"url": "https://bank.invalid"}
        assert connector("bank", {"simulator": FakeBank, "real": RealBank}) is real
        sim = connector("evn", {"simulator": FakeBank})
        assert sim.simulated and "mô phỏng" in sim.label["vi"]
        with pytest.raises(ConfigError, match="connectors.bank.kind"):
            connector("bank", {"simulator": FakeBank}) if False else _fresh(app, "bank", {"simulator": FakeBank})


def _fresh(app, name, registry):
    from sdk import connectors

    connectors._INSTANCES.clear()
    return connector(name, registry)


def test_measure_reads_a_simulated_device_and_reports_faults(make_station):
    app = make_station(plugins=[], devices=[
        {"id": "scale-1", "kind": "scale", "url": "sim://scale?profile=ok&instance=sdk-ok&settle_s=0.15",
         "options": {"poll_interval": 0.02}},
        {"id": "oxi-1", "kind": "pulse_oximeter",
         "url": "sim://pulse_oximeter?profile=finger_out&instance=sdk-fo&search_s=0.05",
         "options": {"stable_frames": 10, "finger_out_grace": 0.2}},
    ])
    with app.app_context():
        reading = measure("scale", timeout=3)
        assert reading.units["weight"] == "kg" and 20 < reading.values["weight"] < 200
        with pytest.raises(DeviceUnavailable) as caught:
            measure("pulse_oximeter", timeout=2)
        assert caught.value.code == "finger_out"
        with pytest.raises(DeviceUnavailable) as missing:
            measure("thermometer")
        assert missing.value.code == "missing" and not missing.value.retry


def test_ui_macros_render_in_the_station_layout(make_station):
    app = make_station(plugins=[])
    with app.test_request_context("/"):
        html = render_template_string(
            '{% import "sdk/ui.html" as ui %}{{ ui.title("Tra cứu") }}{{ ui.steps(["A", "B"], 1) }}'
            '{{ ui.keypad_input("plate", "Biển số", kind="text") }}{{ 1234567|vnd }}')
    assert "<h1>Tra cứu</h1>" in html and 'aria-current="step"' in html
    assert 'name="plate"' in html and "1.234.567 ₫" in html
