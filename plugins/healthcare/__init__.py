"""Health and pharmacy — built-in plugin. Hook implementations only: the wiring."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from sdk import Tile, hookimpl, requires

bp = Blueprint("healthcare", __name__, template_folder="templates")


@bp.route("/")
@requires("healthcare.use")
def index() -> str:
    """The service's start page."""
    return render_template("healthcare/index.html")


@hookimpl
def register_routes(registrar) -> None:  # type: ignore[no-untyped-def]
    registrar.add_blueprint(bp)


@hookimpl
def home_tiles(citizen) -> list[Tile]:  # type: ignore[no-untyped-def]
    return [Tile(title={"vi": "Y tế và nhà thuốc", "en": "Health and pharmacy"},
                 subtitle={"vi": "Đo sức khoẻ, đơn thuốc điện tử, mua thuốc", "en": "Health screening, e-prescriptions, medicine"},
                 url=url_for("healthcare.index"), icon="health")]
