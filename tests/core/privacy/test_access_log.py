"""Every read of a citizen's data through the sdk is recorded: who, whose, what, why, when."""

import pytest

from core.privacy import consent
from core.privacy.access_log import AccessRecord, access_log_for, record_access

NOTE = "Đường huyết 7,2 mmol/L"


def _citizen_with_screening(client, login_citizen, csrf_token):
    citizen = login_citizen(client, assurance="basic")
    client.post("/my-data/consents/fx_private/health/grant", headers={"X-CSRF-Token": csrf_token(client)})
    assert client.post("/s/fx_private/screenings", data={"notes": NOTE, "csrf_token": csrf_token(client)}
                       ).status_code == 201
    return citizen


def test_a_plugin_read_is_recorded_with_the_purpose_it_states(private_station, login_citizen, csrf_token,
                                                              station_clock):
    client = private_station.test_client()
    citizen = _citizen_with_screening(client, login_citizen, csrf_token)
    with private_station.app_context():
        assert AccessRecord.select().count() == 0  # writing is not reading
    station_clock.advance(30)
    assert client.get("/s/fx_private/screenings").json["notes"] == [NOTE]
    with private_station.app_context():
        log = access_log_for(citizen)
    assert log == [{"who": "plugin:fx_private", "plugin": "fx_private", "category": "health",
                    "table": "fx_private_screening", "basis": "consent",
                    "purpose": {"vi": "Xem lại kết quả khám", "en": "Show my screening results"},
                    "at": log[0]["at"]}]


def test_a_read_without_a_stated_purpose_is_recorded_with_the_manifest_purpose(private_station, login_citizen,
                                                                              csrf_token):
    client = private_station.test_client()
    citizen = _citizen_with_screening(client, login_citizen, csrf_token)
    client.get("/s/fx_private/unguarded")
    with private_station.app_context():
        (entry,) = access_log_for(citizen)
    assert entry["purpose"] == {"vi": "Ghi và xem kết quả khám sức khỏe", "en": "Record and show screening results"}


def test_a_staff_read_is_recorded_under_the_staff_username(private_station, login_citizen, login_staff,
                                                           csrf_token):
    client = private_station.test_client()
    citizen = _citizen_with_screening(client, login_citizen, csrf_token)
    staff = private_station.test_client()
    login_staff(staff, roles=("pharmacist",), username="duoc.si.lan")
    assert staff.get(f"/s/fx_private/staff/{citizen}").json["notes"] == [NOTE]
    with private_station.app_context():
        whos = [e["who"] for e in access_log_for(citizen)]
    assert whos == ["staff:duoc.si.lan"]


def test_reads_in_one_request_are_recorded_once_and_each_request_again(private_station, login_citizen,
                                                                       csrf_token):
    client = private_station.test_client()
    citizen = _citizen_with_screening(client, login_citizen, csrf_token)
    client.post("/s/fx_private/screenings", data={"notes": "lần 2", "csrf_token": csrf_token(client)})
    client.get("/s/fx_private/screenings")  # two rows, two fields each: one record
    client.get("/s/fx_private/screenings")
    with private_station.app_context():
        assert len(access_log_for(citizen)) == 2


def test_a_read_whose_record_cannot_be_written_returns_nothing(private_station, login_citizen, csrf_token,
                                                               monkeypatch):
    client = private_station.test_client()
    _citizen_with_screening(client, login_citizen, csrf_token)

    def log_down(*args, **kwargs):
        raise RuntimeError("access log unavailable")

    monkeypatch.setattr(AccessRecord, "create", log_down)
    response = client.get("/s/fx_private/screenings", headers={"Accept": "application/json"})
    assert response.status_code == 500 and NOTE not in response.get_data(as_text=True)


def test_the_citizen_sees_who_looked_at_their_data_on_the_kiosk(private_station, login_citizen, login_staff,
                                                                csrf_token):
    client = private_station.test_client()
    citizen = _citizen_with_screening(client, login_citizen, csrf_token)
    staff = private_station.test_client()
    login_staff(staff, roles=("pharmacist",), username="bs.minh")
    staff.get(f"/s/fx_private/staff/{citizen}")
    body = client.get("/my-data/access-log").json["access_log"]
    assert [e["who"] for e in body] == ["staff:bs.minh"]
    page = client.get("/my-data/?lang=en")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "bs.minh" in page.get_data(as_text=True) and "Who looked at my data" in page.get_data(as_text=True)


def test_plugins_can_declare_reads_that_do_not_use_encrypted_fields(private_station, new_citizen):
    from sdk.privacy import ConsentRequired, record_read

    citizen = new_citizen()
    with private_station.test_request_context("/s/fx_private/screenings"):
        with pytest.raises(ConsentRequired):
            record_read(citizen, "health", "In phiếu khám", what="paper_form")
        consent.grant(citizen, "fx_private", "health", actor="staff:x")
        record_read(citizen, "health", "In phiếu khám", what="paper_form")
        (entry,) = access_log_for(citizen)
    assert (entry["who"], entry["table"], entry["purpose"]["en"]) == ("plugin:fx_private", "paper_form",
                                                                      "In phiếu khám")
    with private_station.app_context():
        assert record_access(citizen, "core", "personal", "citizen", purpose="Hỗ trợ tại quầy",
                             accessor="staff:an") is True
