"""Accurate-clean-live: partner records compared with the chip card field by field, shown in
plain Vietnamese, corrected only when the citizen confirms, with the card's value, audited,
and counted (without anyone) for the fleet hub's data-quality figures."""

from __future__ import annotations

import json

import pytest

from core.audit.store import AuditEntry
from core.records.compare import compare, normalise
from core.records.models import QualityEvent

CARD = {"full_name": "Trần Thị Bích Ngọc", "date_of_birth": "1992-11-02", "sex": "female",
        "residence": "Số 34 phố Mẫu, phường Thử Nghiệm, TP Hồ Chí Minh"}
NGOC = {"id_number": "079192999002", "full_name": "Trần Thị Bích Ngọc", "date_of_birth": "1992-11-02",
        "sex": "female", "residence": "Số 34 phố Mẫu, phường Thử Nghiệm, TP Hồ Chí Minh"}
AN = {"id_number": "001085999001", "full_name": "Nguyễn Văn An", "date_of_birth": "1985-03-14", "sex": "male",
      "residence": "Số 12 phố Mẫu, phường Thử Nghiệm, Hà Nội"}


@pytest.mark.parametrize("field, held, same", [
    ("full_name", "Trần Thị Bích Ngọc", True),
    ("full_name", "  trần  thị bích ngọc ", True),          # case and spaces carry no meaning
    ("full_name", "TRAN THI BICH NGOC", True),              # a bank's ASCII holder name
    ("full_name", "TRAN THI NGOC", False),
    ("full_name", "Trần Thị Ngọc", False),
    ("date_of_birth", "1992-11-02", True),
    ("date_of_birth", "1992-02-11", False),
    ("sex", "Nữ", True), ("sex", "F", True), ("sex", "Nam", False),
    ("address", "Số 34 phố Mẫu, P. Thử Nghiệm, TP. Hồ Chí Minh", True),   # abbreviations
    ("address", "34 Mẫu, phường Thử Nghiệm, thành phố Hồ Chí Minh", True),
    ("address", "Số 8 đường Cũ, phường Thử Nghiệm, TP Hồ Chí Minh", False),
    ("address", "Số 34 phố Mẫu, phường Thử Nghiệm, TP Hồ Chí Minh, Thanh Hoá", False),
])
def test_each_field_is_compared_after_normalising_what_carries_no_meaning(field, held, same):
    found = compare("x", {field: held}, CARD, {"address"})
    assert (found == []) is same
    if not same:
        [mismatch] = found
        assert (mismatch.field, mismatch.held) == (field, held)
        assert mismatch.correctable is (field == "address")


def test_fields_the_card_lacks_or_the_system_leaves_empty_are_not_mismatches():
    assert compare("x", {"address": "", "full_name": None}, CARD, set()) == []
    assert compare("x", {"sex": "Nam"}, {**CARD, "sex": None}, set()) == []
    assert normalise("address", "P. Hàng Bạc, Q. Hoàn Kiếm") == "phường hàng bạc quận hoàn kiếm"


def test_old_and_new_tone_placement_are_the_same_text():
    assert normalise("address", "Thanh Hóa, Thủy Nguyên, khỏe") == normalise("address", "Thanh Hoá, Thuỷ Nguyên, khoẻ")
    assert normalise("full_name", "Nguyễn Thị Thúy") == normalise("full_name", "Nguyễn Thị Thuý")
    assert compare("x", {"address": "Số 3 phố Mẫu, Thanh Hoá"}, {"residence": "Số 3 phố Mẫu, Thanh Hóa"}, set()) == []
    assert normalise("full_name", "Hoà") != normalise("full_name", "Hoa")  # a tone mark still matters


def _page(client):
    return client.get("/my-records/").get_data(as_text=True)


def test_mismatches_are_shown_and_corrected_only_when_the_citizen_confirms(make_station, login_citizen,
                                                                            station_csrf_token):
    app = make_station(plugins=["banking"])
    client = app.test_client()
    citizen = login_citizen(client, identity=NGOC)
    page = _page(client)
    assert "Địa chỉ trên hồ sơ Ngân hàng Mô phỏng (hồ sơ khách hàng) khác với nơi thường trú trên thẻ căn cước." in page
    assert "Số 8 đường Cũ" in page and 'data-field="full_name"' not in page  # the name matches
    confirm = client.get("/my-records/confirm?system=bank_kyc&field=address").get_data(as_text=True)
    assert "Số 34 phố Mẫu" in confirm and "Ngân hàng Mô phỏng" in confirm  # names what goes where
    with app.app_context():
        assert QualityEvent.select().where(QualityEvent.event == "correction").count() == 0  # nothing sent yet
    # the value posted is ignored: the card's value is sent
    answer = client.post("/my-records/correct", data={"system": "bank_kyc", "field": "address",
                                                      "value": "Somewhere else",
                                                      "csrf_token": station_csrf_token(client)})
    assert answer.status_code == 302
    after = _page(client)
    assert 'id="correction-sent"' in after and "Khớp với thẻ căn cước." in after
    with app.app_context():
        from plugins.banking.kyc import SimKyc

        assert {k.address for k in SimKyc.select()} >= {NGOC["residence"]}
        assert not SimKyc.select().where(SimKyc.address == "Somewhere else").exists()
        entries = [json.loads(leaf) for (leaf,) in AuditEntry.select(AuditEntry.leaf).tuples()]
        [entry] = [e for e in entries if e["action"] == "records.correction"]
        assert entry["actor"] == f"citizen:{citizen}" and entry["details"]["field"] == "address"
        assert "Số 34" not in json.dumps(entry, ensure_ascii=False)  # no values in the audit log
        events = sorted((e.system, e.field, e.event) for e in QualityEvent.select())
    assert events == [("bank_kyc", "address", "correction"), ("bank_kyc", "address", "mismatch"),
                      ("bank_kyc", "address", "resolved")]
    # a second correction of a field that now matches is refused with a clear message
    again = client.post("/my-records/correct", data={"system": "bank_kyc", "field": "address",
                                                     "csrf_token": station_csrf_token(client)})
    assert again.status_code == 400


def test_a_matching_record_shows_no_difference_and_counts_nothing(make_station, login_citizen):
    app = make_station(plugins=["banking"])
    client = app.test_client()
    login_citizen(client, identity=AN)
    page = _page(client)
    assert "Khớp với thẻ căn cước." in page and 'class="mismatch"' not in page
    with app.app_context():
        assert not QualityEvent.select().exists()


def test_a_mismatch_is_counted_once_per_session_and_reaches_the_hub_counts(make_station, login_citizen):
    from core.fleet.stats import collect_stats

    app = make_station(plugins=["banking"])
    client = app.test_client()
    login_citizen(client, identity={**NGOC, "full_name": "Trần Thị Bích Ngọc"})
    _page(client)
    _page(client)
    station = app.extensions["station"]
    with app.app_context():
        assert QualityEvent.select().count() == 1
        period = __import__("datetime").datetime.fromtimestamp(station.clock()).strftime("%Y-%m")
        counts = [c for c in collect_stats(station, period)["counts"] if c["statistic"] == "data_quality"]
    assert counts == [{"statistic": "data_quality", "count": 1,
                       "cell": {"system": "bank_kyc", "field": "address", "event": "mismatch"}}]


def test_without_login_the_page_is_refused(make_station):
    app = make_station(plugins=["banking"])
    assert app.test_client().get("/my-records/").status_code in (302, 401)
