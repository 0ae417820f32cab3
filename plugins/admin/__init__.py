"""Administrative procedures — built-in plugin. Hook implementations only: the wiring."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from sdk import Tile, hookimpl, requires

bp = Blueprint("admin", __name__, template_folder="templates")


@bp.route("/")
@requires("admin.submit")
def index() -> str:
    """The service's start page."""
    return render_template("admin/index.html")


@hookimpl
def register_routes(registrar) -> None:  # type: ignore[no-untyped-def]
    registrar.add_blueprint(bp)


@hookimpl
def home_tiles(citizen) -> list[Tile]:  # type: ignore[no-untyped-def]
    return [Tile(title={"vi": "Thủ tục hành chính", "en": "Administrative procedures"},
                 subtitle={"vi": "Nộp hồ sơ dịch vụ công, tra cứu tình trạng", "en": "Submit public-service dossiers and track them"},
                 url=url_for("admin.index"), icon="document")]
