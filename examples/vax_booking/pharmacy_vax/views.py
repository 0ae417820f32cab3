"""Pages: the citizen books (phone encrypted, audited, ticket printed); staff see the list."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from sdk import UserInputError, _, audit, current_citizen, now, read_personal, requires, transaction
from sdk.consent import grant_consent, withdraw_consent
from sdk.devices import DeviceUnavailable
from sdk.printing import print_receipt

from .models import Booking

bp = Blueprint("vax_booking", __name__, template_folder="templates")
VACCINES = ("influenza", "hepatitis_b", "tetanus")
PHONE = re.compile(r"^0\d{9}$")


@bp.route("/")
@requires("vax_booking.use")
def index() -> Any:
    """The citizen's bookings and the booking form."""
    rows = Booking.select().where(Booking.citizen_id == current_citizen().id).order_by(Booking.id)
    return render_template("vax_booking/index.html", bookings=list(rows), vaccines=VACCINES,
                           printed=request.args.get("printed"))


@bp.route("/bookings", methods=["POST"])
@requires("vax_booking.use")
def book() -> Any:
    """Book, with the citizen's consent to keep the phone number; print the ticket."""
    vaccine, day = request.form.get("vaccine", ""), request.form.get("day", "")
    phone = request.form.get("phone", "").replace(" ", "")
    if vaccine not in VACCINES or not re.fullmatch(r"\d{2}/\d{2}/\d{4}", day) or not PHONE.fullmatch(phone):
        raise UserInputError(_("Please choose a vaccine, a day (dd/mm/yyyy) and a 10-digit phone number."))
    if request.form.get("consent") != "yes":
        raise UserInputError(_("Please agree that the pharmacy keeps your phone number to remind you."))
    grant_consent("personal")
    with transaction():
        booking = Booking(citizen_id=current_citizen().id, vaccine=vaccine, day=day, phone=phone, created_at=now())
        booking.save()
        audit("vax_booking.booked", object_ref=f"booking:{booking.id}", details={"vaccine": vaccine})
    try:
        print_receipt([_("VACCINATION TICKET"), (_("Number"), str(booking.id)), (_("Day"), day)], title_lines=1)
        printed = "ok"
    except DeviceUnavailable as exc:
        printed = exc.state
    return redirect(url_for("vax_booking.index", printed=printed), code=303)


@bp.route("/consent/withdraw", methods=["POST"])
@requires("vax_booking.use")
def withdraw() -> Any:
    """The citizen no longer wants the pharmacy to keep their phone number."""
    withdraw_consent("personal")
    return redirect(url_for("vax_booking.index"), code=303)


@bp.route("/staff")
@requires("vax_booking.manage")
def staff_list() -> Any:
    """Today's list for the pharmacist: a citizen who withdrew consent shows without a phone."""
    rows = read_personal(Booking.select().order_by(Booking.id), purpose={
        "vi": "Gọi điện nhắc lịch tiêm", "en": "Call to remind of the appointment"}, on_refused="mask")
    return render_template("vax_booking/staff.html", bookings=rows)
