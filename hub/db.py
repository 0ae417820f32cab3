"""The hub's database handle, tables and migrations (PostgreSQL only).

The hub has its own peewee proxy, separate from the station's ``core.db.database``, so a
process (or a test) can hold a station and a hub at once. Nothing that matters lives in the
process: every hub process behind the load balancer reads and writes the same database.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlparse

import peewee

from core.db import load_migrations
from core.errors import DatabaseError, UserInputError

hub_database = peewee.DatabaseProxy()
HUB_MIGRATIONS = Path(__file__).parent / "migrations"


class HubModel(peewee.Model):
    """Base of every hub table."""

    class Meta:
        database = hub_database
        legacy_table_names = False


class HubSchemaMigration(HubModel):
    """One applied hub migration."""

    version = peewee.IntegerField(primary_key=True)
    name = peewee.CharField(max_length=128)
    applied_at = peewee.DoubleField()

    class Meta:
        table_name = "hub_schema_migrations"


class EnrolmentCode(HubModel):
    """A one-time code a manager hands to a station's installer (only its hash is kept)."""

    code_hash = peewee.CharField(max_length=64, unique=True)
    label = peewee.CharField(max_length=128, default="")
    created_at = peewee.DoubleField()
    expires_at = peewee.DoubleField()
    used_at = peewee.DoubleField(null=True)
    station_id = peewee.CharField(max_length=32, null=True)

    class Meta:
        table_name = "hub_enrolment_codes"


class Station(HubModel):
    """An enrolled station: its key (the audit-signing key), its log origin, its last health."""

    id = peewee.CharField(max_length=32, primary_key=True)
    site_id = peewee.CharField(max_length=64)
    origin = peewee.CharField(max_length=200, unique=True)
    verifier_key = peewee.TextField()
    public_key = peewee.BlobField()
    enrolled_at = peewee.DoubleField()
    revoked_at = peewee.DoubleField(null=True)
    last_seen = peewee.DoubleField(null=True)
    health = peewee.TextField(null=True)
    health_at = peewee.DoubleField(null=True)

    class Meta:
        table_name = "hub_stations"


class StationMessage(HubModel):
    """An outbox message received from a station; the unique key makes replays no-ops."""

    station_id = peewee.CharField(max_length=32)
    message_id = peewee.CharField(max_length=64)
    kind = peewee.CharField(max_length=32)
    created = peewee.DoubleField()
    received_at = peewee.DoubleField()

    class Meta:
        table_name = "hub_station_messages"
        indexes = ((("station_id", "message_id"), True),)


class WitnessedLog(HubModel):
    """The latest checkpoint the witness cosigned for one log origin."""

    origin = peewee.CharField(max_length=200, primary_key=True)
    station_id = peewee.CharField(max_length=32)
    size = peewee.BigIntegerField(default=0)
    root = peewee.BlobField(null=True)
    updated_at = peewee.DoubleField()

    class Meta:
        table_name = "hub_witnessed_logs"


class Alert(HubModel):
    """Something staff must look at (a forked or rolled-back log, ...), until acknowledged."""

    station_id = peewee.CharField(max_length=32, index=True)
    kind = peewee.CharField(max_length=32)
    message = peewee.TextField()
    created_at = peewee.DoubleField()
    acknowledged_at = peewee.DoubleField(null=True)
    acknowledged_by = peewee.CharField(max_length=64, null=True)

    class Meta:
        table_name = "hub_alerts"


class HubStaff(HubModel):
    """A hub console account (argon2id password hash)."""

    username = peewee.CharField(max_length=64, unique=True)
    password_hash = peewee.TextField()
    created_at = peewee.DoubleField()
    disabled = peewee.BooleanField(default=False)
    # hub migration 0004: viewer < operator < admin; TOTP sealed under HUB_SECRETS/staff.key
    role = peewee.CharField(max_length=16, default="admin")
    totp_secret = peewee.TextField(default="")
    totp_last_step = peewee.BigIntegerField(default=0)

    class Meta:
        table_name = "hub_staff"


def open_hub_database(url: str) -> peewee.PostgresqlDatabase:
    """Open the hub's PostgreSQL database and bind the hub models to it."""
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise UserInputError("the hub runs on PostgreSQL only: give a postgresql:// URL")
    try:
        db = peewee.PostgresqlDatabase(parsed.path.lstrip("/"), user=parsed.username, password=parsed.password,
                                       host=parsed.hostname, port=parsed.port or 5432)
        db.connect(reuse_if_open=True)
    except ImportError:
        raise DatabaseError("the PostgreSQL driver is missing; install citizen-station[postgres]") from None
    except peewee.OperationalError as exc:
        raise DatabaseError(f"cannot open the hub database: {str(exc).strip()}") from None
    hub_database.initialize(db)
    return db


def migrate_hub() -> list[int]:
    """Apply the hub migrations not yet applied; returns the versions applied now."""
    db = hub_database.obj
    db.create_tables([HubSchemaMigration], safe=True)
    applied = []
    for step in load_migrations("hub", HUB_MIGRATIONS):
        with db.atomic():
            db.execute_sql("LOCK TABLE hub_schema_migrations IN EXCLUSIVE MODE")
            if HubSchemaMigration.get_or_none(HubSchemaMigration.version == step.version):
                continue
            step.apply(db)
            HubSchemaMigration.create(version=step.version, name=step.name, applied_at=time.time())
        applied.append(step.version)
    return applied


HUB_TABLES = [EnrolmentCode, Station, StationMessage, WitnessedLog, Alert, HubStaff]


# ---- desired configuration (hub migration 0003) --------------------------------------


class ConfigScope(HubModel):
    """Desired configuration for a scope: ``fleet``, ``group:<name>`` or ``station:<id>``."""

    scope = peewee.CharField(max_length=100, primary_key=True)
    document = peewee.TextField()  # canonical JSON (sorted keys)
    revision = peewee.IntegerField(default=1)
    updated_at = peewee.DoubleField()
    updated_by = peewee.CharField(max_length=64)

    class Meta:
        table_name = "hub_config_scopes"


class GroupMember(HubModel):
    """A station's membership in a named group (a ward, a district, a canary set)."""

    station_id = peewee.CharField(max_length=32)
    group_name = peewee.CharField(max_length=64)

    class Meta:
        table_name = "hub_group_members"
        indexes = ((("station_id", "group_name"), True),)


class ConfigReport(HubModel):
    """What a station last reported about the configuration it was sent."""

    station_id = peewee.CharField(max_length=32, primary_key=True)
    version = peewee.BigIntegerField()
    status = peewee.CharField(max_length=16)  # applied | refused
    problems = peewee.TextField(default="[]")
    reported_at = peewee.DoubleField()

    class Meta:
        table_name = "hub_config_reports"


class HubEvent(HubModel):
    """The hub's own audit trail of staff and operator actions (who, what, when, details)."""

    id = peewee.AutoField()
    at = peewee.DoubleField()
    actor = peewee.CharField(max_length=128)
    action = peewee.CharField(max_length=64)
    object_ref = peewee.CharField(max_length=200, default="")
    details = peewee.TextField(default="{}")

    class Meta:
        table_name = "hub_events"


# tables made by migrations after 0001 (which builds HUB_TABLES); the tests empty both lists
LATER_TABLES = [ConfigScope, GroupMember, ConfigReport, HubEvent]


class StationUsage(HubModel):
    """A station's latest usage counts (hub migration 0005): aggregates only, no person."""

    station_id = peewee.CharField(max_length=32, primary_key=True)
    body = peewee.TextField()
    created = peewee.DoubleField()

    class Meta:
        table_name = "hub_station_usage"


LATER_TABLES.append(StationUsage)


# ---- plugin supply chain (hub migration 0002, issue 19) ------------------------------


class TufMetadata(HubModel):
    """One signed version of one TUF role's metadata, byte for byte as served."""

    role = peewee.CharField(max_length=64)
    version = peewee.IntegerField()
    body = peewee.BlobField()
    expires = peewee.DoubleField()
    created_at = peewee.DoubleField()

    class Meta:
        table_name = "hub_tuf_metadata"
        primary_key = peewee.CompositeKey("role", "version")


class TufTarget(HubModel):
    """A published plugin wheel (immutable once stored), at its TUF target path."""

    path = peewee.CharField(max_length=300, primary_key=True)
    sha256 = peewee.CharField(max_length=64)
    length = peewee.BigIntegerField()
    body = peewee.BlobField()
    publisher = peewee.CharField(max_length=64, index=True)
    uploaded_at = peewee.DoubleField()

    class Meta:
        table_name = "hub_tuf_targets"


class Publisher(HubModel):
    """A partner publisher: a delegated targets role ``plugins/<id>/*`` with its key."""

    id = peewee.CharField(max_length=64, primary_key=True)
    name = peewee.CharField(max_length=200)
    keyid = peewee.CharField(max_length=64)
    public_key = peewee.TextField()
    added_at = peewee.DoubleField()
    removed_at = peewee.DoubleField(null=True)

    class Meta:
        table_name = "hub_publishers"


class Rollout(HubModel):
    """A plugin version going to the fleet stage by stage (see hub/supply/rollout.py)."""

    id = peewee.AutoField()
    plugin_id = peewee.CharField(max_length=64, index=True)
    publisher = peewee.CharField(max_length=64)
    version = peewee.CharField(max_length=64)
    previous_version = peewee.CharField(max_length=64, null=True)
    stages = peewee.TextField()  # JSON list of stage names: group names or "all"
    stage = peewee.IntegerField(default=0)
    state = peewee.CharField(max_length=16)  # running | halted | done | rolled_back
    hold_seconds = peewee.DoubleField()
    failure_threshold = peewee.DoubleField()
    stage_started_at = peewee.DoubleField()
    created_at = peewee.DoubleField()
    created_by = peewee.CharField(max_length=128)
    updated_at = peewee.DoubleField()
    reason = peewee.TextField(default="")

    class Meta:
        table_name = "hub_rollouts"


class RolloutStation(HubModel):
    """A station's place in a rollout: its stage, when it was offered the version, its health."""

    rollout_id = peewee.IntegerField()
    station_id = peewee.CharField(max_length=32)
    stage = peewee.IntegerField()
    offered_at = peewee.DoubleField(null=True)
    healthy_since = peewee.DoubleField(null=True)
    status = peewee.CharField(max_length=16, default="pending")  # pending | offered | healthy | failed

    class Meta:
        table_name = "hub_rollout_stations"
        indexes = ((("rollout_id", "station_id"), True),)


LATER_TABLES.extend([TufMetadata, TufTarget, Publisher, Rollout, RolloutStation])


# ---- planning statistics and open data (hub migration 0006) ---------------------------


class StatCount(HubModel):
    """One count a station sent for a month (latest message wins); never a row about a person."""

    station_id = peewee.CharField(max_length=32)
    period = peewee.CharField(max_length=7)  # YYYY-MM
    statistic = peewee.CharField(max_length=40)
    cell = peewee.CharField(max_length=300)  # canonical JSON of the cell
    count = peewee.IntegerField()
    province = peewee.CharField(max_length=100, default="")
    ward = peewee.CharField(max_length=100, default="")
    received = peewee.DoubleField()

    class Meta:
        table_name = "hub_stat_counts"
        indexes = ((("station_id", "period", "statistic", "cell"), True), (("province", "ward", "period"), False))


class PrivacyBudget(HubModel):
    """The ε a ward may spend on releases about one month, and what was spent."""

    province = peewee.CharField(max_length=100)
    ward = peewee.CharField(max_length=100)
    period = peewee.CharField(max_length=7)
    epsilon_total = peewee.DoubleField()
    epsilon_spent = peewee.DoubleField(default=0.0)

    class Meta:
        table_name = "hub_privacy_budgets"
        indexes = ((("province", "ward", "period"), True),)


class Release(HubModel):
    """A published statistic: noisy counts (None = suppressed), with its ε and method."""

    id = peewee.AutoField()
    province = peewee.CharField(max_length=100)
    ward = peewee.CharField(max_length=100)
    period = peewee.CharField(max_length=7)
    statistic = peewee.CharField(max_length=40)
    epsilon = peewee.DoubleField()
    scale = peewee.DoubleField()
    min_count = peewee.IntegerField()
    stations = peewee.IntegerField()
    cells = peewee.TextField()  # JSON [{"cell": {...}, "count": n | null}]
    method = peewee.TextField()
    published_at = peewee.DoubleField()
    published_by = peewee.CharField(max_length=128)

    class Meta:
        table_name = "hub_releases"


LATER_TABLES.extend([StatCount, PrivacyBudget, Release])


class Observation(HubModel):
    """An environmental observation a station sent (hub migration 0007): open data."""

    id = peewee.BigAutoField()
    station_id = peewee.CharField(max_length=32)
    sensor = peewee.CharField(max_length=40)
    quantity = peewee.CharField(max_length=40)
    unit = peewee.CharField(max_length=40)
    phenomenon_time = peewee.DoubleField()
    value = peewee.DoubleField()
    received = peewee.DoubleField()

    class Meta:
        table_name = "hub_observations"
        indexes = ((("station_id", "sensor", "quantity", "phenomenon_time"), True),)


LATER_TABLES.append(Observation)
