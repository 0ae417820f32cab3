"""Citizen login at the kiosk: chip ID card (scan or keypad) or the VNeID app, and step-up."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import flask_login
from flask import Blueprint, Response, jsonify, redirect, render_template, request, session, url_for

from core.audit.api import record
from core.audit.log import transaction
from core.errors import NotFoundError, StationError, UserInputError
from core.identity.card_identity import mrz_info_from_keypad, parse_keypad_date
from core.identity.principals import login_citizen, record_step_up
from core.identity.session_identity import VerifiedIdentity, store_identity
from core.identity.vneid import session_binding
from core.payments.qr_render import qr_svg
from core.permissions import public
from core.station import current_station
from core.web.redirects import safe_next

login = Blueprint("login", __name__, url_prefix="/login")


def _next_url() -> str:
    return safe_next(request.values.get("next"), url_for("shell.home"))


def _current_citizen_id() -> int | None:
    user = flask_login.current_user
    return user.citizen_id if user.is_authenticated and getattr(user, "kind", "") == "citizen" else None


def _now() -> datetime:
    return datetime.fromtimestamp(current_station().clock(), UTC)


@login.route("/")
@public
def choose() -> str:
    """Choose how to identify: chip ID card or VNeID app."""
    return render_template("login.html", next=_next_url(), step_up=request.args.get("step_up") == "1")


@login.route("/card", methods=["GET", "POST"])
@public
def card() -> Response | str | tuple[str, int]:
    """Read the chip ID card (MRZ scanned by the reader, or numbers typed on the keypad)."""
    step_up = request.values.get("step_up") == "1"
    station = current_station()
    if not station.card_login.is_on():  # no CSCA certificate: say so in words, never a file path
        from core.identity.card_login import CardLoginOff

        off = CardLoginOff()  # the page itself answers (200); a card sent anyway is refused (503)
        page = render_template("login_card.html", error=off, next=_next_url(), step_up=step_up)
        return (page, off.http_status) if request.method == "POST" else page
    if request.method == "GET":
        return render_template("login_card.html", error=None, next=_next_url(), step_up=step_up)
    action = "login.step_up" if step_up else "login.card"

    def read_card(reader: Any) -> Any:
        if request.form.get("mode") == "keypad":
            mrz_info = mrz_info_from_keypad(request.form.get("id_number", "").strip(),
                                            parse_keypad_date(request.form.get("birth_date", ""), field="date of birth"),
                                            parse_keypad_date(request.form.get("expiry_date", ""), field="expiry date"))
        else:
            mrz_info = station.card_login.scan_mrz_information(reader)
        return station.card_login.verify(reader, mrz_info, _now())

    try:
        # the one device-use path: no reader / unplugged / busy are told apart, in both languages
        result = station.devices.use("card_reader", read_card)
    except StationError as exc:
        with transaction():
            record(action, actor="anonymous", outcome="refused", object_ref="card-login",
                   details={"reason": getattr(exc, "code", type(exc).__name__)})
        status = exc.http_status if 400 <= exc.http_status < 500 else 403
        return render_template("login_card.html", error=exc, next=_next_url(), step_up=step_up), status
    citizen = station.citizens.find_or_create(result.identity.id_number.digits)
    with transaction():
        if step_up:
            if _current_citizen_id() != citizen.id:
                record(action, outcome="refused", object_ref=f"citizen:{citizen.id}",
                       details={"reason": "different_person"})
                return render_template("login_card.html", error=UserInputError(
                    "This card belongs to someone else than the person logged in."), next=_next_url(),
                    step_up=True), 403
            record_step_up("high")
        else:
            login_citizen(citizen, "high", "card")
            ident = result.identity
            store_identity(VerifiedIdentity(
                id_number=ident.id_number.digits, full_name=ident.full_name,
                date_of_birth=ident.date_of_birth.isoformat() if ident.date_of_birth else None,
                sex=str(ident.sex.value) if hasattr(ident.sex, "value") else str(ident.sex),
                place_of_origin=ident.place_of_origin, residence=ident.residence,
                nationality=ident.nationality, source="card"))
        record(action, actor=f"citizen:{citizen.id}", object_ref=f"citizen:{citizen.id}",
               details={"assurance": "high", "csca": result.passive_auth.csca[:120]})
    return redirect(_next_url())


@login.route("/vneid")
@public
def vneid() -> str:
    """Show the one-time VNeID login QR code; the page polls until the app approves."""
    station = current_station()
    step_up = request.args.get("step_up") == "1"
    binding = session.get("_vneid_binding") or secrets.token_urlsafe(24)
    session["_vneid_binding"] = binding
    with transaction():
        login_request, uri = station.vneid.start(session_binding(binding), "step_up" if step_up else "login")
    return render_template("login_vneid.html", qr=qr_svg(uri, scale=6), request_uri=uri,
                           request_id=login_request.request_id, next=_next_url(), step_up=step_up,
                           simulated=station.vneid.provider.simulated,
                           lifetime=int(login_request.expires_at - station.clock()))


@login.route("/vneid/<request_id>/claim", methods=["POST"])
@public
def vneid_claim(request_id: str) -> tuple[Response, int] | Response:
    """Polled by the kiosk page (POST with the CSRF token): logs in once approved."""
    station = current_station()
    try:
        with transaction():
            row = station.vneid.claim(request_id, session_binding(session.get("_vneid_binding")))
            if row is None:
                return jsonify(status="pending")
            if row.purpose == "step_up":
                if _current_citizen_id() != row.citizen_id:
                    record("login.step_up", outcome="refused", object_ref=f"citizen:{row.citizen_id}",
                           details={"reason": "different_person"})
                    return jsonify(status="refused", message="This VNeID account belongs to someone else "
                                                             "than the person logged in."), 403
                record_step_up(row.assurance)
                action = "login.step_up"
            else:
                from core.identity.models import Citizen

                login_citizen(Citizen.get_by_id(row.citizen_id), row.assurance, "vneid")
                claims = station.vneid.take_claims(row.request_id)
                if claims is not None:
                    store_identity(VerifiedIdentity(
                        id_number=claims.id_number, full_name=claims.full_name,
                        date_of_birth=claims.date_of_birth.isoformat(), source="vneid"))
                action = "login.vneid"
            record(action, actor=f"citizen:{row.citizen_id}", object_ref=f"citizen:{row.citizen_id}",
                   details={"assurance": row.assurance})
    except NotFoundError as exc:
        return jsonify(status="gone", message=str(exc)), 404
    return jsonify(status="done", next=_next_url())


@login.route("/vneid/callback", methods=["POST"])
@public(csrf=False)
def vneid_callback() -> tuple[Response, int] | Response:
    """The VNeID service delivers a signed assertion (machine to machine, signed: no CSRF)."""
    body = request.get_json(silent=True)
    if body is not None and not isinstance(body, dict):
        return jsonify(error="vneid_malformed", message="The body must be a JSON object with an assertion."), 400
    assertion = (body or {}).get("assertion") or request.form.get("assertion", "")
    if not isinstance(assertion, str):
        return jsonify(error="vneid_malformed", message="The assertion must be a string."), 400
    return receive_assertion(assertion)


def receive_assertion(assertion: str) -> tuple[Response, int] | Response:
    """Verify and accept an assertion; answers JSON (also used by the simulator's phone page)."""
    station = current_station()
    try:
        with transaction():
            row, claims = station.vneid.accept(assertion)
            record("login.vneid.approved", actor="vneid", object_ref=f"vneid-request:{row.request_id[:16]}",
                   details={"level": claims.account_level})
    except StationError as exc:
        with transaction():
            record("login.vneid.approved", actor="vneid", outcome="refused", object_ref="vneid-request",
                   details={"reason": getattr(exc, "code", type(exc).__name__)})
        return jsonify(error=getattr(exc, "code", "refused"), message=str(exc)), exc.http_status
    return jsonify(status="approved")
