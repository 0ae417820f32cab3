"""The kiosk shell: home screen with service tiles, language and display preferences,
"finish and forget me", and /healthz."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import flask_login
from flask import Blueprint, Response, jsonify, redirect, render_template, request, session, url_for
from werkzeug.routing import BuildError

from core.i18n import LANGUAGES, current_language
from core.identity.principals import current_principal, logout
from core.manifest import CATEGORIES
from core.permissions import public
from core.station import current_station
from core.tiles import Tile, localized
from core.web.redirects import safe_next

log = logging.getLogger(__name__)
shell = Blueprint("shell", __name__)

CATEGORY_NAMES = {
    "administrative": {"vi": "Thủ tục hành chính", "en": "Administrative procedures"},
    "public_safety": {"vi": "An ninh trật tự", "en": "Public safety"},
    "healthcare": {"vi": "Y tế", "en": "Healthcare"},
    "utilities": {"vi": "Điện, nước", "en": "Utilities"},
    "traffic": {"vi": "Giao thông", "en": "Traffic"},
    "banking": {"vi": "Ngân hàng", "en": "Banking"},
    "other": {"vi": "Dịch vụ khác", "en": "Other services"},
}
# display preferences a visitor can toggle (remembered in the session only)
DISPLAY_PREFERENCES = {"text_size": ("normal", "large"), "contrast": ("normal", "high")}
FINISH_REASONS = ("finish", "idle")


def _citizen_view() -> Any:
    """The citizen at the terminal (what ``home_tiles`` receives), or None."""
    from core.identity.views import CitizenView

    user = flask_login.current_user
    if not user.is_authenticated or getattr(user, "kind", None) != "citizen":
        return None
    return CitizenView(user.citizen_id, user.assurance, user.method)


def _same_site(target: str | None) -> str:
    """Only same-site paths are followed (no open redirect)."""
    return safe_next(target, "/")


def my_data_url() -> str | None:
    """URL of the citizen's "My data" page, or None while that blueprint is not mounted."""
    try:
        return url_for("privacy.index")
    except BuildError:
        return None


@shell.app_context_processor
def shell_context() -> dict[str, Any]:
    """Layout values every page needs beyond the app's: is a citizen here, My data link."""
    user = current_principal()
    citizen = bool(user and user.is_authenticated and getattr(user, "kind", "") == "citizen")
    return {"citizen_logged_in": citizen, "my_data_url": my_data_url() if citizen else None,
            "citizen_name": _greeting_name() if citizen else None,
            "card_reminder": request.args.get("bye") == "card" and not citizen}


def _greeting_name() -> str | None:
    """The name the card or VNeID proved, for "Xin chào, …" (only while that citizen is logged in)."""
    from core.identity.session_identity import load_identity

    identity = load_identity()
    return identity.full_name if identity and identity.full_name else None


@shell.route("/lang", methods=["POST"])
@public
def choose_language() -> Response:
    """Switch the kiosk language (remembered for this session) and go back."""
    chosen = request.form.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(_same_site(request.form.get("next")))


@shell.route("/display", methods=["POST"])
@public
def display_preferences() -> Response:
    """Large text and high contrast on or off (remembered for this session) and go back."""
    for name, allowed in DISPLAY_PREFERENCES.items():
        value = request.form.get(name)
        if value in allowed:
            session[name] = value
    return redirect(_same_site(request.form.get("next")))


@shell.route("/")
@public
def home() -> str:
    """Tiles of the enabled plugins, grouped by the service categories."""
    return render_template("home.html", categories=home_categories(current_language()))


def home_categories(lang: str) -> list[dict[str, Any]]:
    """Enabled plugins' tiles grouped by manifest category, in the fixed category order."""
    station = current_station()
    groups: dict[str, list[dict[str, object]]] = defaultdict(list)
    for record, tiles in station.plugins.call_each("home_tiles", citizen=_citizen_view()):
        for tile in tiles:
            if isinstance(tile, Tile):
                groups[record.manifest.category].append(
                    {"title": localized(tile.title, lang), "subtitle": localized(tile.subtitle, lang),
                     "url": tile.url, "icon": tile.icon, "order": tile.order, "plugin": record.id})
    return [
        {"id": cat, "name": localized(CATEGORY_NAMES[cat], lang),
         "tiles": sorted(groups[cat], key=lambda t: (t["order"], t["title"]))}
        for cat in CATEGORIES if groups.get(cat)
    ]


@shell.route("/logout", methods=["POST"])
@public
def finish() -> Response:
    """"Finish and forget me": end the session and wipe the browser's copy.

    A citizen's session end is audited with its length (for the usage charts) and why it
    ended (the button, or the idle countdown).
    """
    user = flask_login.current_user
    with_card = False
    if user.is_authenticated and getattr(user, "kind", "") == "citizen":
        with_card = session.get("_method") == "card"
        try:
            record_session_end(user.citizen_id, request.form.get("reason", "finish"))
        except Exception as exc:  # leaving must always work, even if the log is down
            log.warning("session end not audited: %s", type(exc).__name__)
    logout()
    # the card may still be on the reader: the home page reminds the citizen to take it
    response = redirect(url_for("shell.home", bye="card") if with_card else url_for("shell.home"))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


def record_session_end(citizen_id: int, reason: str) -> None:
    """Audit ``session.end`` with the session's length in seconds (no personal data)."""
    from core.audit.api import record
    from core.audit.log import transaction

    station = current_station()
    started = session.get("_auth_at")
    seconds = max(0, int(station.clock() - started)) if isinstance(started, int | float) else None
    with transaction():
        record("session.end", actor=f"citizen:{citizen_id}", object_ref=f"citizen:{citizen_id}",
               details={"seconds": seconds, "reason": reason if reason in FINISH_REASONS else "finish",
                        "method": session.get("_method", "")})


@shell.route("/ping")
@public
def ping() -> Response:
    """The kiosk page says "someone is still here" (keeps the server session's idle clock)."""
    return Response(status=204)


@shell.route("/healthz")
@public
def healthz() -> tuple[Response, int]:
    """Monitoring: database writable, disk space, plugins, devices, card login (no personal data)."""
    from core.health import station_health

    body, status = station_health(current_station())
    from core.speech import state as speech_state

    body["read_aloud"] = speech_state()
    body["user"] = "authenticated" if flask_login.current_user.is_authenticated else "anonymous"
    return jsonify(body), status
