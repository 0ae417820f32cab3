"""The plugin's pages (one blueprint, mounted under ``/s/healthcare/``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, render_template

from sdk import pick, requires

bp = Blueprint("healthcare", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/static")


@bp.route("/")
@requires("healthcare.use")
def index() -> str:
    """The service's start page: screening, records, prescriptions, shop, teleconsultation."""
    return render_template("healthcare/index.html")


@bp.context_processor
def helpers() -> dict[str, Any]:
    """Template helpers of this plugin's pages."""
    return {"local_time": local_time, "tr": lambda text: pick(text["vi"], text["en"]) if text else ""}


def local_time(epoch: float) -> str:
    """``dd/mm/yyyy HH:MM`` in Vietnam time (UTC+7) for an epoch instant."""
    return (datetime.fromtimestamp(epoch, UTC) + timedelta(hours=7)).strftime("%d/%m/%Y %H:%M")


@bp.after_request
def personal_pages_are_not_cached(response):  # type: ignore[no-untyped-def]
    response.headers["Cache-Control"] = "no-store"
    return response


from . import pharmacist, records, rx, screening, shop, tele, video  # noqa: E402,F401  (routes on bp)
