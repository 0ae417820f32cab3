"""Help at the kiosk, on every page: "call a staff member" and "read this page aloud".

- ``POST /help`` raises a staff alert in the console (one open alert per visitor's session;
  at most one call a minute and five an hour per session) and tells the citizen to wait.
- ``POST /speech`` (JSON ``{"text", "lang"}``) answers the text spoken by espeak-ng as a WAV
  (core.speech); 400 for empty or overly long text, 503 when no engine is installed.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, session
from flask_babel import gettext as _

from core.i18n import LANGUAGES, current_language
from core.permissions import public
from core.station import current_station
from core.web.errors import wants_json
from core.web.redirects import safe_next

assist = Blueprint("assist", __name__)

HELP_MIN_INTERVAL = 60  # seconds between two calls from one session
HELP_PER_HOUR = 5
SPEECH_PER_MINUTE = 20  # read-aloud requests per session


def help_calls_left(times: list[float], at: float) -> tuple[bool, list[float]]:
    """Whether a session that called at ``times`` may call again at ``at``; the calls of the last hour."""
    recent = [t for t in times if isinstance(t, int | float) and at - t < 3600]
    allowed = not (recent and at - recent[-1] < HELP_MIN_INTERVAL) and len(recent) < HELP_PER_HOUR
    return allowed, recent


@assist.route("/help", methods=["POST"])
@public
def call_staff() -> Any:
    """"Gọi nhân viên hỗ trợ": an alert in the console; the citizen is asked to wait at the station."""
    station = current_station()
    at = station.clock()
    allowed, recent = help_calls_left(list(session.get("_help_at", [])), at)
    back = safe_next(request.form.get("next"), "/")
    if not allowed:
        message = _("Staff have already been called. Please wait at the station.")
        status = 429
    else:
        reference = session.setdefault("_help_ref", secrets.token_hex(6))
        current_app.extensions["payments"].alert(
            "station", "help_request", f"help:{reference}",
            "Người dùng tại trạm cần nhân viên hỗ trợ (bấm nút \u201cGọi nhân viên hỗ trợ\u201d).",
            "Someone at the station asks for a staff member (the \u201cCall staff\u201d button).")
        session["_help_at"] = [*recent, at]
        message = _("Staff have been told. Please wait at the station.")
        status = 200
    if wants_json():
        return jsonify(message=message, called=status == 200), status
    return render_template("help_called.html", message=message, back=back), status


@assist.route("/speech", methods=["POST"])
@public
def speech() -> Any:
    """The given text read aloud in the kiosk language, as audio/wav."""
    from core.speech import SpeechError, SpeechUnavailable, render_wav

    at = current_station().clock()
    recent = [t for t in session.get("_speech_at", []) if isinstance(t, int | float) and at - t < 60]
    if len(recent) >= SPEECH_PER_MINUTE:
        return jsonify(message=_("Please wait a moment before reading aloud again.")), 429
    session["_speech_at"] = [*recent, at]
    body = request.get_json(silent=True) or {}
    text = body.get("text") if isinstance(body, dict) else None
    lang = body.get("lang", current_language()) if isinstance(body, dict) else current_language()
    if not isinstance(text, str) or lang not in LANGUAGES:
        return jsonify(message=_("There is nothing to read aloud.")), 400
    try:
        wav = render_wav(text, lang)
    except SpeechUnavailable:
        return jsonify(message=_("Reading aloud is not available at this station.")), 503
    except SpeechError as exc:
        message = (_("This text is too long to read aloud.") if str(exc) == "too_long"
                   else _("There is nothing to read aloud."))
        return jsonify(message=message), 400
    return Response(wav, mimetype="audio/wav", headers={"Cache-Control": "no-store"})


@assist.app_context_processor
def assist_context() -> dict[str, Any]:
    """The layout shows the read-aloud button only where an engine exists."""
    from core.speech import engine

    return {"read_aloud_available": engine() is not None}
