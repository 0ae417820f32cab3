"""Console: devices — live status with the reason, and a "test read" button.

A test read takes one measurement from a measuring device (oximeter, cuff, thermometer,
scale, height rod) and shows the values; other kinds (card reader, printer, terminal, QR
scanner) are only probed, because what they read can be personal. Test reads are audited.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template

from core.audit.api import current_actor
from core.audit.log import transaction
from core.errors import NotFoundError
from core.i18n import _
from core.permissions import requires
from core.station import current_station

device_pages = Blueprint("devices", __name__, url_prefix="/devices")

MEASURING_KINDS = frozenset({"pulse_oximeter", "blood_pressure", "thermometer", "scale", "height_rod"})
TEST_READ_TIMEOUT = 20.0


def probe_statuses(devices: Any) -> list[dict[str, Any]]:
    """Probe every device once (opening it if needed) and return the fresh statuses.

    A device busy with a citizen's measurement is not disturbed: its status is kept.
    """
    for descriptor in devices.inventory:
        driver = devices.inventory.driver(descriptor.id)
        if driver.status.value in ("CONNECTING",) and driver.status_reason == "not opened yet":
            driver.open()
        else:
            driver.heartbeat()
    from core.console.labels import device_reason, device_status

    return [{**{k: d[k] for k in ("id", "kind", "status", "reason", "simulated")},
             "status_label": device_status(d["status"]), "reason_label": device_reason(d["reason"])}
            for d in devices.statuses()]


@device_pages.route("/")
@requires("console.devices.view")
def index() -> str:
    """Every device of the site: kind, make and model, status and reason."""
    station = current_station()
    return render_template("console/devices.html", devices=station.devices.statuses(), result=None,
                           page="devices", measuring=MEASURING_KINDS)


@device_pages.route("/status.json")
@requires("console.devices.view")
def status() -> Response:
    """Fresh statuses for the page's live refresh (no personal data)."""
    return jsonify(devices=probe_statuses(current_station().devices))


@device_pages.route("/<device_id>/test", methods=["POST"])
@requires("console.devices.test")
def test_read(device_id: str) -> tuple[str, int] | str:
    """Take one reading (measuring devices) or probe (others) and show the outcome."""
    station = current_station()
    known = {d["id"]: d for d in station.devices.statuses()}
    if device_id not in known:
        raise NotFoundError(_("There is no device %(device)s at this station.", device=device_id))
    result = run_test_read(station.devices, device_id, known[device_id]["kind"])
    with transaction():
        station.audit.record("device.test", actor=current_actor(), object_ref=f"device:{device_id}",
                             outcome="ok" if result["ok"] else "failed",
                             details={"kind": known[device_id]["kind"], "mode": result["mode"]})
    page = render_template("console/devices.html", devices=station.devices.statuses(), result=result,
                           page="devices", measuring=MEASURING_KINDS)
    return page if result["ok"] else (page, 409)


def run_test_read(devices: Any, device_id: str, kind: str, timeout: float = TEST_READ_TIMEOUT) -> dict[str, Any]:
    """One reading or probe of ``device_id``: ``{"ok", "mode", "values", "units", "message"}``."""
    from hal.errors import HalError

    driver = devices.inventory.driver(device_id)
    result: dict[str, Any] = {"device": device_id, "kind": kind, "values": {}, "units": {}, "message": ""}
    if kind not in MEASURING_KINDS:
        result["mode"] = "probe"
        status = driver.open() if driver.status.value in ("CONNECTING", "NOT_READY", "ERROR") else driver.heartbeat()
        result["ok"] = status.value == "READY"
        result["message"] = f"{status.value}: {driver.status_reason}".rstrip(": ")
        return result
    result["mode"] = "read"
    try:
        if driver.status.value in ("CONNECTING", "NOT_READY", "ERROR"):
            driver.open()
        reading = driver.read(timeout=timeout)
    except HalError as exc:
        result["ok"] = False
        result["message"] = f"{type(exc).__name__}: {exc}"
        return result
    result["ok"] = True
    result["values"] = {k: v for k, v in reading.values.items() if isinstance(v, int | float | str | bool)}
    result["units"] = dict(reading.units)
    return result
