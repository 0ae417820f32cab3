"""SIMULATOR pages for demos: the VNeID app "phone" and the card on the simulated reader.

They exist only for simulated providers and ``sim://`` devices, and say so on the page: with
a real VNeID provider or card reader configured their routes are not even mounted (404 for
every method), see :func:`install_simulators`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, abort, render_template, request, url_for
from werkzeug.routing import BuildError

from core.errors import UserInputError
from core.permissions import public
from core.station import current_station
from core.web.login import receive_assertion

sim_vneid = Blueprint("sim_vneid", __name__, url_prefix="/sim")
sim_card_reader = Blueprint("sim_card_reader", __name__, url_prefix="/sim")


def install_simulators(app: Flask) -> None:
    """Mount each simulator page only when its simulator is configured, and offer templates
    ``sim_url(endpoint, **values)`` (None when that simulator is not mounted)."""
    station = current_station(app)
    if station.vneid.provider.simulated:
        app.register_blueprint(sim_vneid)
    if any(d["kind"] == "card_reader" and d["url"].startswith("sim://") for d in station.config.devices):
        app.register_blueprint(sim_card_reader)
    app.jinja_env.globals["sim_url"] = sim_url


def sim_url(endpoint: str, **values: Any) -> str | None:
    """URL of a simulator page, or None when it is not mounted at this station."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@sim_vneid.route("/vneid/phone", methods=["GET", "POST"])
@public
def vneid_phone() -> str | tuple[str, int] | tuple[Response, int] | Response:
    """The simulated VNeID app: pick a demo account and approve the kiosk's request."""
    station = current_station()
    provider = station.vneid.provider
    if not provider.simulated:
        abort(404)
    request_uri = request.values.get("r", "")
    if request.method == "GET":
        return render_template("sim_vneid_phone.html", accounts=provider.accounts(), request_uri=request_uri,
                               done=False, error=None)
    try:
        index = int(request.form.get("account", "-1"))
        level = int(request.form.get("level", "2"))
        if level not in (1, 2):
            raise UserInputError("level must be 1 or 2")
        assertion = provider.approve(request_uri, index, level, station.clock())
    except (ValueError, UserInputError) as exc:
        return render_template("sim_vneid_phone.html", accounts=provider.accounts(), request_uri=request_uri,
                               done=False, error=str(exc)), 400
    response = receive_assertion(assertion)
    status = response[1] if isinstance(response, tuple) else 200
    error = None if status == 200 else (response[0].json or {}).get("message")
    return render_template("sim_vneid_phone.html", accounts=provider.accounts(), request_uri=request_uri,
                           done=status == 200, error=error), status


@sim_card_reader.route("/card-reader", methods=["GET", "POST"])
@public
def card_reader() -> str:
    """Choose which test card lies on the simulated reader (or take it away)."""
    from core.simulation import seeded_citizens, simulator

    citizens = seeded_citizens()
    station = current_station()
    urls = [d["url"] for d in station.devices.statuses() if d["kind"] == "card_reader" and d["simulated"]]
    if not urls:
        abort(404)
    sim = simulator(urls[0])
    if request.method == "POST":
        choice = request.form.get("card", "")
        if choice == "none":
            sim.remove_card()
        elif choice.isdigit() and int(choice) < len(citizens):
            sim.insert_card(int(choice))
    cards = [{"index": i, "name": c.full_name, "expired": c.is_expired(__import__("datetime").date.today())}
             for i, c in enumerate(citizens)]
    return render_template("sim_card_reader.html", cards=cards, current=sim.options.get("citizen"),
                           present=sim._has_card())
