"""Plugin discovery, manifest validation, guarded loading and per-site enable/disable.

Plugins are found through the entry-point group ``citizen_station.plugins`` (name = plugin id,
value = the plugin's module) — the station's own built-in plugins too: its distribution declares
them there (``setup.cfg``), so they are *built-in* because the station ships them, not because
of where their files are. Extra local folders (``[plugins] paths`` in ``station.toml``) serve
partners developing a plugin. For each one the manager:

1. reads and validates ``manifest.toml`` *before importing anything* (INVALID on error);
2. checks the manifest's ``sdk`` range against ``sdk.API_VERSION`` (INCOMPATIBLE);
3. checks required device needs against the site inventory (MISSING_DEVICE);
4. if enabled for this site: imports the module, registers its hooks, applies its
   migrations, collects and mounts its blueprints and calls ``startup`` — all inside a
   guard: any exception marks it FAILED with the reason and nothing of it stays mounted.

Whether a plugin is enabled is persisted per site in ``plugin_state``; a plugin never
switched in the database follows ``[plugins] enabled`` in ``station.toml``. Safe mode loads
only the built-in plugins listed in ``core.builtins.SAFE_MODE_PLUGINS``.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
import sys
import traceback
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import peewee
import pluggy
from flask import Blueprint, Flask

from core import db as station_db
from core.config import Config
from core.db import BaseModel
from core.devices import StationDevices
from core.errors import ManifestError, NotFoundError, UserInputError
from core.hookspecs import PROJECT_NAME
from core.manifest import Manifest, load_manifest
from core.permissions import access_of
from core.plugin_context import acting_as, acting_plugin, plugin_of_caller
from core.supply.trust import signature_of, site_plugin_paths

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "citizen_station.plugins"
# Where the built-in plugins' files are (they are *found* through their entry points, not here):
# kept for sdk 1.x callers that read it.
BUILTIN_DIR = Path(__file__).resolve().parent.parent / "plugins"
BUILTIN_SOURCE = "built-in"


class State(StrEnum):
    """Where a plugin stands on this station."""

    ACTIVE = "active"
    DISABLED = "disabled"
    INVALID = "invalid"
    INCOMPATIBLE = "incompatible"
    MISSING_DEVICE = "missing_device"
    FAILED = "failed"


class PluginStateRow(BaseModel):
    """The per-site enable/disable switch of one plugin, as last set by a manager."""

    plugin_id = peewee.CharField(primary_key=True, max_length=64)
    enabled = peewee.BooleanField()
    changed_at = peewee.DoubleField()
    changed_by = peewee.CharField(max_length=128)

    class Meta:
        table_name = "plugin_state"


@dataclass
class PluginRecord:
    """Everything the station knows about one plugin."""

    id: str
    source: str
    module_name: str
    path: Path | None
    manifest: Manifest | None = None
    enabled: bool = False
    state: State = State.DISABLED
    reasons: list[str] = field(default_factory=list)
    module: Any = None
    blueprints: list[Blueprint] = field(default_factory=list)
    undeclared_routes: list[str] = field(default_factory=list)
    signed: bool = True
    signature: str = ""  # "built-in", "signed by <publisher>" or why it has no valid signature

    def fail(self, state: State, reason: str) -> None:
        self.state = state
        self.reasons.append(reason)

    def summary(self) -> dict[str, Any]:
        """JSON-ready description (for ``station plugins list --json`` and /healthz)."""
        m = self.manifest
        return {
            "id": self.id,
            "state": self.state.value,
            "enabled": self.enabled,
            "source": self.source,
            "version": m.version if m else None,
            "publisher": m.publisher if m else None,
            "category": m.category if m else None,
            "name": m.name if m else None,
            "reasons": list(self.reasons),
            "signed": self.signed,
            "signature": self.signature,
        }


class RouteRegistrar:
    """Given to a plugin's ``register_routes``: collects its blueprints for mounting."""

    def __init__(self, plugin_id: str) -> None:
        self.plugin_id = plugin_id
        self.blueprints: list[Blueprint] = []

    def add_blueprint(self, blueprint: Blueprint) -> None:
        """Mount ``blueprint`` under ``/s/<plugin id>/``. Its name must be the plugin id."""
        if blueprint.name != self.plugin_id:
            raise UserInputError(f"blueprint name {blueprint.name!r} must equal the plugin id {self.plugin_id!r}")
        self.blueprints.append(blueprint)


class _ViewRecorder(Flask):
    """A scratch app that only records the views mounted on it (endpoint → view), without
    compiling URL rules: the plugin's real mount compiles them once (start-up time)."""

    def add_url_rule(self, rule: str, endpoint: str | None = None, view_func: Callable[..., Any] | None = None,
                     provide_automatic_options: bool | None = None, **options: Any) -> None:
        if view_func is not None:
            self.view_functions[endpoint or view_func.__name__] = view_func


class PluginManager:
    """Discovers, validates, loads and guards the station's plugins."""

    def __init__(self, config: Config, api_version: str, clock: Callable[[], float], devices: StationDevices,
                 builtin_dir: Path | None = None, entry_point_group: str = ENTRY_POINT_GROUP) -> None:
        """``builtin_dir`` (tests only) adds a folder whose plugins count as built-in; the
        station's own plugins come through ``entry_point_group`` like every installed one."""
        self.config = config
        self.devices = devices
        self.api_version = api_version
        self.clock = clock
        self.builtin_dir = builtin_dir
        self.entry_point_group = entry_point_group
        self.pm = pluggy.PluginManager(PROJECT_NAME)
        from core import hookspecs

        self.pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}
        self.audit: Any = None  # the station's AuditLog, set by the app factory

    # ---- discovery -------------------------------------------------------------------

    def discover(self) -> dict[str, PluginRecord]:
        """Find every plugin, validate manifests and decide its state (imports nothing)."""
        self.records = {}
        for record in self._find_all():
            if record.id in self.records:
                other = self.records[record.id]
                record.fail(State.INVALID, f"plugin id {record.id!r} is already used by {other.source} "
                                           f"plugin {other.module_name}")
                self.records[f"{record.id}@{record.module_name}"] = record
                continue
            self.records[record.id] = record
        switches = self._persisted_switches()
        for record in self.records.values():
            self._check(record, switches)
        return self.records

    def _find_all(self) -> Iterator[PluginRecord]:
        if self.builtin_dir is not None:
            yield from self._find_in_folder(self.builtin_dir, BUILTIN_SOURCE, "plugins.")
        site_plugin_paths(self.config.home)  # signed installs: SITE/plugins/<id>/current on the path
        installed = list(self._find_installed())
        # the station's own plugins first: an installed plugin cannot take a built-in's id
        yield from (record for record in installed if record.source == BUILTIN_SOURCE)
        for folder in self.config.plugin_paths:
            yield from self._find_in_folder(Path(folder), "local", "")
        yield from (record for record in installed if record.source != BUILTIN_SOURCE)

    def _find_in_folder(self, folder: Path, source: str, prefix: str) -> Iterator[PluginRecord]:
        if not folder.is_dir():
            return
        if source == "local" and str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
        for child in sorted(folder.iterdir()):
            manifest = child / "manifest.toml"
            if child.is_dir() and manifest.exists():
                record = PluginRecord(child.name, source, prefix + child.name, child)
                self._read_manifest(record, manifest, expected_id=child.name)
                yield record

    def _find_installed(self) -> Iterator[PluginRecord]:
        from core.builtins import STATION_DISTRIBUTION

        for ep in sorted(entry_points(group=self.entry_point_group), key=lambda ep: ep.name):
            dist = getattr(ep, "dist", None)
            if dist is not None and _canonical(dist.name) == STATION_DISTRIBUTION:
                source = BUILTIN_SOURCE
            else:
                source = f"installed ({dist.name} {dist.version})" if dist else "installed"
            record = PluginRecord(ep.name, source, ep.value, None)
            path = _dist_package_dir(dist, ep.module) or _package_dir(ep.module)
            if path is None:
                record.fail(State.INVALID, f"entry point {ep.name} = {ep.value}: module {ep.module!r} not found")
            else:
                record.path = path
                self._read_manifest(record, path / "manifest.toml", expected_id=ep.name)
            yield record

    @staticmethod
    def _read_manifest(record: PluginRecord, path: Path, expected_id: str) -> None:
        try:
            record.manifest = load_manifest(path)
        except ManifestError as exc:
            record.fail(State.INVALID, f"invalid manifest: {exc}")
            return
        if record.manifest.id != expected_id:
            record.fail(State.INVALID, f"invalid manifest: {path}: id: {record.manifest.id!r} must equal "
                                       f"the plugin's package or entry point name {expected_id!r}")

    def _check(self, record: PluginRecord, switches: dict[str, bool]) -> None:
        if record.state is State.INVALID:
            return
        from core.builtins import RESERVED_IDS

        if record.id in RESERVED_IDS:
            record.fail(State.INVALID, f"plugin id {record.id!r} is reserved for the station's own features")
            return
        manifest = record.manifest
        record.enabled = switches.get(record.id, record.id in self.config.enabled_plugins)
        signature = signature_of(record.source, record.path, record.id, self.config.home)
        record.signed, record.signature = signature.signed, signature.text
        if not signature.signed and not self.config.allow_unsigned:
            record.fail(State.INVALID, f"no valid signature: {signature.text}; install it with `station plugins "
                                       "install`, or set [plugins] allow_unsigned = true for this site")
            return
        if not manifest.supports_sdk(self.api_version):
            record.fail(State.INCOMPATIBLE, f"needs sdk {manifest.sdk}; this station provides {self.api_version}")
            return
        missing = self.devices.missing_reasons(manifest.devices)
        if missing:
            for reason in missing:
                record.fail(State.MISSING_DEVICE, reason)
            return
        if self.config.safe_mode and not loads_in_safe_mode(record):
            record.fail(State.DISABLED, "safe mode: only built-in plugins are loaded")
            return
        record.state = State.DISABLED
        if not record.enabled:
            record.reasons.append("disabled for this site")

    def _persisted_switches(self) -> dict[str, bool]:
        try:
            return {row.plugin_id: row.enabled for row in PluginStateRow.select()}
        except peewee.DatabaseError:  # table not created yet: nothing was switched
            return {}

    # ---- loading ---------------------------------------------------------------------

    def load(self, app: Flask, station_info: Callable[[PluginRecord], Any], migrate: bool = True) -> None:
        """Import, register, migrate, mount and start every enabled, loadable plugin."""
        for record in self.records.values():
            if record.enabled and record.state is State.DISABLED and not record.reasons:
                self._load_one(app, record, station_info, migrate)

    def _load_one(self, app: Flask, record: PluginRecord, station_info: Callable[[PluginRecord], Any],
                  migrate: bool) -> None:
        with acting_as(record.id):
            self._load_acting(app, record, station_info, migrate)

    def _load_acting(self, app: Flask, record: PluginRecord, station_info: Callable[[PluginRecord], Any],
                     migrate: bool) -> None:
        step = "import"
        try:
            module_name, _, attr = record.module_name.partition(":")
            module = importlib.import_module(module_name)
            record.module = getattr(module, attr) if attr else module
            step = "register hooks"
            self._register_hooks(record)
            step = "register routes"
            registrar = RouteRegistrar(record.id)
            self._call_impl(record, "register_routes", registrar=registrar)
            self._check_routes(record, registrar.blueprints)
            step = "check data categories"
            package = module_name if hasattr(module, "__path__") else module_name.rpartition(".")[0] or module_name
            bind_personal_models(record.id, package, record.manifest)
            if migrate:
                step = "migrate"
                self.migrate_plugin(record)
            step = "startup"
            self._call_impl(record, "startup", station=station_info(record))
        except Exception as exc:  # the guard: any plugin error marks it FAILED
            self._unregister(record)
            record.fail(State.FAILED, f"{step} failed: {type(exc).__name__}: {exc}")
            log.warning("plugin %s failed at %s: %s", record.id, step,
                        "".join(traceback.format_exception_only(exc)).strip())
            return
        for blueprint in registrar.blueprints:
            app.register_blueprint(blueprint, url_prefix=f"/s/{record.id}{blueprint.url_prefix or ''}")
        record.blueprints = registrar.blueprints
        record.state = State.ACTIVE

    def _register_hooks(self, record: PluginRecord) -> None:
        specs = {name for name in dir(self.pm.hook) if not name.startswith("_")}
        for name, value in inspect.getmembers_static(record.module):
            # type() and getmembers_static never evaluate proxies such as flask.request
            if type(value) is types.FunctionType and hasattr(value, f"{PROJECT_NAME}_impl") and name not in specs:
                raise UserInputError(f"implements unknown hook {name!r}")
        self.pm.register(record.module, name=record.id)

    def _check_routes(self, record: PluginRecord, blueprints: list[Blueprint]) -> None:
        """Mount on a scratch app to see every view; permissions must be in the manifest."""
        scratch = _ViewRecorder(f"check_{record.id}")
        for blueprint in blueprints:
            scratch.register_blueprint(blueprint, url_prefix=f"/s/{record.id}")
        declared = {p["id"] for p in record.manifest.permissions}
        for endpoint, view in scratch.view_functions.items():
            if endpoint == "static" or endpoint.endswith(".static"):
                continue
            access = access_of(view)
            if access is None:
                record.undeclared_routes.append(endpoint)
            elif access.permission is not None and access.permission not in declared:
                raise UserInputError(f"view {endpoint} requires permission {access.permission!r}, "
                                     "which the manifest does not define")
        if record.undeclared_routes:
            raise UserInputError("views declare no access (use requires(...) or public): "
                                 + ", ".join(record.undeclared_routes))

    def migrate_plugin(self, record: PluginRecord) -> list[station_db.Migration]:
        """Apply the plugin's own migrations (``<plugin>/migrations/NNNN_*.py``)."""
        if record.path is None:
            return []
        return station_db.migrate(station_db.load_migrations(record.id, record.path / "migrations"))

    def _unregister(self, record: PluginRecord) -> None:
        if record.module is not None and self.pm.is_registered(record.module):
            self.pm.unregister(record.module)

    # ---- calling hooks ---------------------------------------------------------------

    def _impl(self, record: PluginRecord, hook_name: str) -> Any:
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            if impl.plugin_name == record.id:
                return impl
        return None

    def _call_impl(self, record: PluginRecord, hook_name: str, **kwargs: Any) -> Any:
        impl = self._impl(record, hook_name)
        if impl is None:
            return None
        with acting_as(record.id):
            return impl.function(**{name: kwargs[name] for name in impl.argnames})

    def active(self) -> list[PluginRecord]:
        """Active plugins that are enabled right now, in id order."""
        return [r for r in self.records.values() if r.state is State.ACTIVE and r.enabled]

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[PluginRecord, Any]]:
        """Call ``hook_name`` on every active plugin; an exception skips that plugin's result."""
        impls = {impl.plugin_name: impl for impl in getattr(self.pm.hook, hook_name).get_hookimpls()}
        results = []
        for record in self.active():
            impl = impls.get(record.id)
            if impl is None:
                continue
            try:
                with acting_as(record.id):
                    result = impl.function(**{name: kwargs[name] for name in impl.argnames})
            except Exception as exc:  # one plugin's error must not break the page
                log.warning("plugin %s: hook %s raised %s", record.id, hook_name, type(exc).__name__)
                continue
            if result is not None:
                results.append((record, result))
        return results

    def call_one(self, plugin_id: str, hook_name: str, **kwargs: Any) -> Any:
        """Call ``hook_name`` of one plugin (exceptions propagate to the caller)."""
        return self._call_impl(self.get(plugin_id), hook_name, **kwargs)

    def shutdown(self, station_info: Callable[[PluginRecord], Any]) -> None:
        """Call every active plugin's ``shutdown``; errors are logged, never raised."""
        for record in self.active():
            try:
                self._call_impl(record, "shutdown", station=station_info(record))
            except Exception as exc:
                log.warning("plugin %s: shutdown raised %s", record.id, type(exc).__name__)

    # ---- per-site switch -------------------------------------------------------------

    def get(self, plugin_id: str) -> PluginRecord:
        """The record of ``plugin_id``, or :class:`NotFoundError` listing the known ids."""
        record = self.records.get(plugin_id)
        if record is None:
            known = ", ".join(sorted(self.records)) or "none"
            raise NotFoundError(f"no plugin {plugin_id!r} on this station (known: {known})")
        return record

    def set_enabled(self, plugin_id: str, enabled: bool, actor: str) -> PluginRecord:
        """Persist the site's switch for ``plugin_id``. Refuses to enable a plugin that cannot run."""
        record = self.get(plugin_id)
        if enabled and record.state in (State.INVALID, State.INCOMPATIBLE, State.MISSING_DEVICE):
            raise UserInputError(f"plugin {plugin_id} cannot be enabled: {'; '.join(record.reasons)}")
        from core.audit.log import transaction

        with transaction():
            (PluginStateRow.insert(plugin_id=plugin_id, enabled=enabled, changed_at=self.clock(), changed_by=actor)
             .on_conflict(conflict_target=[PluginStateRow.plugin_id],
                          update={PluginStateRow.enabled: enabled, PluginStateRow.changed_at: self.clock(),
                                  PluginStateRow.changed_by: actor})
             .execute())
            if self.audit is not None:
                self.audit.record("plugin.enable" if enabled else "plugin.disable", actor=actor,
                                  object_ref=f"plugin:{plugin_id}")
        record.enabled = enabled
        if not enabled and "disabled for this site" not in record.reasons:
            record.reasons.append("disabled for this site")
        if enabled and "disabled for this site" in record.reasons:
            record.reasons.remove("disabled for this site")
        return record

    def acting_plugin_id(self) -> str | None:
        """The plugin on whose behalf code runs now: the one the station dispatched to (hook or
        request), else the plugin whose module called (for code in threads it started)."""
        acting = acting_plugin()
        if acting is not None:
            return acting
        modules = [(r.id, r.module_name.partition(":")[0]) for r in self.records.values() if r.module is not None]
        return plugin_of_caller(modules)

    def manifest_permissions(self) -> list[dict[str, Any]]:
        """Every permission defined by a valid manifest (for the permission policy)."""
        return [p for r in self.records.values() if r.manifest and r.state is not State.INVALID
                for p in r.manifest.permissions]


def bind_personal_models(plugin_id: str, package: str, manifest: Manifest) -> None:
    """Tie the plugin's PersonalDataModel tables to the plugin the station loaded them for
    (whatever its package is called) and check their data categories against the manifest now,
    at load, rather than at the first write (a 500 in front of a citizen)."""
    from core.privacy.fields import UndeclaredCategory, personal_models

    declared = {d["category"] for d in manifest.data}
    for model in personal_models():
        if model.__module__ != package and not model.__module__.startswith(package + "."):
            continue
        if model.__dict__.get("plugin_id") is None:
            model.plugin_id = plugin_id
        if model.data_category not in declared:
            raise UndeclaredCategory(f"model {model.__name__} stores {model.data_category!r} data but the manifest "
                                     "does not declare that category in [[data]]")


def loads_in_safe_mode(record: PluginRecord) -> bool:
    """Safe mode loads the built-in plugins of ``core.builtins.SAFE_MODE_PLUGINS`` and nothing else."""
    from core.builtins import SAFE_MODE_PLUGINS

    return record.source == BUILTIN_SOURCE and record.id in SAFE_MODE_PLUGINS


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _dist_package_dir(dist: Any, module: str) -> Path | None:
    """The module's folder inside the entry point's own distribution (not whatever an earlier
    import of the same name left in ``sys.modules``)."""
    if dist is None or not hasattr(dist, "locate_file"):
        return None
    folder = Path(str(dist.locate_file(module.replace(".", "/"))))
    return folder if (folder / "manifest.toml").exists() else None


def _package_dir(module: str) -> Path | None:
    """The folder of ``module``'s package, found without executing the package."""
    top, *rest = module.split(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*rest)
