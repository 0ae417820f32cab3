"""Banking — built-in plugin. Hook implementations only: the wiring."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from sdk import Tile, hookimpl, requires

bp = Blueprint("banking", __name__, template_folder="templates")


@bp.route("/")
@requires("banking.use")
def index() -> str:
    """The service's start page."""
    return render_template("banking/index.html")


@hookimpl
def register_routes(registrar) -> None:  # type: ignore[no-untyped-def]
    registrar.add_blueprint(bp)


@hookimpl
def home_tiles(citizen) -> list[Tile]:  # type: ignore[no-untyped-def]
    return [Tile(title={"vi": "Ngân hàng", "en": "Banking"},
                 subtitle={"vi": "Tài khoản, chuyển khoản NAPAS 247, mở tài khoản", "en": "Accounts, NAPAS 247 transfers, account opening"},
                 url=url_for("banking.index"), icon="bank")]
