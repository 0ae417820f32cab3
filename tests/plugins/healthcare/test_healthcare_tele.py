"""Teleconsultation: book, view, cancel; the latest screening attached by choice; join info on time."""

from __future__ import annotations

import re

import pytest
from healthcare_helpers import audit_entries


@pytest.fixture
def app(health_station):
    return health_station()


def _slots(client):
    return re.findall(r'name="slot_id" value="([^"]+)"', client.get("/s/healthcare/tele").get_data(as_text=True))


def _book(client, csrf_token, slot_id, share=False):
    data = {"slot_id": slot_id, "csrf_token": csrf_token(client)}
    if share:
        data["share_screening"] = "true"
    return client.post("/s/healthcare/tele/book", data=data)


def _screen(client, csrf_token):
    client.post("/s/healthcare/screening/consent", data={"csrf_token": csrf_token(client)})
    location = client.post("/s/healthcare/screening", data={"csrf_token": csrf_token(client)}).headers["Location"]
    while not location.endswith("/result"):
        location = client.post(location + "/skip", data={"csrf_token": csrf_token(client)}).headers["Location"]


def test_book_view_and_join_at_the_appointment_time(app, login_citizen, csrf_token, station_clock):
    client = app.test_client()
    login_citizen(client, id_hash="c" * 64)
    _screen(client, csrf_token)
    slot_id = _slots(client)[0]
    booked = _book(client, csrf_token, slot_id, share=True)
    assert booked.status_code == 303
    page = client.get(booked.headers["Location"]).get_data(as_text=True)
    assert 'id="wait"' in page and "PIN" not in page and 'id="shared"' in page
    assert slot_id not in _slots(client)                                    # no longer free
    start = int(slot_id.split("-")[1])
    station_clock.now = start - 5 * 60                                       # 5 minutes before
    login_citizen(client, id_hash="c" * 64)                                  # back at the kiosk
    page = client.get(booked.headers["Location"]).get_data(as_text=True)
    assert "telehealth.invalid/join/CS-" in page and "PIN" in page
    station_clock.now = start + 31 * 60                                      # after the end
    login_citizen(client, id_hash="c" * 64)
    assert "telehealth.invalid" not in client.get(booked.headers["Location"]).get_data(as_text=True)
    assert any('"healthcare.tele_book"' in e and '"shared_screening":true' in e for e in audit_entries(app))


def test_cancel_frees_the_slot_and_others_cannot_see_my_booking(app, login_citizen, csrf_token, station_clock):
    client, other = app.test_client(), app.test_client()
    login_citizen(client)
    login_citizen(other, id_hash="d" * 64)
    slot_id = _slots(client)[0]
    location = _book(client, csrf_token, slot_id).headers["Location"]
    assert other.get(location).status_code == 404
    assert _book(other, csrf_token, slot_id).status_code == 400              # taken
    assert client.post(location + "/cancel", data={"csrf_token": csrf_token(client)}).status_code == 303
    assert 'data-state="cancelled"' in client.get(location).get_data(as_text=True)
    assert slot_id in _slots(other)
    again = _book(other, csrf_token, slot_id).headers["Location"]
    station_clock.now = int(slot_id.split("-")[1]) + 60
    login_citizen(other, id_hash="d" * 64)
    assert other.post(again + "/cancel", data={"csrf_token": csrf_token(other)}).status_code == 400


def test_sharing_without_any_screening_is_refused(app, login_citizen, csrf_token):
    client = app.test_client()
    login_citizen(client)
    assert _book(client, csrf_token, _slots(client)[0], share=True).status_code == 400


def test_slots_are_a_day_picker_and_a_time_grid_per_doctor(app, login_citizen, station_clock):
    client = app.test_client()
    login_citizen(client)
    page = client.get("/s/healthcare/tele").get_data(as_text=True)
    days = re.findall(r'href="/s/healthcare/tele\?day=(\d{4}-\d{2}-\d{2})"', page)
    assert len(days) >= 2 and len(set(days)) == len(days)
    assert 'aria-current="date"' in page and ("Hôm nay" in page or "Ngày mai" in page)
    first_day = _slots(client)
    other = client.get(f"/s/healthcare/tele?day={days[1]}").get_data(as_text=True)
    other_slots = re.findall(r'name="slot_id" value="([^"]+)"', other)
    assert other_slots and not set(other_slots) & set(first_day)  # one day at a time
    assert re.search(r'<label class="time-slot"><input type="radio" name="slot_id" value="[^"]+" required>'
                     r'<span>\d{2}:\d{2}</span></label>', other)
    assert other.count("<legend>") >= 2  # grouped by doctor
    nonsense = client.get("/s/healthcare/tele?day=1999-01-01").get_data(as_text=True)
    assert re.findall(r'name="slot_id" value="([^"]+)"', nonsense) == first_day  # unknown day: the first one


def test_a_booking_keeps_the_doctor_and_specialty_encrypted_at_rest(app, login_citizen, csrf_token):
    from core import db

    client = app.test_client()
    login_citizen(client, id_hash="e" * 64)
    booked = _book(client, csrf_token, _slots(client)[0])
    assert booked.status_code == 303
    page = client.get(booked.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        from plugins.healthcare.models import Booking

        with app.test_request_context("/"):
            booking = Booking.get()
            doctor, specialty = booking.doctor_name, booking.specialty["vi"]
        raw = db.database.obj.execute_sql("SELECT * FROM healthcare_booking").fetchall()
    assert doctor in page  # the citizen sees who they will talk to
    text = "".join(repr(r) + "".join(bytes(v).decode("latin-1") for v in r if isinstance(v, bytes | memoryview))
                   for r in raw)
    assert doctor not in text and specialty not in text
