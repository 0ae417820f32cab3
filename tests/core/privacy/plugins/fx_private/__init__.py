"""Test plugin of the privacy tests: encrypted health and personal fields through sdk.privacy."""

import peewee
from flask import Blueprint, jsonify, request

from sdk import current_citizen, hookimpl, now, requires
from sdk.privacy import (
    EncryptedJSONField,
    EncryptedTextField,
    PersonalDataModel,
    read_personal,
    require_consent,
)

bp = Blueprint("fx_private", __name__)
SCREEN_PURPOSE = {"vi": "Xem lại kết quả khám", "en": "Show my screening results"}


class Screening(PersonalDataModel):
    data_category = "health"
    timestamp_field = "taken_at"
    citizen_id = peewee.IntegerField(index=True)
    taken_at = peewee.DoubleField()
    notes = EncryptedTextField()
    vitals = EncryptedJSONField(null=True)

    class Meta:
        table_name = "fx_private_screening"


class Profile(PersonalDataModel):
    data_category = "personal"
    citizen_id = peewee.IntegerField(unique=True)
    full_name = EncryptedTextField()
    id_number = EncryptedTextField()

    class Meta:
        table_name = "fx_private_profile"


@bp.route("/screenings", methods=["POST"])
@requires("fx_private.use")
@require_consent("health")
def add_screening():
    row = Screening.create(citizen_id=current_citizen().id, taken_at=now(), notes=request.form["notes"],
                           vitals={"spo2": int(request.form.get("spo2", 98))})
    return jsonify(id=row.id), 201


@bp.route("/screenings")
@requires("fx_private.use")
@require_consent("health")
def list_screenings():
    rows = read_personal(Screening.select().where(Screening.citizen_id == current_citizen().id)
                         .order_by(Screening.id), purpose=SCREEN_PURPOSE)
    return jsonify(notes=[r.notes for r in rows], vitals=[r.vitals for r in rows])


@bp.route("/unguarded")
@requires("fx_private.use")
def unguarded_list():
    # No require_consent here: the data guard under the model still refuses without consent.
    rows = Screening.select().where(Screening.citizen_id == current_citizen().id)
    return jsonify(notes=[r.notes for r in rows])


@bp.route("/staff/<int:citizen_id>")
@requires("fx_private.staff")
def staff_view(citizen_id):
    rows = Screening.select().where(Screening.citizen_id == citizen_id).order_by(Screening.id)
    return jsonify(notes=[r.notes for r in rows])


@hookimpl
def register_routes(registrar):
    registrar.add_blueprint(bp)


@hookimpl
def citizen_data_export(citizen):
    screenings = Screening.select().where(Screening.citizen_id == citizen.id).order_by(Screening.id)
    profile = Profile.get_or_none(Profile.citizen_id == citizen.id)
    return {"screenings": [{"taken_at": s.taken_at, "notes": s.notes, "vitals": s.vitals} for s in screenings],
            "profile": {"full_name": profile.full_name, "id_number": profile.id_number} if profile else None}


@hookimpl
def citizen_data_erase(citizen):
    Screening.delete().where(Screening.citizen_id == citizen.id).execute()
    Profile.delete().where(Profile.citizen_id == citizen.id).execute()
