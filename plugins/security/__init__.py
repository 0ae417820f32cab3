"""Public safety — built-in plugin. Hook implementations only: the wiring."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from sdk import Tile, hookimpl, public

bp = Blueprint("security", __name__, template_folder="templates")


@bp.route("/")
@public
def index() -> str:
    """The service's start page."""
    return render_template("security/index.html")


@hookimpl
def register_routes(registrar) -> None:  # type: ignore[no-untyped-def]
    registrar.add_blueprint(bp)


@hookimpl
def home_tiles(citizen) -> list[Tile]:  # type: ignore[no-untyped-def]
    return [Tile(title={"vi": "An ninh trật tự", "en": "Public safety"},
                 subtitle={"vi": "Gọi khẩn cấp 113, 114, 115; báo tin cho công an phường", "en": "Emergency numbers 113, 114, 115; reports to the ward police"},
                 url=url_for("security.index"), icon="shield")]
