"""The kiosk shell: home screen with service tiles, language switch, logout, and /healthz."""

from __future__ import annotations

from collections import defaultdict

import flask_login
from flask import Blueprint, Response, jsonify, redirect, render_template, request, session, url_for

from core import db
from core.i18n import LANGUAGES, current_language
from core.identity.principals import logout
from core.manifest import CATEGORIES
from core.station import current_station
from core.tiles import Tile, localized

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


def _citizen_view():  # type: ignore[no-untyped-def]
    from sdk.accessors import current_citizen

    return current_citizen()


@shell.route("/lang", methods=["POST"])
def choose_language() -> Response:
    """Switch the kiosk language (remembered for this session) and go back."""
    chosen = request.form.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    target = request.form.get("next", "/")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")


@shell.route("/")
def home() -> str:
    """Tiles of the enabled plugins, grouped by the service categories."""
    station = current_station()
    lang = current_language()
    groups: dict[str, list[dict[str, object]]] = defaultdict(list)
    for record, tiles in station.plugins.call_each("home_tiles", citizen=_citizen_view()):
        for tile in tiles:
            if isinstance(tile, Tile):
                groups[record.manifest.category].append(
                    {"title": localized(tile.title, lang), "subtitle": localized(tile.subtitle, lang),
                     "url": tile.url, "icon": tile.icon, "order": tile.order, "plugin": record.id})
    categories = [
        {"id": cat, "name": localized(CATEGORY_NAMES[cat], lang),
         "tiles": sorted(groups[cat], key=lambda t: (t["order"], t["title"]))}
        for cat in CATEGORIES if groups.get(cat)
    ]
    return render_template("home.html", categories=categories)


@shell.route("/logout", methods=["POST"])
def finish() -> Response:
    """"Finish and forget me": end the session and wipe the browser's copy."""
    logout()
    response = redirect(url_for("shell.home"))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@shell.route("/healthz")
def healthz() -> tuple[Response, int]:
    """Monitoring: database reachable and each plugin's state (no personal data)."""
    station = current_station()
    database_ok = db.is_reachable()
    plugins = {r.id: {"state": r.state.value, "enabled": r.enabled, "reasons": r.reasons}
               for r in station.plugins.records.values()}
    body = {"status": "ok" if database_ok else "degraded", "site": station.config.site_id,
            "database": "ok" if database_ok else "unreachable", "plugins": plugins,
            "devices": {d["id"]: {"kind": d["kind"], "status": d["status"], "reason": d["reason"]}
                        for d in station.devices.statuses()},
            "user": "authenticated" if flask_login.current_user.is_authenticated else "anonymous"}
    return jsonify(body), 200 if database_ok else 503
