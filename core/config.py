"""Site configuration: ``STATION_HOME/station.toml`` plus ``STATION_*`` overrides → one ``Config``.

A station is one site. Its folder (``STATION_HOME``) holds ``station.toml``, the SQLite
database by default, and ``secrets/``. Any key can be overridden by an environment
variable named ``STATION_<SECTION>__<KEY>`` (double underscore between levels), e.g.
``STATION_SESSIONS__IDLE_SECONDS=90``. ``STATION_DATABASE_URL`` is a short alias for
``STATION_DATABASE__URL``. List values in the environment are comma-separated.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from core.errors import ConfigError, format_field_errors

CONFIG_FILENAME = "station.toml"
ENV_PREFIX = "STATION_"
ENV_ALIASES = {"STATION_DATABASE_URL": ("database", "url")}
ENV_NOT_CONFIG = {"STATION_HOME"}
def _known_timezone(name: str) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"unknown time zone {name!r} (an IANA name such as 'Asia/Ho_Chi_Minh')") from None
    return True


SITE_ID = validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,62}$", error="must be 2-63 characters a-z, 0-9 or '-'")


class _SiteSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=SITE_ID)
    name_vi = fields.String(required=True, validate=validate.Length(min=1))
    name_en = fields.String(required=True, validate=validate.Length(min=1))
    address = fields.String(load_default="")
    ward_police_phone = fields.String(load_default="113")
    timezone = fields.String(load_default="Asia/Ho_Chi_Minh", validate=_known_timezone)
    # where the station stands, for the fleet hub (list, filters, map)
    province = fields.String(load_default="", validate=validate.Length(max=100))
    ward = fields.String(load_default="", validate=validate.Length(max=100))
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180))


class _DatabaseSchema(Schema):
    class Meta:
        unknown = RAISE

    url = fields.String(load_default="sqlite:///station.db",
                        validate=validate.Regexp(r"^(sqlite|postgres|postgresql)://",
                                                 error="must start with sqlite:// or postgresql://"))


class _PluginsSchema(Schema):
    class Meta:
        unknown = RAISE

    enabled = fields.List(fields.String(), load_default=list)
    paths = fields.List(fields.String(), load_default=list)
    safe_mode = fields.Boolean(load_default=False)
    # supply chain (docs/supply-chain.md): publishers whose signed plugins this site installs,
    # whether plugins without a valid signature may load, and the TUF repository's URL
    allowed_publishers = fields.List(fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9-]{1,40}$")),
                                     load_default=list)
    allow_unsigned = fields.Boolean(load_default=False)
    repository = fields.String(load_default="", validate=validate.Regexp(
        r"^(https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?)?$",
        error="must be empty (the enrolled hub) or an http(s) URL of a hub"))


class _SessionsSchema(Schema):
    class Meta:
        unknown = RAISE

    idle_seconds = fields.Integer(load_default=120, validate=validate.Range(min=10, max=3600))
    absolute_seconds = fields.Integer(load_default=1800, validate=validate.Range(min=60, max=86400))
    step_up_seconds = fields.Integer(load_default=120, validate=validate.Range(min=10, max=3600))
    staff_idle_seconds = fields.Integer(load_default=900, validate=validate.Range(min=60, max=86400))


class _DeviceSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{1,64}$"))
    kind = fields.String(required=True)
    url = fields.String(required=True)
    make = fields.String(load_default="")
    model = fields.String(load_default="")
    serial = fields.String(load_default="")
    firmware = fields.String(load_default="")
    capabilities = fields.List(fields.String(), load_default=list)
    options = fields.Dict(keys=fields.String(), load_default=dict)


class _ServerSchema(Schema):
    class Meta:
        unknown = RAISE

    host = fields.String(load_default="127.0.0.1")
    port = fields.Integer(load_default=8080, validate=validate.Range(min=1, max=65535))
    threads = fields.Integer(load_default=8, validate=validate.Range(min=1, max=64))
    # card payments waiting for the terminal's one background worker (a full queue says "try again")
    card_queue = fields.Integer(load_default=4, validate=validate.Range(min=1, max=64))
    # the address citizens and phones use (receipt QR codes, links): never taken from the Host header
    public_url = fields.String(load_default="", validate=validate.Regexp(
        r"^(https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?)?$",
        error="must be empty or an http(s) URL such as https://tram.example.vn"))
    # reverse proxies in front of the station whose X-Forwarded-For/-Proto are trusted (0 = none)
    trusted_proxies = fields.Integer(load_default=0, validate=validate.Range(min=0, max=5))
    # waitress: open connections accepted at once (more wait in the kernel's backlog), and
    # that backlog; a burst beyond both is refused by the kernel rather than left hanging
    connection_limit = fields.Integer(load_default=200, validate=validate.Range(min=10, max=10000))
    backlog = fields.Integer(load_default=1024, validate=validate.Range(min=16, max=65535))
    # /healthz reports "degraded" below this much free disk space (MB) where the database lives
    min_free_disk_mb = fields.Integer(load_default=200, validate=validate.Range(min=0))


class _AuditSchema(Schema):
    class Meta:
        unknown = RAISE

    checkpoint_every = fields.Integer(load_default=1000, validate=validate.Range(min=1))
    checkpoint_seconds = fields.Integer(load_default=300, validate=validate.Range(min=1))


class _IdentitySchema(Schema):
    class Meta:
        unknown = RAISE

    trust_store = fields.String(load_default="trust/csca")


class _PrivacySchema(Schema):
    class Meta:
        unknown = RAISE

    retention_days = fields.Dict(keys=fields.String(), values=fields.Integer(validate=validate.Range(min=1)),
                                 load_default=dict)


class _AlertsSchema(Schema):
    """``[alerts]``: optional push of manager alerts by webhook (HTTP POST JSON) and e-mail (SMTP)."""

    class Meta:
        unknown = RAISE

    webhook_url = fields.String(load_default="", validate=validate.Regexp(
        r"^(https?://\S+)?$", error="must be empty or an http(s) URL"))
    email_to = fields.List(fields.Email(), load_default=list)
    email_from = fields.String(load_default="citizen-station@localhost")
    smtp_host = fields.String(load_default="")
    smtp_port = fields.Integer(load_default=25, validate=validate.Range(min=1, max=65535))
    smtp_starttls = fields.Boolean(load_default=False)
    smtp_username = fields.String(load_default="")  # the password, if any, is secrets/smtp.password
    attempts = fields.Integer(load_default=5, validate=validate.Range(min=1, max=20))
    retry_seconds = fields.Float(load_default=30.0, validate=validate.Range(min=0))
    timeout_seconds = fields.Float(load_default=10.0, validate=validate.Range(min=0.1, max=120))


class _LimitSchema(Schema):
    """One ``[limits."plugin.action"]`` entry: ``[how many, in how many seconds]`` per citizen and
    per station; ``[0, 0]`` (or any count 0) lifts that limit."""

    class Meta:
        unknown = RAISE

    per_citizen = fields.List(fields.Integer(validate=validate.Range(min=0)),
                              validate=validate.Length(equal=2, error="must be [count, seconds]"))
    per_station = fields.List(fields.Integer(validate=validate.Range(min=0)),
                              validate=validate.Length(equal=2, error="must be [count, seconds]"))


class _ConfigSchema(Schema):
    class Meta:
        unknown = RAISE

    site = fields.Nested(_SiteSchema, required=True)
    database = fields.Nested(_DatabaseSchema, load_default=lambda: _DatabaseSchema().load({}))
    plugins = fields.Nested(_PluginsSchema, load_default=lambda: _PluginsSchema().load({}))
    sessions = fields.Nested(_SessionsSchema, load_default=lambda: _SessionsSchema().load({}))
    server = fields.Nested(_ServerSchema, load_default=lambda: _ServerSchema().load({}))
    audit = fields.Nested(_AuditSchema, load_default=lambda: _AuditSchema().load({}))
    identity = fields.Nested(_IdentitySchema, load_default=lambda: _IdentitySchema().load({}))
    privacy = fields.Nested(_PrivacySchema, load_default=lambda: _PrivacySchema().load({}))
    alerts = fields.Nested(_AlertsSchema, load_default=lambda: _AlertsSchema().load({}))
    devices = fields.List(fields.Nested(_DeviceSchema), load_default=list)
    limits = fields.Dict(keys=fields.String(validate=validate.Regexp(
        r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$", error='must be "plugin.action"')),
        values=fields.Nested(_LimitSchema), load_default=dict)
    roles = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), load_default=dict)
    connectors = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict)
    plugin_settings = fields.Dict(keys=fields.String(), values=fields.Dict(), load_default=dict)


@dataclass(frozen=True)
class Config:
    """Everything a station needs to know about its site, read once at start."""

    home: Path
    site: dict[str, Any]
    database_url: str
    enabled_plugins: tuple[str, ...]
    safe_mode: bool
    plugin_paths: tuple[Path, ...]
    sessions: dict[str, int]
    server: dict[str, Any]
    audit: dict[str, int]
    identity: dict[str, str]
    privacy: dict[str, Any]
    devices: tuple[dict[str, Any], ...]
    roles: dict[str, list[str]]
    connectors: dict[str, dict[str, Any]]
    plugin_settings: dict[str, dict[str, Any]]
    source: str = field(default="")
    allowed_publishers: tuple[str, ...] = ()
    allow_unsigned: bool = False
    plugin_repository: str = ""
    alerts: dict[str, Any] = field(default_factory=lambda: _AlertsSchema().load({}))
    limits: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    @property
    def site_id(self) -> str:
        return self.site["id"]

    @property
    def secrets_dir(self) -> Path:
        return self.home / "secrets"

    def with_overrides(self, **changes: Any) -> Config:
        """A copy with some attributes replaced (used by tests and ``--safe-mode``)."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values.update(changes)
        return Config(**values)


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    """The station folder: the argument, else ``$STATION_HOME``, else ``./station-home``."""
    chosen = home or os.environ.get("STATION_HOME") or "station-home"
    return Path(chosen).expanduser().resolve()


def load_config(home: str | os.PathLike[str] | None = None,
                env: Mapping[str, str] | None = None) -> Config:
    """Read ``station.toml`` in ``home`` and apply ``STATION_*`` overrides from ``env``.

    Raises :class:`ConfigError` naming the file, the key and the problem.
    """
    home_path = resolve_home(home)
    env = os.environ if env is None else env
    path = home_path / CONFIG_FILENAME
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), "-", "file not found; run `station init --demo` to create a site") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), "-", f"not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), "-", "not UTF-8 text") from None
    apply_env_overrides(raw, env, str(path))
    return config_from_dict(raw, home_path, str(path))


def config_from_dict(raw: dict[str, Any], home: Path, source: str = "<dict>") -> Config:
    """Validate a parsed configuration mapping and build a :class:`Config`."""
    try:
        data = _ConfigSchema().load(raw)
    except ValidationError as exc:
        key, problem = _first_error(exc.messages)
        raise ConfigError(source, key, problem) from None
    ids = [d["id"] for d in data["devices"]]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigError(source, "devices.id", f"duplicate device id {duplicates[0]!r}")
    return Config(
        home=home,
        site=data["site"],
        database_url=data["database"]["url"],
        enabled_plugins=tuple(data["plugins"]["enabled"]),
        safe_mode=data["plugins"]["safe_mode"],
        plugin_paths=tuple(home / p for p in data["plugins"]["paths"]),
        sessions=data["sessions"],
        server=data["server"],
        audit=data["audit"],
        identity=data["identity"],
        privacy=data["privacy"],
        devices=tuple(data["devices"]),
        roles=data["roles"],
        connectors=data["connectors"],
        plugin_settings=data["plugin_settings"],
        source=source,
        allowed_publishers=tuple(data["plugins"]["allowed_publishers"]),
        allow_unsigned=data["plugins"]["allow_unsigned"],
        plugin_repository=data["plugins"]["repository"],
        alerts=data["alerts"],
        limits=data["limits"],
    )


def apply_env_overrides(raw: dict[str, Any], env: Mapping[str, str], source: str) -> None:
    """Merge ``STATION_SECTION__KEY=value`` variables into the parsed TOML, in place."""
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or name in ENV_NOT_CONFIG:
            continue
        path = ENV_ALIASES.get(name) or tuple(
            part.lower() for part in name[len(ENV_PREFIX):].split("__"))
        if len(path) < 2 or not all(path):
            raise ConfigError(f"environment {name}", name,
                              "expected STATION_<SECTION>__<KEY>, e.g. STATION_SESSIONS__IDLE_SECONDS")
        target = raw
        for part in path[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ConfigError(source, ".".join(path), "cannot override a value that is not a table")
        key = path[-1]
        existing = target.get(key)
        target[key] = [v.strip() for v in value.split(",") if v.strip()] if (
            isinstance(existing, list) or key == "enabled") else value


def _first_error(messages: dict | list | str, prefix: str = "") -> tuple[str, str]:
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(key, int):
            path = f"{prefix}[{key}]"
        return _first_error(value, path)
    if isinstance(messages, list) and messages and not all(isinstance(m, str) for m in messages):
        return _first_error(messages[0], prefix)
    return prefix or "-", format_field_errors(messages)


def explain_config(home: str | os.PathLike[str] | None = None,
                   env: Mapping[str, str] | None = None) -> list[tuple[str, Any, str]]:
    """Every effective setting as ``(key, value, source)``; the source is ``station.toml``,
    the environment variable that set it, or ``default`` (for ``station config show``)."""
    home_path = resolve_home(home)
    env = os.environ if env is None else env
    path = home_path / CONFIG_FILENAME
    load_config(home_path, env)  # the same checks and messages as a start
    from_file = tomllib.loads(path.read_text(encoding="utf-8"))
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    apply_env_overrides(raw, env, str(path))
    from_env: dict[tuple[str, ...], str] = {}
    for name in env:
        if name.startswith(ENV_PREFIX) and name not in ENV_NOT_CONFIG:
            key = ENV_ALIASES.get(name) or tuple(part.lower() for part in name[len(ENV_PREFIX):].split("__"))
            from_env[key] = name
    data = _ConfigSchema().load(raw)
    rows: list[tuple[str, Any, str]] = []
    for section, value in data.items():
        if isinstance(value, dict) and section not in ("roles", "connectors", "plugin_settings"):
            for key, item in value.items():
                rows.append((f"{section}.{key}", item, _source((section, key), from_file, from_env)))
        else:
            rows.append((section, value, _source((section,), from_file, from_env)))
    return rows


def _source(key: tuple[str, ...], from_file: dict[str, Any], from_env: dict[tuple[str, ...], str]) -> str:
    for env_key, name in from_env.items():
        if env_key[:len(key)] == key:
            return f"environment {name}"
    node: Any = from_file
    for part in key:
        if not isinstance(node, dict) or part not in node:
            return "default"
        node = node[part]
    return CONFIG_FILENAME


def is_simulated(config: Config) -> bool:
    """True when any device or connector is a simulator (the kiosk then says so)."""
    devices = any(d["url"].startswith("sim://") for d in config.devices)
    connectors = any(c.get("kind", "simulator") == "simulator" for c in config.connectors.values())
    return devices or connectors or not config.connectors


def public_base_url(config: Config) -> str:
    """The station's address for links and QR codes: ``[server] public_url``, else
    ``STATION_PUBLIC_URL``, else the listening address — never the request's Host header."""
    configured = config.server.get("public_url") or os.environ.get("STATION_PUBLIC_URL", "")
    return (configured or f"http://{config.server['host']}:{config.server['port']}").rstrip("/")
