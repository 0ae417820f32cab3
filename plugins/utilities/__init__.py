"""Electricity and water bills — built-in plugin. Hook implementations only: the wiring."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from sdk import Tile, hookimpl, requires

bp = Blueprint("utilities", __name__, template_folder="templates")


@bp.route("/")
@requires("utilities.use")
def index() -> str:
    """The service's start page."""
    return render_template("utilities/index.html")


@hookimpl
def register_routes(registrar) -> None:  # type: ignore[no-untyped-def]
    registrar.add_blueprint(bp)


@hookimpl
def home_tiles(citizen) -> list[Tile]:  # type: ignore[no-untyped-def]
    return [Tile(title={"vi": "Tiền điện, nước", "en": "Electricity and water bills"},
                 subtitle={"vi": "Tra cứu và thanh toán hoá đơn điện, nước", "en": "Look up and pay electricity and water bills"},
                 url=url_for("utilities.index"), icon="bill")]
