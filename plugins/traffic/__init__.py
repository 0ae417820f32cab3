"""Traffic fines — built-in plugin. Hook implementations only: the wiring."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from sdk import Tile, hookimpl, requires

bp = Blueprint("traffic", __name__, template_folder="templates")


@bp.route("/")
@requires("traffic.use")
def index() -> str:
    """The service's start page."""
    return render_template("traffic/index.html")


@hookimpl
def register_routes(registrar) -> None:  # type: ignore[no-untyped-def]
    registrar.add_blueprint(bp)


@hookimpl
def home_tiles(citizen) -> list[Tile]:  # type: ignore[no-untyped-def]
    return [Tile(title={"vi": "Phạt nguội giao thông", "en": "Traffic fines"},
                 subtitle={"vi": "Tra cứu và nộp phạt vi phạm giao thông", "en": "Look up and pay traffic fines"},
                 url=url_for("traffic.index"), icon="traffic")]
