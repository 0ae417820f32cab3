"""Console: the audit log — browse and filter entries, verify the whole log now (with
progress), the latest signed checkpoint, and signing a checkpoint on demand."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from core.audit.api import current_actor
from core.audit.log import transaction
from core.audit.store import AuditCheckpoint, AuditEntry, AuditHead
from core.errors import NotFoundError
from core.i18n import _
from core.permissions import requires
from core.station import current_station

audit_pages = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 50
SCAN_BATCH = 500
SCAN_LIMIT = 20_000  # entries looked at per page request; "older" continues from there
FILTERS = ("action", "plugin", "actor", "outcome", "object", "since", "until")


def audit_summary() -> dict[str, Any]:
    """Log size and the newest signed checkpoint (no new checkpoint is made by looking)."""
    head = AuditHead.get_or_none(AuditHead.id == 1)
    latest = AuditCheckpoint.select().order_by(AuditCheckpoint.size.desc()).first()
    return {"size": head.size if head else 0, "checkpoint": latest}


# ---- pure: filtering entries -------------------------------------------------------------

def clean_filters(args: Any) -> dict[str, str]:
    """The filters given in a query string (blank ones dropped)."""
    return {name: args.get(name, "").strip() for name in FILTERS if args.get(name, "").strip()}


def entry_matches(entry: dict[str, Any], filters: dict[str, str], zone: str = "UTC") -> bool:
    """Whether an entry passes every filter: prefixes for action/actor/object, exact
    plugin and outcome, ``since``/``until`` as ``YYYY-MM-DD`` (inclusive, the day in ``zone``,
    the station's time zone — as the page shows the times)."""
    if "action" in filters and not str(entry.get("action", "")).startswith(filters["action"]):
        return False
    if "actor" in filters and not str(entry.get("actor", "")).startswith(filters["actor"]):
        return False
    if "object" in filters and not str(entry.get("object") or "").startswith(filters["object"]):
        return False
    if "plugin" in filters and entry.get("plugin") != filters["plugin"]:
        return False
    if "outcome" in filters and entry.get("outcome") != filters["outcome"]:
        return False
    day = str(entry.get("time", ""))[:10]
    if zone != "UTC" and ("since" in filters or "until" in filters):
        from core.formatting import station_time

        local = station_time(entry.get("time"), zone)
        day = local.date().isoformat() if isinstance(local, datetime) else day
    if "since" in filters and day < filters["since"]:
        return False
    return not ("until" in filters and day > filters["until"])


# ---- reading entries ---------------------------------------------------------------------

def entries_newest_first(before: int) -> Iterator[dict[str, Any]]:
    """Entries with index < ``before``, newest first, read in batches."""
    upper = before
    while upper > 0:
        lower = max(0, upper - SCAN_BATCH)
        rows = (AuditEntry.select(AuditEntry.idx, AuditEntry.leaf)
                .where((AuditEntry.idx >= lower) & (AuditEntry.idx < upper))
                .order_by(AuditEntry.idx.desc()).tuples())
        for _idx, leaf in rows:
            yield json.loads(leaf)
        upper = lower


def browse(filters: dict[str, str], before: int | None, size: int) -> tuple[list[dict[str, Any]], int | None]:
    """One page of matching entries and the cursor of the next (older) page, or None."""
    start = size if before is None else min(before, size)
    zone = current_station().config.site.get("timezone") or "UTC"
    found: list[dict[str, Any]] = []
    scanned = 0
    cursor = start
    for entry in entries_newest_first(start):
        scanned += 1
        cursor = entry["i"]
        if entry_matches(entry, filters, zone):
            found.append(entry)
            if len(found) == PAGE_SIZE:
                break
        if scanned >= SCAN_LIMIT:
            break
    return found, (cursor if cursor > 0 and (found or scanned) and cursor < start else None)


@audit_pages.route("/")
@requires("console.audit.view")
def index() -> str:
    """Entries (newest first) with filters, the latest checkpoint, and "verify now"."""
    filters = clean_filters(request.args)
    before = request.args.get("before", type=int)
    summary = audit_summary()
    entries, older = browse(filters, before, summary["size"])
    plugins = sorted(current_station().plugins.records)
    return render_template("console/audit.html", entries=entries, older=older, filters=filters,
                           summary=summary, plugins=["core", *plugins], page="audit",
                           checkpoint_time=_time(summary["checkpoint"].created_at) if summary["checkpoint"] else None)


def _time(epoch: float) -> datetime:
    from datetime import UTC

    return datetime.fromtimestamp(epoch, UTC)


@audit_pages.route("/checkpoint", methods=["POST"])
@requires("console.audit.verify")
def sign_checkpoint() -> Response:
    """Sign a checkpoint covering the newest entries now."""
    station = current_station()
    with transaction():
        station.audit.record("audit.checkpoint", actor=current_actor(), object_ref="audit-log")
    station.audit.checkpoint()
    return redirect(url_for("console.audit.index"))


# ---- verification jobs -------------------------------------------------------------------

@dataclass
class VerifyJob:
    """A running or finished verification of the whole log."""

    id: str
    total: int
    done: int = 0
    state: str = "running"  # running | ok | failed | error
    message: str = ""
    bad_index: int | None = None
    checkpoints: int = 0
    unsigned: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "total": self.total, "done": self.done, "state": self.state,
                "message": self.message, "bad_index": self.bad_index, "checkpoints": self.checkpoints,
                "unsigned": self.unsigned}


def _jobs(app: Flask) -> dict[str, VerifyJob]:
    return app.extensions.setdefault("console_verify_jobs", {})


def run_verify(app: Flask, job: VerifyJob) -> None:
    """Verify the log inside ``app``, updating ``job`` as entries are checked."""
    from core import db

    def progress(step: int) -> None:
        job.done += step

    try:
        with app.app_context():
            report = current_station(app).audit.verify(progress=progress)
        job.checkpoints, job.unsigned = report.checkpoints, report.unsigned
        if report.ok:
            job.state = "ok"
            job.message = _verify_ok_message(report.size, report.checkpoints)
        else:
            job.state, job.bad_index, job.message = "failed", report.bad_index, report.problem or ""
    except Exception as exc:  # reported on the page, never raised in a thread
        job.state, job.message = "error", f"{type(exc).__name__}: {exc}"
    finally:
        if threading.current_thread() is not threading.main_thread():
            db.database.close()


def _verify_ok_message(size: int, checkpoints: int) -> str:
    return f"OK: {size} entries, {checkpoints} signed checkpoints verified"


def start_thread(target: Callable[[], None]) -> None:
    """Run ``target`` in a daemon thread (tests may replace this with a direct call)."""
    threading.Thread(target=target, name="audit-verify", daemon=True).start()


@audit_pages.route("/verify", methods=["POST"])
@requires("console.audit.verify")
def verify() -> Response:
    """Start verifying the whole log; the job page shows the progress."""
    station = current_station()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    job = VerifyJob(secrets.token_urlsafe(8), total=station.audit.size())
    _jobs(app)[job.id] = job
    with transaction():
        station.audit.record("audit.verify", actor=current_actor(), object_ref="audit-log",
                             details={"size": job.total})
    job.total = station.audit.size()
    runner = app.config.get("CONSOLE_JOB_RUNNER", start_thread)
    runner(lambda: run_verify(app, job))
    return redirect(url_for("console.audit.verify_page", job_id=job.id))


def _job(job_id: str) -> VerifyJob:
    job = _jobs(current_app).get(job_id)
    if job is None:
        raise NotFoundError(_("This verification is not known (the station may have restarted)."))
    return job


@audit_pages.route("/verify/<job_id>")
@requires("console.audit.view")
def verify_page(job_id: str) -> str:
    """Progress of a verification (the page polls the JSON below)."""
    return render_template("console/verify.html", job=_job(job_id).as_dict(), page="audit")


@audit_pages.route("/verify/<job_id>.json")
@requires("console.audit.view")
def verify_status(job_id: str) -> Response:
    """Progress of a verification as JSON."""
    return jsonify(_job(job_id).as_dict())
