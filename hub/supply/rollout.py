"""Staged rollout of a plugin version (as Eclipse hawkBit and Mender do).

A rollout names the plugin version (published in the TUF repository) and its stages in
order — group names (``station-hub config groups``) or ``all``. A station belongs to the
first stage that contains it. Only stations of the stages reached so far are **offered**
the version (``GET /api/v1/plugins``); the offer is recorded, so the hub can show that no
station outside them received it.

Each heartbeat of a station in the current stage is evaluated: the station is *healthy*
while it reports the plugin ``active`` at the new version (since when is kept), *failed*
when it reports the plugin ``failed``, an install of this version that failed or was rolled
back, or stays silent longer than the offline limit after the offer. The stage **halts by
itself** when the failed share is above the threshold; it **advances** when every station
of the stage has been healthy for the hold time. ``rollback`` is one action: the stations
that were offered the version are offered the previous one (a downgrade the station accepts
because the signed answer says so). Every step is a ``hub_events`` entry.
"""

from __future__ import annotations

import json
from typing import Any

from core.audit.note import NoteSigner, sign_note
from core.errors import NotFoundError, UserInputError
from hub.db import GroupMember, Rollout, RolloutStation, Station, hub_database
from hub.events import record_event
from hub.supply.repository import plugin_versions

ALL = "all"
OPEN_STATES = ("running", "halted")
NOTE_HEADER = "citizen-station/hub-plugins/v1"


def start_rollout(plugin_id: str, version: str, stages: list[str], hold_seconds: float, failure_threshold: float,
                  now: float, actor: str, previous_version: str | None = None) -> Rollout:
    """Begin offering ``plugin_id`` ``version`` to the first stage."""
    published = [pub for pub, v in plugin_versions(plugin_id) if v == version]
    if not published:
        raise NotFoundError(f"{plugin_id} {version} is not published in the hub's TUF repository")
    stages = [s.strip() for s in stages if s.strip()]
    if not stages:
        raise UserInputError("give at least one stage (group names in order, then 'all')")
    if ALL in stages[:-1]:
        raise UserInputError("'all' can only be the last stage")
    known = {g.group_name for g in GroupMember.select(GroupMember.group_name).distinct()}
    unknown = [s for s in stages if s != ALL and s not in known]
    if unknown:
        raise UserInputError(f"unknown group(s) {', '.join(unknown)}; known: {', '.join(sorted(known)) or 'none'}")
    if not 0 <= failure_threshold < 1:
        raise UserInputError("the failure threshold is a share from 0 to below 1 (0.2 = more than 20 % halts)")
    if hold_seconds < 0:
        raise UserInputError("the hold time cannot be negative")
    with hub_database.atomic():
        hub_database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (190020,))
        if Rollout.select().where(Rollout.plugin_id == plugin_id, Rollout.state.in_(OPEN_STATES)).exists():
            raise UserInputError(f"a rollout of {plugin_id} is still running or halted; roll it back or finish it")
        if previous_version is None:
            last = (Rollout.select().where(Rollout.plugin_id == plugin_id, Rollout.state == "done")
                    .order_by(Rollout.id.desc()).first())
            previous_version = last.version if last is not None else None
        rollout = Rollout.create(plugin_id=plugin_id, publisher=published[0], version=version,
                                 previous_version=previous_version, stages=json.dumps(stages), stage=0,
                                 state="running", hold_seconds=hold_seconds, failure_threshold=failure_threshold,
                                 stage_started_at=now, created_at=now, created_by=actor, updated_at=now)
        _assign(rollout)
        record_event(actor, "rollout.start", f"rollout:{rollout.id}",
                     {"plugin": plugin_id, "version": version, "previous": previous_version, "stages": stages,
                      "hold_seconds": hold_seconds, "failure_threshold": failure_threshold}, now)
        evaluate(rollout, now)  # an empty first stage passes at once
    return rollout


def _assign(rollout: Rollout) -> None:
    """Put every enrolled station not yet in the rollout into the first stage that contains it."""
    stages = json.loads(rollout.stages)
    assigned = {r.station_id for r in RolloutStation.select(RolloutStation.station_id)
                .where(RolloutStation.rollout_id == rollout.id)}
    members: dict[str, set[str]] = {}
    for row in GroupMember.select():
        members.setdefault(row.group_name, set()).add(row.station_id)
    for station in Station.select(Station.id).where(Station.revoked_at.is_null()).order_by(Station.id):
        if station.id in assigned:
            continue
        for index, stage in enumerate(stages):
            if stage == ALL or station.id in members.get(stage, set()):
                RolloutStation.create(rollout_id=rollout.id, station_id=station.id, stage=index)
                break


def _plugin_report(station: Station, plugin_id: str) -> dict[str, Any]:
    health = json.loads(station.health) if station.health else {}
    report = (health.get("plugins") or {}).get(plugin_id)
    return report if isinstance(report, dict) else {}


def evaluate(rollout: Rollout, now: float, offline_after: float = 600.0) -> str:
    """Look at the current stage's stations; halt, advance or wait. Returns the new state."""
    if rollout.state != "running":
        return rollout.state
    stages = json.loads(rollout.stages)
    if stages[rollout.stage] == ALL:
        _assign(rollout)
    rows = list(RolloutStation.select().where(RolloutStation.rollout_id == rollout.id,
                                              RolloutStation.stage == rollout.stage))
    stations = {s.id: s for s in Station.select().where(Station.id.in_([r.station_id for r in rows]))} \
        if rows else {}
    failed = []
    for row in rows:
        station = stations.get(row.station_id)
        if row.offered_at is None or station is None:
            continue
        report = _plugin_report(station, rollout.plugin_id)
        install = report.get("install") if isinstance(report.get("install"), dict) else {}
        silent = station.last_seen is None or station.last_seen < now - offline_after
        install_failed = install.get("version") == rollout.version and install.get("outcome") in (
            "failed", "rolled_back")
        if report.get("state") == "failed" or install_failed or (silent and row.offered_at < now - offline_after):
            status, since = "failed", None
            failed.append(row.station_id)
        elif report.get("version") == rollout.version and report.get("state") == "active":
            status, since = "healthy", row.healthy_since or now
        else:
            status, since = "offered", None
        if (status, since) != (row.status, row.healthy_since):
            RolloutStation.update(status=status, healthy_since=since).where(RolloutStation.id == row.id).execute()
            row.status, row.healthy_since = status, since
    ref = f"rollout:{rollout.id}"
    if rows and len(failed) / len(rows) > rollout.failure_threshold:
        reason = (f"tự dừng / halted — stage {rollout.stage + 1} ({stages[rollout.stage]}): {len(failed)} of {len(rows)} stations "
                  f"report {rollout.plugin_id} {rollout.version} failed or the station unhealthy")
        if _move(rollout, "halted", rollout.stage, now, reason):
            record_event("hub", "rollout.halt", ref, {"stage": stages[rollout.stage], "failed": failed,
                                                      "stations": len(rows)}, now)
        return rollout.state
    ready = all(r.healthy_since is not None and now - r.healthy_since >= rollout.hold_seconds for r in rows)
    if ready:
        if rollout.stage + 1 >= len(stages):
            if _move(rollout, "done", rollout.stage, now, "every stage healthy"):
                record_event("hub", "rollout.done", ref, {"version": rollout.version}, now)
        elif _move(rollout, "running", rollout.stage + 1, now, ""):
            record_event("hub", "rollout.advance", ref, {"to_stage": stages[rollout.stage],
                                                         "healthy": [r.station_id for r in rows]}, now)
            return evaluate(rollout, now, offline_after)  # an empty stage passes at once
    return rollout.state


def _move(rollout: Rollout, state: str, stage: int, now: float, reason: str) -> bool:
    """Conditional update: only the process that saw the current state moves it (no double step)."""
    changed = (Rollout.update(state=state, stage=stage, updated_at=now, reason=reason,
                              stage_started_at=now if stage != rollout.stage else rollout.stage_started_at)
               .where(Rollout.id == rollout.id, Rollout.state == rollout.state, Rollout.stage == rollout.stage)
               .execute())
    if changed:
        rollout.state, rollout.stage, rollout.reason = state, stage, reason
    return bool(changed)


def evaluate_all(now: float, offline_after: float = 600.0) -> list[tuple[int, str]]:
    """Evaluate every running rollout (``station-hub rollout tick`` from a timer)."""
    return [(r.id, evaluate(r, now, offline_after)) for r in Rollout.select().where(Rollout.state == "running")]


def on_heartbeat(station_id: str, now: float, offline_after: float = 600.0) -> None:
    """A station reported: evaluate the running rollouts whose current stage holds it."""
    for rollout in Rollout.select().where(Rollout.state == "running"):
        if RolloutStation.select().where(RolloutStation.rollout_id == rollout.id,
                                         RolloutStation.station_id == station_id,
                                         RolloutStation.stage == rollout.stage).exists():
            evaluate(rollout, now, offline_after)


def rollback(rollout_id: int, now: float, actor: str) -> Rollout:
    """One action: every station offered the version is offered the previous one again."""
    with hub_database.atomic():
        rollout = Rollout.get_or_none(Rollout.id == rollout_id)
        if rollout is None:
            raise NotFoundError(f"no rollout {rollout_id}")
        if rollout.state == "rolled_back":
            raise UserInputError(f"rollout {rollout_id} is already rolled back")
        if rollout.previous_version is None:
            raise UserInputError("this rollout has no previous version to return to (it was the first)")
        Rollout.update(state="rolled_back", updated_at=now, reason=f"quay lại bởi / rolled back by {actor}").where(
            Rollout.id == rollout_id).execute()
        offered = [r.station_id for r in RolloutStation.select().where(RolloutStation.rollout_id == rollout_id,
                                                                       RolloutStation.offered_at.is_null(False))]
        record_event(actor, "rollout.rollback", f"rollout:{rollout_id}",
                     {"plugin": rollout.plugin_id, "from": rollout.version, "to": rollout.previous_version,
                      "stations": offered}, now)
    return Rollout.get(Rollout.id == rollout_id)


def offers_for(station_id: str, now: float) -> tuple[int, dict[str, dict[str, Any]]]:
    """What the station should run, per plugin under a rollout, and a version (ms) of that answer.

    Recording the offer (the first time) is what lets the hub know which stations received it.
    """
    offers: dict[str, dict[str, Any]] = {}
    version = 0
    latest: dict[str, Rollout] = {}
    for rollout in Rollout.select().order_by(Rollout.id):
        latest[rollout.plugin_id] = rollout
    for plugin_id, rollout in latest.items():
        row = RolloutStation.get_or_none(RolloutStation.rollout_id == rollout.id,
                                         RolloutStation.station_id == station_id)
        offer: dict[str, Any] | None = None
        if rollout.state == "done" or (row is not None and row.stage <= rollout.stage and (
                rollout.state == "running" or (rollout.state == "halted" and row.offered_at is not None))):
            offer = {"version": rollout.version, "publisher": rollout.publisher, "rollout": rollout.id}
            if row is not None and row.offered_at is None:
                RolloutStation.update(offered_at=now, status="offered").where(
                    RolloutStation.id == row.id, RolloutStation.offered_at.is_null()).execute()
        elif rollout.state == "rolled_back" and row is not None and row.offered_at is not None:
            offer = {"version": rollout.previous_version, "publisher": rollout.publisher, "rollout": rollout.id,
                     "rollback": True}
        if offer is not None:
            offers[plugin_id] = offer
            version = max(version, int(rollout.updated_at * 1000))
    return version, offers


def signed_offers(station_id: str, signer: NoteSigner, now: float) -> str:
    """The station's offers as a note signed by the hub's configuration key."""
    version, offers = offers_for(station_id, now)
    text = f"{NOTE_HEADER}\n{station_id}\n{version}\n{json.dumps(offers, sort_keys=True, separators=(',', ':'))}\n"
    return sign_note(text, signer)


def rollout_summary(rollout: Rollout) -> dict[str, Any]:
    """A rollout with its stations' states (for the CLI and the console)."""
    stations = [{"station_id": r.station_id, "stage": r.stage, "offered": r.offered_at is not None,
                 "status": r.status}
                for r in RolloutStation.select().where(RolloutStation.rollout_id == rollout.id)
                .order_by(RolloutStation.stage, RolloutStation.station_id)]
    return {"id": rollout.id, "plugin": rollout.plugin_id, "version": rollout.version,
            "previous": rollout.previous_version, "stages": json.loads(rollout.stages), "stage": rollout.stage,
            "state": rollout.state, "reason": rollout.reason, "stations": stations}
