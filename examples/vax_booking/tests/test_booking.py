"""The example partner plugin's own tests: only sdk and sdk.testing, no station internals."""

import secrets

import pytest

from sdk.testing import audit_entries, device_profile, printed_receipts

FORM = {"vaccine": "influenza", "day": "15/01/2027", "phone": "0912345678", "consent": "yes"}


@pytest.fixture
def app(station_factory):
    printer = {"id": "printer-1", "kind": "receipt_printer",
               "url": f"sim://receipt_printer?instance={secrets.token_hex(4)}"}  # a printer of its own
    return station_factory(plugins=["vax_booking"], devices=[printer])


def _book(client, token, **changes):
    return client.post("/s/vax_booking/bookings", data={**FORM, **changes, "csrf_token": token(client)})


def test_a_citizen_books_gets_a_ticket_and_the_booking_is_audited(app, login_citizen, station_csrf_token):
    client = app.test_client()
    login_citizen(client, assurance="basic")
    booked = _book(client, station_csrf_token)
    assert booked.status_code == 303 and "printed=ok" in booked.headers["Location"]
    page = client.get(booked.headers["Location"]).get_data(as_text=True)
    assert "influenza — 15/01/2027" in page and "Mời bạn lấy phiếu" in page
    [ticket] = printed_receipts(app)
    assert ticket.lines[0] == "PHIẾU HẸN TIÊM" and "Ngày: 15/01/2027" in ticket.lines
    [entry] = audit_entries(app, action="vax_booking.booked")
    assert entry["plugin"] == "vax_booking" and "0912345678" not in str(entry)


def test_out_of_paper_keeps_the_booking_and_says_so(app, login_citizen, station_csrf_token):
    client = app.test_client()
    login_citizen(client, assurance="basic")
    device_profile(app, "receipt_printer", "paper_out")
    booked = _book(client, station_csrf_token)
    assert "printed=not_ready" in booked.headers["Location"]
    page = client.get(booked.headers["Location"], headers={"Accept-Language": "vi"}).get_data(as_text=True)
    assert "Không in được phiếu" in page and "influenza — 15/01/2027" in page
    assert printed_receipts(app) == [] and len(audit_entries(app, action="vax_booking.booked")) == 1


def test_bad_input_and_missing_consent_are_refused_with_a_message(app, login_citizen, station_csrf_token):
    client = app.test_client()
    login_citizen(client, assurance="basic")
    bad = _book(client, station_csrf_token, phone="12")
    assert bad.status_code == 400 and "10 chữ số" in bad.get_data(as_text=True)
    no_consent = _book(client, station_csrf_token, consent="")
    assert no_consent.status_code == 400 and "đồng ý" in no_consent.get_data(as_text=True)
    assert audit_entries(app, action="vax_booking.booked") == []


def test_the_staff_page_is_for_staff_and_masks_a_citizen_who_withdrew(app, login_citizen, login_staff,
                                                                        station_csrf_token):
    anonymous = app.test_client().get("/s/vax_booking/staff")
    assert anonymous.status_code == 302 and "/staff/login" in anonymous.headers["Location"]
    first, second = app.test_client(), app.test_client()
    login_citizen(first, assurance="basic")
    login_citizen(second, assurance="basic")
    _book(first, station_csrf_token)
    _book(second, station_csrf_token, phone="0987654321")
    second.post("/s/vax_booking/consent/withdraw", data={"csrf_token": station_csrf_token(second)})
    assert second.get("/s/vax_booking/staff").status_code == 403          # a citizen is not staff
    staff = app.test_client()
    login_staff(staff, roles=("pharmacist",))
    page = staff.get("/s/vax_booking/staff").get_data(as_text=True)
    assert "0912345678" in page and "0987654321" not in page and "đã rút lại đồng ý" in page


def test_the_page_speaks_english_when_chosen(app, login_citizen):
    client = app.test_client()
    login_citizen(client, assurance="basic")
    assert "No bookings yet." in client.get("/s/vax_booking/?lang=en").get_data(as_text=True)
