"""sdk.testing: supported helpers for what a test produced, and fixture names that collide with nothing."""

import secrets

import pytest

from sdk.printing import print_receipt
from sdk.testing import (
    audit_entries,
    device_profile,
    device_states,
    printed_receipts,
    replug_device,
    unplug_device,
)

pytest_plugins = ("pytester",)


def _printer_station(station_factory):
    url = f"sim://receipt_printer?instance={secrets.token_hex(4)}"
    return station_factory(plugins=[], devices=[{"id": "printer-1", "kind": "receipt_printer", "url": url}])


def test_printed_receipts_and_device_profiles_without_internals(station_factory):
    from sdk import audit, transaction
    from sdk.devices import DeviceUnavailable

    app = _printer_station(station_factory)
    with app.test_request_context("/"):
        print_receipt(["VÉ SỐ 12", ("Giờ", "08:30")], qr="https://example.invalid/t/12", title_lines=1)
    [receipt] = printed_receipts(app)
    assert receipt.lines == ["VÉ SỐ 12", "Giờ: 08:30"] and receipt.qr_codes == ["https://example.invalid/t/12"]
    device_profile(app, "receipt_printer", "paper_out")
    with app.test_request_context("/"), pytest.raises(DeviceUnavailable) as caught:
        print_receipt(["again"])
    assert caught.value.reason_code == "paper_out" and len(printed_receipts(app)) == 1
    assert device_states(app)["printer-1"]["status"] == "NOT_READY"
    device_profile(app, "receipt_printer", "ok")
    unplug_device(app, "receipt_printer")
    with app.test_request_context("/"), pytest.raises(DeviceUnavailable) as unplugged:
        print_receipt(["again"])
    assert unplugged.value.reason_code == "unplugged"
    replug_device(app, "receipt_printer")
    with app.test_request_context("/"):
        print_receipt(["again"])
        with transaction():
            audit("test.printed", object_ref="ticket:12", details={"copies": 2})
    assert printed_receipts(app)[-1].text == "again"
    [entry] = audit_entries(app, action="test.printed")
    assert entry["object"] == "ticket:12" and entry["outcome"] == "ok" and entry["details"] == {"copies": 2}
    with pytest.raises(ValueError):
        device_profile(app, "receipt_printer", "on_fire")
    with pytest.raises(LookupError, match="no simulated scale"):
        device_profile(app, "scale", "ok")


def test_the_prefixed_fixtures_work_without_warnings(pytester):
    pytester.makepyfile("""
        def test_prefixed(station_factory, station_csrf_token, station_clock):
            app = station_factory(plugins=[])
            client = app.test_client()
            assert station_csrf_token(client)
            assert client.get("/healthz").status_code == 200
    """)
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "error::DeprecationWarning")
    result.assert_outcomes(passed=1)


def test_the_sdk_1_0_fixture_names_still_work_with_a_deprecation_warning(pytester):
    pytester.makepyfile("""
        import pytest

        def test_old_names(make_station, csrf_token):
            app = make_station(plugins=[])
            assert csrf_token(app.test_client())

        def test_old_client(client):
            assert client.get("/healthz").status_code == 200
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*'make_station' fixture of sdk.testing is deprecated*use 'station_factory'*"])
    result.stdout.fnmatch_lines(["*'client' fixture of sdk.testing is deprecated*"])


def test_a_client_fixture_of_pytest_flask_wins_over_the_deprecated_one(pytester):
    pytester.makepyfile(pytest_flask="""
        import pytest

        @pytest.fixture
        def client():
            return "pytest-flask's client"
    """)
    pytester.syspathinsert()
    pytester.makepyfile("""
        def test_theirs(client, station_client):
            assert client == "pytest-flask's client"
            assert station_client.get("/healthz").status_code == 200
    """)
    result = pytester.runpytest("-p", "pytest_flask", "-p", "no:cacheprovider", "-W", "error::DeprecationWarning")
    result.assert_outcomes(passed=1)
