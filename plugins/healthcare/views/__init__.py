"""The plugin's pages (one blueprint, mounted under ``/s/healthcare/``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from sdk import pick, requires
from sdk.formatting import format_datetime

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
    """``dd/mm/yyyy HH:mm`` in the station's time zone for an epoch instant."""
    return format_datetime(float(epoch))


@bp.after_request
def personal_pages_are_not_cached(response):  # type: ignore[no-untyped-def]
    response.headers["Cache-Control"] = "no-store"
    return response


from . import pharmacist, records, rx, screening, shop, tele, video  # noqa: E402,F401  (routes on bp)
