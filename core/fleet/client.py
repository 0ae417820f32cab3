"""The station's hub client: enrol, queue and replay the outbox, get checkpoints witnessed.

Every request is signed with the station's audit key (:mod:`core.fleet.httpsig`). Nothing
here is needed for the station to serve citizens: when the hub is unreachable, messages
wait in ``hub_outbox`` (station database) and are replayed in order later; the hub stores
each message id once, so a replay after a lost answer does no harm.
"""

from __future__ import annotations

import base64
import json
import shutil
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlparse

from core.audit.api import os_actor
from core.audit.cosignature import verify_cosignature
from core.audit.log import transaction
from core.audit.note import parse_checkpoint, parse_note
from core.audit.store import AuditCheckpoint
from core.errors import StationError, UserInputError
from core.fleet.desired import ConfigOutcome, open_note, remember_config_key
from core.fleet.desired import apply as apply_config
from core.fleet.desired import state as desired_state
from core.fleet.httpsig import sign_request
from core.fleet.models import AuditCosignature, HubLink, HubOutbox

Transport = Callable[[str, str, dict[str, str], bytes], tuple[int, str]]
BATCH_SIZE = 100
TIMEOUT_SECONDS = 10.0


class HubUnreachable(StationError):
    """The hub did not answer (network, DNS, 5xx): try again later; nothing is lost."""


class HubRefused(StationError):
    """The hub answered with a refusal the station must act on (4xx)."""

    exit_code = 2


class NotEnrolled(UserInputError):
    """The station has no hub yet: `station hub enrol URL CODE`."""


def urllib_transport(method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
    """Send one request with the standard library; network failures raise :class:`HubUnreachable`."""
    if urlparse(url).scheme not in ("http", "https"):
        raise UserInputError("the hub URL must be http(s)://host[:port]")
    request = urllib.request.Request(url, data=body if method != "GET" else None, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # nosec B310 # scheme checked above: http(s) only
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as error:
        raise HubUnreachable(f"the hub is unreachable: {getattr(error, 'reason', error)}") from None


@dataclass
class HubClient:
    """Talks to the hub for one station (``core.station.Station``), inside its app context."""

    station: Any
    transport: Transport = urllib_transport

    @property
    def _key(self) -> Any:
        return self.station.audit.signer.private_key

    def _now(self) -> float:
        return self.station.clock()

    def _post(self, url: str, body: bytes, keyid: str, content_type: str = "application/json") -> tuple[int, str]:
        headers = sign_request("POST", url, body, self._key, keyid, int(self._now()))
        headers["Content-Type"] = content_type
        status, text = self.transport("POST", url, headers, body)
        if status >= 500:
            raise HubUnreachable(f"the hub answered {status}; try again later")
        return status, text

    # ---- enrolment -----------------------------------------------------------------

    def enrol(self, hub_url: str, code: str) -> HubLink:
        """Register this station's audit key with the hub using a one-time code; audited."""
        parsed = urlparse(hub_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise UserInputError("the hub URL must be http(s)://host[:port]")
        base = hub_url.rstrip("/")
        payload = {"code": code.strip(), "site_id": self.station.config.site_id,
                   "verifier_key": self.station.audit.verifier_key().encode()}
        status, text = self._post(f"{base}/api/v1/enrol", json.dumps(payload).encode(), "enrol")
        if status != 201:
            raise HubRefused(f"the hub refused the enrolment ({status}): {_error_of(text)}")
        answer = json.loads(text)
        with transaction():
            HubLink.delete().execute()
            link = HubLink.create(id=1, hub_url=base, station_id=answer["station_id"],
                                  witness_key=answer["witness_key"], enrolled_at=self._now(), witnessed_size=0)
            self.station.audit.record("hub.enrolled", actor=os_actor(), object_ref=answer["station_id"],
                                      details={"hub": base, "witness_key": answer["witness_key"]})
            remember_config_key(answer.get("config_key"))
        return link

    def link(self) -> HubLink:
        """The hub this station is enrolled with."""
        link = HubLink.get_or_none(HubLink.id == 1)
        if link is None:
            raise NotEnrolled("this station is not enrolled with a hub; run `station hub enrol URL CODE`")
        return link

    # ---- desired configuration ------------------------------------------------------

    def pull_config(self) -> ConfigOutcome:
        """Fetch the desired configuration (ETag), verify, check, apply and report it to the hub."""
        link = self.link()
        row = desired_state()
        if not row.config_key:
            raise HubRefused("this station has no hub configuration key (enrolled before the hub had "
                             "one): enrol again with a new code to receive desired configuration")
        url = f"{link.hub_url}/api/v1/config"
        headers = sign_request("GET", url, b"", self._key, link.station_id, int(self._now()))
        if row.etag:
            headers["If-None-Match"] = row.etag
        status, text = self.transport("GET", url, headers, b"")
        if status >= 500:
            raise HubUnreachable(f"the hub answered {status}; try again later")
        if status == 304:
            return ConfigOutcome("unchanged", row.version)
        if status != 200:
            raise HubRefused(f"the hub refused the configuration request ({status}): {_error_of(text)}")
        try:
            version, document = open_note(text, row.config_key, link.station_id)
        except UserInputError as error:
            self.station.audit.record("hub.config.refused", actor="hub", object_ref="hub-config",
                                      outcome="failed", details={"problems": [str(error)]})
            raise HubRefused(str(error)) from None
        outcome = apply_config(self.station, version, document, etag=_etag_of(text))
        if outcome.status != "unchanged":
            self.enqueue("config_report", {"version": outcome.version, "status": outcome.status,
                                           "problems": outcome.problems})
        return outcome

    # ---- plugin rollouts (docs/supply-chain.md) ---------------------------------------

    def pull_plugins(self, installer: Any = None) -> list[str]:
        """Fetch the hub's signed plugin offers and install what changed through the TUF client."""
        from core.audit.api import os_actor
        from core.supply.installer import Installer
        from core.supply.offers import apply_offers, open_offers

        link = self.link()
        row = desired_state()
        if not row.config_key:
            raise HubRefused("this station has no hub configuration key: enrol again to receive plugin offers")
        url = f"{link.hub_url}/api/v1/plugins"
        headers = sign_request("GET", url, b"", self._key, link.station_id, int(self._now()))
        status, text = self.transport("GET", url, headers, b"")
        if status >= 500:
            raise HubUnreachable(f"the hub answered {status}; try again later")
        if status != 200:
            raise HubRefused(f"the hub refused the plugin offers request ({status}): {_error_of(text)}")
        version, offers = open_offers(text, row.config_key, link.station_id)
        installer = installer or Installer(self.station, actor=f"hub ({os_actor()})")
        lines = apply_offers(self.station, version, offers, installer)
        if lines:
            self.enqueue_heartbeat()
        return lines

    # ---- outbox --------------------------------------------------------------------

    def enqueue(self, kind: str, body: dict[str, Any]) -> str:
        """Queue a message for the hub (durable at once); returns its message id."""
        message_id = uuid.uuid4().hex
        HubOutbox.create(message_id=message_id, kind=kind, body=json.dumps(body, ensure_ascii=False),
                         created_at=self._now())
        return message_id

    def enqueue_heartbeat(self) -> str:
        """Queue the station's current health."""
        return self.enqueue("heartbeat", collect_health(self.station))

    def enqueue_stats_if_due(self) -> list[str]:
        """Queue the planners' counts of this month and the last, once an hour."""
        from zoneinfo import ZoneInfo

        from core.fleet.stats import collect_stats, periods_to_send

        last = (HubOutbox.select(HubOutbox.created_at).where(HubOutbox.kind == "stats")
                .order_by(HubOutbox.id.desc()).scalar())
        if last is not None and self._now() - last < USAGE_EVERY_SECONDS:
            return []
        zone = ZoneInfo(self.station.config.site.get("timezone") or "Asia/Ho_Chi_Minh")
        return [self.enqueue("stats", collect_stats(self.station, period))
                for period in periods_to_send(self._now(), zone)]

    def enqueue_observations(self) -> str | None:
        """Queue the environmental observations taken since the last ones queued (open data)."""
        last = (HubOutbox.select(HubOutbox.body).where(HubOutbox.kind == "observations")
                .order_by(HubOutbox.id.desc()).scalar())
        until = self._now()
        since = json.loads(last)["until"] if last else until - 3600
        found = []
        for record, rows in self.station.plugins.call_each("open_observations", since=since, until=until):
            found += [dict(row, plugin=record.id) for row in rows if isinstance(rows, list) and _observation(row)]
        if not found and last is not None:
            return None
        return self.enqueue("observations", {"since": since, "until": until, "observations": found[:2000]})

    def enqueue_usage_if_due(self) -> str | None:
        """Queue the usage counts when the last were queued an hour ago or more."""
        last = (HubOutbox.select(HubOutbox.created_at).where(HubOutbox.kind == "usage")
                .order_by(HubOutbox.id.desc()).scalar())
        if last is not None and self._now() - last < USAGE_EVERY_SECONDS:
            return None
        return self.enqueue("usage", collect_usage())

    def flush(self) -> int:
        """Send queued messages in order until none is left; returns how many were acknowledged.

        Stops at the first failure (the rest keeps its order for the next try); raises
        :class:`HubUnreachable` only when nothing at all could be sent.
        """
        link = self.link()
        sent = 0
        while True:
            rows = list(HubOutbox.select().where(HubOutbox.sent_at.is_null()).order_by(HubOutbox.id).limit(BATCH_SIZE))
            if not rows:
                return sent
            batch = [{"id": r.message_id, "kind": r.kind, "created": r.created_at, "body": json.loads(r.body)}
                     for r in rows]
            ids = [r.id for r in rows]
            try:
                status, text = self._post(f"{link.hub_url}/api/v1/messages",
                                          json.dumps({"messages": batch}).encode(), link.station_id)
            except HubUnreachable as error:
                HubOutbox.update(attempts=HubOutbox.attempts + 1, last_error=str(error)).where(
                    HubOutbox.id.in_(ids)).execute()
                if sent:
                    return sent
                raise
            if status != 200:
                raise HubRefused(f"the hub refused the messages ({status}): {_error_of(text)}")
            answer = json.loads(text)
            acknowledged = set(answer.get("accepted", [])) | set(answer.get("duplicates", []))
            HubOutbox.update(sent_at=self._now(), last_error=None).where(
                HubOutbox.id.in_(ids), HubOutbox.message_id.in_(list(acknowledged))).execute()
            sent += len(acknowledged)

    def pending(self) -> int:
        """How many messages wait for the hub."""
        return HubOutbox.select().where(HubOutbox.sent_at.is_null()).count()

    # ---- witness -------------------------------------------------------------------

    def witness(self) -> int:
        """Get the latest checkpoint cosigned by the hub's witness; returns its size."""
        link = self.link()
        note = self.station.audit.checkpoint()
        checkpoint = parse_checkpoint(parse_note(note).text)
        old = min(link.witnessed_size, checkpoint.size)
        for _ in range(2):
            proof = self.station.audit.consistency(old, checkpoint.size) if 0 < old < checkpoint.size else []
            lines = [f"old {old}"] + [base64.b64encode(h).decode() for h in proof]
            body = ("\n".join(lines) + "\n\n" + note).encode()
            status, text = self._post(f"{link.hub_url}/add-checkpoint", body, link.station_id, "text/plain")
            if status == 409 and text.strip().isdigit() and int(text) != old:
                latest = int(text)
                if latest > checkpoint.size:
                    raise HubRefused(f"the witness has cosigned {latest} entries but this station's audit log has "
                                     f"{checkpoint.size}: the log was rolled back; tell the operator")
                old = latest
                continue
            break
        if status != 200:
            raise HubRefused(f"the witness refused the checkpoint ({status}): {text.strip()}")
        verify_cosignature(text, parse_note(note).text, link.witness_key)
        with transaction():
            AuditCosignature.insert(size=checkpoint.size, witness_key=link.witness_key, note=note + text,
                                    cosigned_at=self._now()).on_conflict_ignore().execute()
            HubLink.update(witnessed_size=checkpoint.size).where(HubLink.id == 1).execute()
        return checkpoint.size


def collect_health(station: Any) -> dict[str, Any]:
    """What the heartbeat says: version, plugins, devices, disk, last checkpoint (no personal data)."""
    try:
        station_version = version("citizen-station")
    except PackageNotFoundError:
        station_version = "unknown"
    plugins = {r.id: {"state": r.state.value, "enabled": r.enabled, "version": getattr(r.manifest, "version", None),
                      "signed": r.signed}
               for r in station.plugins.records.values()}
    for plugin_id, outcome in _install_outcomes().items():
        plugins.setdefault(plugin_id, {})["install"] = outcome
    devices = {d["id"]: {"kind": d["kind"], "status": d["status"], "reason": d["reason"]}
               for d in station.devices.statuses()}
    usage = shutil.disk_usage(station.config.home)
    latest = AuditCheckpoint.select().order_by(AuditCheckpoint.size.desc()).first()
    checkpoint = ({"size": latest.size, "root": base64.b64encode(bytes(latest.root)).decode()}
                  if latest is not None else None)
    site = station.config.site
    place = {key: site.get(key) for key in ("name_vi", "province", "ward", "latitude", "longitude")
             if site.get(key) not in (None, "")}
    return {"site_id": station.config.site_id, "version": station_version, "plugins": plugins, "devices": devices,
            "disk": {"total": usage.total, "free": usage.free}, "checkpoint": checkpoint, "site": place,
            "unsigned_allowed": bool(station.config.allow_unsigned)}


def _install_outcomes() -> dict[str, dict[str, Any]]:
    """The last install outcome of each signed plugin (what a staged rollout waits for)."""
    import peewee

    from core.supply.models import PluginInstall

    try:
        rows = list(PluginInstall.select(PluginInstall.plugin_id, PluginInstall.last_outcome))
    except peewee.DatabaseError:
        return {}
    outcomes = {}
    for row in rows:
        try:
            outcome = json.loads(row.last_outcome or "{}")
        except ValueError:
            continue
        if isinstance(outcome, dict) and outcome:
            outcomes[row.plugin_id] = outcome
    return outcomes


USAGE_DAYS = 14
USAGE_EVERY_SECONDS = 3600


def collect_usage() -> dict[str, Any]:
    """Counts for the fleet's usage charts (the console's, last 14 days): transactions per
    plugin and day, screenings per day, payments per method. Aggregates only, no person."""
    from core.console.usage import usage_for

    usage = usage_for(USAGE_DAYS)
    return {"days": usage.days, "transactions": usage.transactions_series(),
            "screenings": usage.screenings_series(),
            "payments": {method: int(count) for method, count in usage.payments_count.items()}}


def _observation(row: Any) -> bool:
    """A well-formed environmental observation (anything else is dropped, never sent)."""
    return (isinstance(row, dict) and all(isinstance(row.get(k), str) and 0 < len(row[k]) <= 40
                                          for k in ("sensor", "quantity", "unit"))
            and isinstance(row.get("time"), int | float) and isinstance(row.get("value"), int | float)
            and not isinstance(row.get("value"), bool) and isinstance(row.get("exceeds", False), bool)
            and set(row) <= {"sensor", "quantity", "unit", "time", "value", "exceeds"})


def _etag_of(note: str) -> str:
    """The ETag the hub gives this note (the same digest of its text, without signatures)."""
    import hashlib

    text = note.split("\n\n", 1)[0] + "\n"
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def _error_of(text: str) -> str:
    try:
        return str(json.loads(text).get("error", text))[:300]
    except (ValueError, AttributeError):
        return text.strip()[:300]
