"""Accurate-clean-live with every simulated partner: the population register (identity
connector), health insurance (BHYT, healthcare plugin) and EVN (utilities plugin). Each field
each of them holds is compared with the chip; the seeded records differ where real ones
drift; a confirmed correction sends the chip's value (applied at once by EVN, pending at BHXH
and the register), audited without values, never twice."""

from __future__ import annotations

import json

import pytest

from core.audit.store import AuditEntry
from core.records.models import QualityEvent, RegisterRequest

PEOPLE = {
    "an": {"id_number": "001085999001", "full_name": "Nguyễn Văn An", "date_of_birth": "1985-03-14", "sex": "male",
           "residence": "Số 12 phố Mẫu, phường Thử Nghiệm, Hà Nội"},
    "ngoc": {"id_number": "079192999002", "full_name": "Trần Thị Bích Ngọc", "date_of_birth": "1992-11-02",
             "sex": "female", "residence": "Số 34 phố Mẫu, phường Thử Nghiệm, TP Hồ Chí Minh"},
    "minh": {"id_number": "048203999003", "full_name": "Lê Hoàng Minh", "date_of_birth": "2003-07-21",
             "sex": "male", "residence": "Số 56 phố Mẫu, phường Thử Nghiệm, Đà Nẵng"},
    "ha": {"id_number": "031304999004", "full_name": "Phạm Thị Thu Hà", "date_of_birth": "2004-01-30",
           "sex": "female", "residence": "Số 78 phố Mẫu, phường Thử Nghiệm, Hải Phòng"},
    "lan": {"id_number": "040183999005", "full_name": "Đặng Thị Lan", "date_of_birth": "1983-08-15",
            "sex": "female", "residence": "Số 90 phố Mẫu, phường Thử Nghiệm, Nghệ An"},
    "dung": {"id_number": "038070999006", "full_name": "Hoàng Văn Dũng", "date_of_birth": "1970-12-25",
             "sex": "male", "residence": "Số 3 phố Mẫu, phường Thử Nghiệm, Thanh Hóa"},
}
#: a card value that differs from what every partner holds, per card field
OTHER = {"full_name": "Nguyễn Văn Bình", "date_of_birth": "1985-04-14", "sex": "female",
         "residence": "Số 1 phố Khác, phường Khác, Hà Nội"}
CARD_FIELD = {"full_name": "full_name", "date_of_birth": "date_of_birth", "sex": "sex", "address": "residence"}


def _mismatches(client) -> set[tuple[str, str]]:
    import re

    page = client.get("/my-records/").get_data(as_text=True)
    found = set()
    for section in page.split('<section class="card record"')[1:]:
        system = re.search(r'data-system="([^"]+)"', section).group(1)
        found |= {(system, field) for field in re.findall(r'data-field="([^"]+)"', section)}
    return found


@pytest.mark.parametrize("plugins, system, person, field", [
    *[([], "population_register", "an", f) for f in ("full_name", "date_of_birth", "sex", "address")],
    *[(["healthcare"], "bhyt_insured", "an", f) for f in ("full_name", "date_of_birth", "sex", "address")],
    *[(["utilities"], "evn_customer", "ngoc", f) for f in ("full_name", "address")],
])
def test_each_field_of_each_partner_is_compared_with_the_chip(make_station, login_citizen, plugins, system, person,
                                                              field):
    """A record that matches the card shows nothing; change one card field and exactly that
    field of that system is a mismatch."""
    app = make_station(plugins=plugins)
    matching = app.test_client()
    login_citizen(matching, identity=PEOPLE[person])
    assert {m for m in _mismatches(matching) if m[0] == system} == set()
    client = app.test_client()
    login_citizen(client, identity={**PEOPLE[person], CARD_FIELD[field]: OTHER[CARD_FIELD[field]]})
    assert {m for m in _mismatches(client) if m[0] == system} == {(system, field)}


@pytest.mark.parametrize("plugins, person, expected", [
    ([], "minh", {("population_register", "date_of_birth")}),       # mis-copied from the household book
    ([], "lan", {("population_register", "address")}),              # ward named as before the merger
    ([], "dung", set()),                                            # "Thanh Hoá" = "Thanh Hóa"
    (["healthcare"], "ha", {("bhyt_insured", "date_of_birth")}),
    (["healthcare"], "lan", {("bhyt_insured", "sex"), ("population_register", "address")}),
    (["healthcare"], "dung", {("bhyt_insured", "address")}),
    (["utilities"], "an", {("evn_customer", "address")}),           # the bill still goes to the old home
    (["utilities"], "dung", set()),
])
def test_the_seeded_records_differ_where_real_ones_drift(make_station, login_citizen, plugins, person, expected):
    app = make_station(plugins=plugins)
    client = app.test_client()
    login_citizen(client, identity=PEOPLE[person])
    assert _mismatches(client) == expected


def _audited_corrections(app) -> list[dict]:
    with app.app_context():
        entries = [json.loads(leaf) for (leaf,) in AuditEntry.select(AuditEntry.leaf).tuples()]
    return [e for e in entries if e["action"] == "records.correction"]


def test_evn_bill_address_is_corrected_end_to_end(make_station, login_citizen, station_csrf_token):
    app = make_station(plugins=["utilities"])
    client = app.test_client()
    citizen = login_citizen(client, identity=PEOPLE["an"])
    page = client.get("/my-records/").get_data(as_text=True)
    assert "Địa chỉ trên hoá đơn điện khác với nơi thường trú trên thẻ căn cước." in page
    assert "Hàng Bạc" in page and "(mô phỏng)" in page  # what EVN holds; labelled as simulated
    confirm = client.get("/my-records/confirm?system=evn_customer&field=address").get_data(as_text=True)
    assert 'id="new-value">Số 12 phố Mẫu, phường Thử Nghiệm, Hà Nội<' in confirm
    # the name is not correctable at the station: no confirmation page for it
    assert client.get("/my-records/confirm?system=evn_customer&field=full_name").status_code == 302
    with app.app_context():
        from plugins.utilities.customer_record import SimEvnHolder

        assert SimEvnHolder.get(SimEvnHolder.customer_code == "PD01000123456").address.endswith("Hoàn Kiếm, Hà Nội")
    answer = client.post("/my-records/correct", data={"system": "evn_customer", "field": "address",
                                                      "value": "Somewhere else",
                                                      "csrf_token": station_csrf_token(client)})
    assert answer.status_code == 302
    after = client.get("/my-records/").get_data(as_text=True)
    assert 'id="correction-sent"' in after and "đơn vị đã cập nhật" in after
    assert _mismatches(client) == set()
    with app.app_context():
        from plugins.utilities.connector import EvnSimulator

        holder = SimEvnHolder.get(SimEvnHolder.customer_code == "PD01000123456")
        assert holder.address == PEOPLE["an"]["residence"]
        # the next bill goes to the corrected address
        assert EvnSimulator({}).customer("PD01000123456").address == PEOPLE["an"]["residence"]
        events = sorted((e.system, e.field, e.event) for e in QualityEvent.select())
    assert events == [("evn_customer", "address", "correction"), ("evn_customer", "address", "mismatch"),
                      ("evn_customer", "address", "resolved")]
    [entry] = _audited_corrections(app)
    assert entry["actor"] == f"citizen:{citizen}" and entry["object"] == "record:evn_customer"
    assert entry["details"]["applied"] is True and entry["details"]["reference"].startswith("YC")
    assert "Phố Mẫu".casefold() not in json.dumps(entry, ensure_ascii=False).casefold()  # no values audited


def test_bhyt_correction_is_a_pending_request_with_the_chip_value_sent_once(make_station, login_citizen,
                                                                            station_csrf_token):
    app = make_station(plugins=["healthcare"])
    client = app.test_client()
    citizen = login_citizen(client, identity=PEOPLE["ha"])
    page = client.get("/my-records/").get_data(as_text=True)
    assert "Ngày sinh trên thẻ BHYT khác với ngày sinh trên thẻ căn cước." in page
    assert "<dd>03/01/2004</dd>" in page and "<dd>30/01/2004</dd>" in page  # dd/mm/yyyy
    confirm = client.get("/my-records/confirm?system=bhyt_insured&field=date_of_birth").get_data(as_text=True)
    assert 'id="new-value">30/01/2004<' in confirm
    sent = []
    from plugins.healthcare import insurance_record

    original = insurance_record.request_adjustment

    def spy(id_number, field, value, now):
        sent.append((field, value))
        return original(id_number, field, value, now)

    insurance_record.request_adjustment = spy
    try:
        answer = client.post("/my-records/correct", data={"system": "bhyt_insured", "field": "date_of_birth",
                                                          "value": "1999-01-01",
                                                          "csrf_token": station_csrf_token(client)})
    finally:
        insurance_record.request_adjustment = original
    assert answer.status_code == 302 and sent == [("date_of_birth", "2004-01-30")]  # the chip's value
    after = client.get("/my-records/").get_data(as_text=True)
    with app.app_context():
        [request] = insurance_record.SimAdjustment.select()
        events = sorted((e.system, e.field, e.event) for e in QualityEvent.select())
    assert request.field == "date_of_birth" and f'data-pending="{request.reference}"' in after
    assert "đơn vị sẽ xử lý" in after and request.reference in after
    # still different (BHXH has not processed it), but no second button and no second request
    assert 'href="/my-records/confirm?system=bhyt_insured' not in after
    again = client.post("/my-records/correct", data={"system": "bhyt_insured", "field": "date_of_birth",
                                                     "csrf_token": station_csrf_token(client)})
    assert again.status_code == 400 and "đã được gửi" in again.get_data(as_text=True)
    assert events == [("bhyt_insured", "date_of_birth", "correction"), ("bhyt_insured", "date_of_birth", "mismatch")]
    [entry] = _audited_corrections(app)
    assert entry["actor"] == f"citizen:{citizen}" and entry["details"]["applied"] is False
    assert "2004" not in json.dumps(entry)


def test_population_register_correction_is_an_adjustment_request(make_station, login_citizen, station_csrf_token):
    app = make_station(plugins=[])
    client = app.test_client()
    login_citizen(client, identity=PEOPLE["minh"])
    page = client.get("/my-records/").get_data(as_text=True)
    assert "Ngày sinh trên hồ sơ Cơ sở dữ liệu quốc gia về dân cư (mô phỏng) khác với ngày sinh trên thẻ căn cước." \
        in page
    answer = client.post("/my-records/correct", data={"system": "population_register", "field": "date_of_birth",
                                                      "csrf_token": station_csrf_token(client)})
    assert answer.status_code == 302
    with app.app_context():
        [request] = RegisterRequest.select()
        assert request.field == "date_of_birth" and request.reference.startswith("DC")
        assert request.key_hash == app.extensions["station"].citizens.id_hash(PEOPLE["minh"]["id_number"])
    assert f'data-pending="{request.reference}"' in client.get("/my-records/").get_data(as_text=True)
    # a field that matches cannot be "corrected"
    refused = client.post("/my-records/correct", data={"system": "population_register", "field": "sex",
                                                       "csrf_token": station_csrf_token(client)})
    assert refused.status_code == 400
    assert len(_audited_corrections(app)) == 1


def test_nothing_is_sent_without_the_citizen(make_station, login_citizen):
    """Looking at the page only counts mismatches; no partner is asked to change anything."""
    app = make_station(plugins=["healthcare", "utilities"])
    client = app.test_client()
    login_citizen(client, identity=PEOPLE["lan"])
    client.get("/my-records/")
    client.get("/my-records/confirm?system=bhyt_insured&field=sex")
    with app.app_context():
        from plugins.healthcare.insurance_record import SimAdjustment

        assert not SimAdjustment.select().exists() and not RegisterRequest.select().exists()
        assert {e.event for e in QualityEvent.select()} == {"mismatch"}
    assert _audited_corrections(app) == []


def _age_requests(app, model, seconds: float) -> None:
    with app.app_context():
        model.update(at=model.at - seconds).execute()


def _events(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return sorted((e.system, e.field, e.event) for e in QualityEvent.select())


def test_a_register_correction_is_resolved_once_the_simulated_police_processed_it(make_station, login_citizen,
                                                                                  station_csrf_token):
    from core.records import register

    app = make_station(plugins=[])
    client = app.test_client()
    login_citizen(client, identity=PEOPLE["minh"])
    client.get("/my-records/")
    client.post("/my-records/correct", data={"system": "population_register", "field": "date_of_birth",
                                             "csrf_token": station_csrf_token(client)})
    pending = client.get("/my-records/").get_data(as_text=True)
    assert "data-pending=" in pending  # not processed yet: nothing resolved
    assert ("population_register", "date_of_birth", "resolved") not in _events(app)
    _age_requests(app, RegisterRequest, register.PROCESSING_SECONDS + 1)
    after = client.get("/my-records/").get_data(as_text=True)
    assert "data-pending=" not in after and ("population_register", "date_of_birth") not in _mismatches(client)
    client.get("/my-records/")  # counted once, however often the citizen looks
    assert _events(app).count(("population_register", "date_of_birth", "resolved")) == 1
    with app.app_context():
        [request] = RegisterRequest.select()
        assert request.processed_at is not None


def test_a_bhyt_correction_is_resolved_once_bhxh_processed_it(make_station, login_citizen, station_csrf_token):
    from plugins.healthcare import insurance_record

    app = make_station(plugins=["healthcare"])
    client = app.test_client()
    login_citizen(client, identity=PEOPLE["ha"])
    client.get("/my-records/")
    client.post("/my-records/correct", data={"system": "bhyt_insured", "field": "date_of_birth",
                                             "csrf_token": station_csrf_token(client)})
    _age_requests(app, insurance_record.SimAdjustment, insurance_record.PROCESSING_SECONDS + 1)
    after = client.get("/my-records/").get_data(as_text=True)
    assert "Ngày sinh trên thẻ BHYT khác" not in after and "data-pending=" not in after
    assert _events(app).count(("bhyt_insured", "date_of_birth", "resolved")) == 1
    with app.app_context():
        assert not insurance_record.SimAdjustment.select().exists()
        key = insurance_record.insured_key(PEOPLE["ha"]["id_number"])
        assert insurance_record.SimInsured.get(insurance_record.SimInsured.key_hash == key).date_of_birth \
            == "2004-01-30"  # the chip's value, which the request carried
