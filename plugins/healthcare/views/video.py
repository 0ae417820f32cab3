"""Live video doctor: the kiosk's call (consent first) and the simulated clinic's page.

Signalling goes through the station (JSON over HTTP polling, :mod:`..videocall`); audio and
video go peer to peer (WebRTC) between the two browsers and are never stored.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, redirect, render_template, request, url_for

from sdk import NotFoundError, UserInputError, current_citizen, get_owned, plugin_settings, requires
from sdk.lists import limit_rate

from ..models import VideoCall
from ..videocall import (
    answer_call,
    end_call,
    parse_ice_servers,
    post_signal,
    signals_for,
    start_call,
)
from . import bp


def _ice_servers() -> list[dict[str, Any]]:
    return parse_ice_servers(plugin_settings().get("ice_servers", ""))


def _after() -> int:
    try:
        return max(0, int(request.args.get("after", "0")))
    except ValueError:
        raise UserInputError("after must be a number") from None


def _relay(call: VideoCall, side: str) -> Any:
    if request.method == "GET":
        return jsonify(signals_for(call, side, _after()))
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise UserInputError("JSON {kind, body} expected")
    signal = post_signal(call, side, body.get("kind"), body.get("body"))
    return jsonify(id=signal.id), 201


# ---- the kiosk ----------------------------------------------------------------------------

@bp.route("/tele/video")
@requires("healthcare.use")
def video_consent() -> str:
    """What a video call is, and the citizen's agreement to camera and microphone."""
    return render_template("healthcare/video_consent.html")


@bp.route("/tele/video/start", methods=["POST"])
@requires("healthcare.use")
def video_start() -> Any:
    """Start a call — only with the consent box's value; audited."""
    if request.form.get("consent") != "yes":
        return render_template("healthcare/video_consent.html", refused=True), 400
    limit_rate("video_call", per_citizen=(10, 3600), per_station=(120, 3600))
    call = start_call(current_citizen().id, consent=True)
    return redirect(url_for("healthcare.video_call", call_id=call.id), code=303)


@bp.route("/tele/video/<int:call_id>")
@requires("healthcare.use")
def video_call(call_id: int) -> str:
    """The call: the doctor's video large, the citizen's own small, "end call"."""
    call = get_owned(VideoCall, call_id)
    return render_template("healthcare/video_call.html", call=call, side="kiosk", ice_servers=_ice_servers(),
                           signals_url=url_for("healthcare.video_signals", call_id=call.id),
                           end_url=url_for("healthcare.video_end", call_id=call.id))


@bp.route("/tele/video/<int:call_id>/signals", methods=["GET", "POST"])
@requires("healthcare.use")
def video_signals(call_id: int) -> Any:
    """The kiosk's side of the signalling relay."""
    return _relay(get_owned(VideoCall, call_id), "kiosk")


@bp.route("/tele/video/<int:call_id>/end", methods=["POST"])
@requires("healthcare.use")
def video_end(call_id: int) -> Any:
    """The citizen hangs up."""
    end_call(get_owned(VideoCall, call_id), "citizen")
    if request.accept_mimetypes.best == "application/json":
        return jsonify(state="ended")
    return redirect(url_for("healthcare.tele"), code=303)


# ---- the simulated clinic (the doctor's side, for the demo) -----------------------------

def _clinic_call(call_id: int) -> VideoCall:
    call = VideoCall.get_or_none(VideoCall.id == call_id)
    if call is None:
        raise NotFoundError("Not found.")
    return call


@bp.route("/clinic")
@requires("healthcare.clinic")
def clinic() -> str:
    """SIMULATED clinic: the kiosk calls waiting for a doctor (no personal data shown)."""
    calls = list(VideoCall.select().where(VideoCall.state != "ended").order_by(VideoCall.id))
    return render_template("healthcare/clinic.html", calls=calls)


@bp.route("/clinic/calls/<int:call_id>/answer", methods=["POST"])
@requires("healthcare.clinic")
def clinic_answer(call_id: int) -> Any:
    """The doctor takes the call (audited) and opens the call page."""
    answer_call(call_id)
    return redirect(url_for("healthcare.clinic_call", call_id=call_id), code=303)


@bp.route("/clinic/calls/<int:call_id>")
@requires("healthcare.clinic")
def clinic_call(call_id: int) -> str:
    """The doctor's call page (the same call script, the offering side)."""
    call = _clinic_call(call_id)
    return render_template("healthcare/video_call.html", call=call, side="doctor", ice_servers=_ice_servers(),
                           signals_url=url_for("healthcare.clinic_signals", call_id=call.id),
                           end_url=url_for("healthcare.clinic_end", call_id=call.id))


@bp.route("/clinic/calls/<int:call_id>/signals", methods=["GET", "POST"])
@requires("healthcare.clinic")
def clinic_signals(call_id: int) -> Any:
    """The doctor's side of the signalling relay."""
    return _relay(_clinic_call(call_id), "doctor")


@bp.route("/clinic/calls/<int:call_id>/end", methods=["POST"])
@requires("healthcare.clinic")
def clinic_end(call_id: int) -> Any:
    """The doctor hangs up."""
    end_call(_clinic_call(call_id), "doctor")
    if request.accept_mimetypes.best == "application/json":
        return jsonify(state="ended")
    return redirect(url_for("healthcare.clinic"), code=303)
