"""``station plugins install | upgrade | uninstall``: signed plugins, installed atomically.

1. Refresh the TUF metadata (ngclient): expired metadata (a freeze), older metadata than
   already seen (a rollback) or a bad signature stop here.
2. Find the plugin among the allowed publishers' delegated roles (``[plugins]
   allowed_publishers``); a plugin published only by others, or by nobody, is refused.
3. Download the wheel through ngclient, which checks length and SHA-256 against the
   publisher's signed metadata; then read its manifest: the id and version must be those
   signed, and its ``publisher`` must be the name the hub registered for the signing role.
4. ``pip install --no-deps --no-index --target SITE/plugins/<id>/<version>`` (pip sees only
   the verified file), record the install, switch ``SITE/plugins/<id>/current`` to it.
5. Start it in a fresh process (migrations, ``startup``); if it fails, switch back to the
   previous version (or remove it) and report. Every step is an audit entry.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version
from tuf.api import exceptions as tuf_errors

from core.audit.log import transaction
from core.errors import StationError, UserInputError
from core.supply.models import PluginInstall
from core.supply.trust import CURRENT, find_record, sha256_file, site_plugins_dir
from core.supply.tuf_client import PluginRepository
from core.supply.wheel import WheelError, read_plugin_wheel

Probe = Callable[[Path, str], dict[str, Any]]


class InstallRefused(UserInputError):
    """The plugin was not installed: the message says which check refused it."""


class InstallFailed(StationError):
    """The new version was installed but failed to start; the previous version is back."""


@dataclass
class InstallResult:
    plugin_id: str
    version: str
    publisher: str
    previous: str | None
    action: str  # install | upgrade | downgrade


def run_probe(home: Path, plugin_id: str) -> dict[str, Any]:
    """Start the station in a fresh process and report the plugin's state (runs its migrations
    and ``startup``); a fresh process so the new version's code is what gets imported."""
    completed = subprocess.run([sys.executable, "-m", "core.supply.probe", str(home), plugin_id],
                               capture_output=True, text=True, timeout=300, check=False)
    for line in reversed(completed.stdout.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {"state": "failed", "reasons": [f"the station did not start ({completed.stderr.strip()[-300:]})"]}


class Installer:
    """Installs, upgrades and uninstalls signed plugins on one station."""

    def __init__(self, station: Any, actor: str, repository: PluginRepository | None = None,
                 probe: Probe = run_probe) -> None:
        self.station = station
        self.config = station.config
        self.home: Path = station.config.home
        self.actor = actor
        self._repository = repository
        self.probe = probe

    # ---- helpers ---------------------------------------------------------------------

    def _audit(self, action: str, plugin_id: str, outcome: str = "ok", **details: Any) -> None:
        with transaction():
            self.station.audit.record(action, actor=self.actor, object_ref=f"plugin:{plugin_id}", outcome=outcome,
                                      details={k: (str(v)[:200] if isinstance(v, str) else v)
                                               for k, v in details.items()})

    def _refuse(self, plugin_id: str, version: str | None, message: str, check: str) -> InstallRefused:
        self._audit("plugin.install.refused", plugin_id, outcome="refused", version=version or "", check=check,
                    reason=message)
        self._remember(plugin_id, version, "refused", message)
        return InstallRefused(message)

    def _remember(self, plugin_id: str, version: str | None, outcome: str, reason: str = "") -> None:
        """The last install outcome, told to the hub in the heartbeat (staged rollouts)."""
        note = json.dumps({"version": version, "outcome": outcome, "reason": reason[:200]})
        PluginInstall.update(last_outcome=note).where(PluginInstall.plugin_id == plugin_id).execute()

    def repository(self) -> PluginRepository:
        if self._repository is None:
            url = self.config.plugin_repository or _enrolled_hub_url()
            self._repository = PluginRepository(self.home, url)
        return self._repository

    def installed_version(self, plugin_id: str) -> str | None:
        row = PluginInstall.get_or_none(PluginInstall.plugin_id == plugin_id)
        return (row.version or None) if row is not None else None

    # ---- install / upgrade -----------------------------------------------------------

    def install(self, plugin_id: str, version: str | None = None, allow_downgrade: bool = False,
                upgrade_only: bool = False) -> InstallResult:
        """Install ``plugin_id`` (``version`` or the newest signed one); see the module docstring."""
        repo = self.repository()
        try:
            repo.refresh()
        except tuf_errors.ExpiredMetadataError as exc:
            raise self._refuse(plugin_id, version, f"the hub's signed metadata has expired ({exc}): a repository "
                               "that stopped being re-signed, or an old copy replayed (freeze attack); nothing "
                               "installed", "expired") from None
        except (tuf_errors.BadVersionNumberError, tuf_errors.EqualVersionNumberError) as exc:
            raise self._refuse(plugin_id, version, f"the hub offered older metadata than this station has already "
                               f"seen ({exc}): a rollback attack or a restored hub; nothing installed",
                               "rollback") from None
        except tuf_errors.RepositoryError as exc:
            raise self._refuse(plugin_id, version, f"the hub's metadata failed verification "
                               f"({type(exc).__name__}: {exc}); nothing installed", "metadata") from None
        except tuf_errors.DownloadError as exc:
            raise self._refuse(plugin_id, version, f"could not fetch the hub's metadata ({exc})",
                               "unreachable") from None
        allowed = set(self.config.allowed_publishers)
        names = repo.publishers()
        offered: dict[str, dict[str, str]] = {pub: repo.wheels_of(pub, plugin_id) for pub in names}
        candidates = {pub: wheels for pub, wheels in offered.items() if pub in allowed and wheels}
        if not candidates:
            others = sorted(pub for pub, wheels in offered.items() if wheels)
            if others:
                raise self._refuse(plugin_id, version, f"{plugin_id} is published by {', '.join(others)}, not on "
                                   f"this site's allowed publishers ([plugins] allowed_publishers = "
                                   f"{sorted(allowed)})", "publisher")
            raise self._refuse(plugin_id, version, f"no publisher registered on the hub has signed {plugin_id} "
                               "(unknown plugin or publisher)", "unknown")
        if len(candidates) > 1:
            raise self._refuse(plugin_id, version, f"{plugin_id} is signed by several allowed publishers "
                               f"({', '.join(sorted(candidates))}); a plugin id must have one publisher", "publisher")
        [(publisher, wheels)] = candidates.items()
        if version is None:
            version = max(wheels, key=_version_key)
        path = wheels.get(version)
        if path is None:
            raise self._refuse(plugin_id, version, f"{publisher} has not signed {plugin_id} {version} "
                               f"(signed versions: {', '.join(sorted(wheels, key=_version_key))})", "version")
        if repo.top_level_lists(path):
            raise self._refuse(plugin_id, version, f"{path} is listed by the hub's own targets role; plugins are "
                               "trusted only when their publisher signs them", "publisher")
        current = self.installed_version(plugin_id)
        if current == version:
            raise InstallRefused(f"{plugin_id} {version} is already installed")
        if upgrade_only and current is None:
            raise InstallRefused(f"{plugin_id} is not installed; use `station plugins install {plugin_id}`")
        if current is not None and _version_key(version) < _version_key(current) and not allow_downgrade:
            raise self._refuse(plugin_id, version, f"{version} is older than the installed {current}: downgrades are "
                               "refused (a rollout rollback from the hub, or --allow-downgrade, may do it)",
                               "downgrade")
        try:
            wheel_file, sha256 = repo.download(path)
        except (tuf_errors.LengthOrHashMismatchError, tuf_errors.DownloadLengthMismatchError) as exc:
            raise self._refuse(plugin_id, version, f"the wheel does not match the hashes its publisher signed "
                               f"({exc}): it was changed on the hub or in transit; nothing installed",
                               "tampered") from None
        except tuf_errors.DownloadError as exc:
            raise self._refuse(plugin_id, version, f"could not download the wheel ({exc})", "unreachable") from None
        if not repo.role_lists(publisher, path, sha256):
            raise self._refuse(plugin_id, version, f"{path} is not in {publisher}'s own signed metadata",
                               "publisher")
        try:
            wheel = read_plugin_wheel(wheel_file.read_bytes(), wheel_file.name)
        except (WheelError, StationError) as exc:
            raise self._refuse(plugin_id, version, f"the signed wheel is not a valid plugin: {exc}", "wheel") from None
        registered = names.get(publisher, "")
        if wheel.plugin_id != plugin_id or wheel.manifest.version != version:
            raise self._refuse(plugin_id, version, f"the wheel holds {wheel.plugin_id} {wheel.manifest.version}, "
                               f"not {plugin_id} {version}", "wheel")
        if wheel.manifest.publisher != registered:
            raise self._refuse(plugin_id, version, f"the wheel is signed by publisher {publisher} ({registered!r}) "
                               f"but its manifest names publisher {wheel.manifest.publisher!r}: a publisher "
                               "cannot publish under another's name", "publisher")
        self._audit("plugin.install.verified", plugin_id, version=version, publisher=publisher, sha256=sha256,
                    target=path)
        return self._install_verified(plugin_id, version, publisher, path, sha256, wheel_file, current)

    def install_wheel_file(self, wheel_file: Path, allow_downgrade: bool = False) -> InstallResult:
        """Install a wheel file given by hand: it has no signature, so only on a site that allows
        unsigned plugins (``[plugins] allow_unsigned``); same folders, start test and return."""
        try:
            wheel = read_plugin_wheel(wheel_file.read_bytes(), wheel_file.name)
        except OSError as exc:
            raise InstallRefused(f"{wheel_file}: cannot be read ({exc})") from None
        plugin_id, version = wheel.plugin_id, wheel.manifest.version
        if not self.config.allow_unsigned:
            raise self._refuse(plugin_id, version, f"{wheel_file.name} has no signature and this site does not allow "
                               "unsigned plugins: publish it through the hub (docs/supply-chain.md), or set "
                               "[plugins] allow_unsigned = true for a development station", "unsigned")
        current = self.installed_version(plugin_id)
        if current == version:
            raise InstallRefused(f"{plugin_id} {version} is already installed")
        if current is not None and _version_key(version) < _version_key(current) and not allow_downgrade:
            raise self._refuse(plugin_id, version, f"{version} is older than the installed {current}: downgrades are "
                               "refused (use --allow-downgrade)", "downgrade")
        sha256 = sha256_file(wheel_file)
        self._audit("plugin.install.unsigned", plugin_id, version=version, sha256=sha256, file=wheel_file.name)
        return self._install_verified(plugin_id, version, "", f"local:{wheel_file.name}", sha256, wheel_file, current)

    def _install_verified(self, plugin_id: str, version: str, publisher: str, path: str, sha256: str,
                          wheel_file: Path, current: str | None) -> InstallResult:
        base = site_plugins_dir(self.home) / plugin_id
        target = base / version
        partial = base / f".{version}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        completed = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                                    "--no-compile", "--disable-pip-version-check", "--target", str(partial),
                                    str(wheel_file)], capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            raise self._refuse(plugin_id, version, f"pip could not install the verified wheel: "
                               f"{completed.stderr.strip()[-300:]}", "pip")
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
        record = find_record(target)
        if record is None:
            raise self._refuse(plugin_id, version, "the installed wheel has no RECORD", "pip")
        previous_row = PluginInstall.get_or_none(PluginInstall.plugin_id == plugin_id)
        with transaction():
            values = {"version": version, "publisher": publisher, "target_path": path, "wheel_sha256": sha256,
                      "record_sha256": sha256_file(record), "previous_version": current,
                      "installed_at": self.station.clock(),
                      "last_outcome": json.dumps({"version": version, "outcome": "installing"})}
            (PluginInstall.insert(plugin_id=plugin_id, **values)
             .on_conflict(conflict_target=[PluginInstall.plugin_id],
                          update={getattr(PluginInstall, k): v for k, v in values.items()}).execute())
            self.station.audit.record("plugin.install.switched", actor=self.actor, object_ref=f"plugin:{plugin_id}",
                                      details={"version": version, "previous": current or ""})
        _point(base, version)
        report = self.probe(self.home, plugin_id)
        if report.get("state") not in ("active", "disabled"):
            reason = "; ".join(report.get("reasons") or []) or str(report.get("state"))
            self._restore(base, plugin_id, version, current, previous_row)
            self._audit("plugin.install.rolled_back", plugin_id, outcome="failed", version=version,
                        back_to=current or "", reason=reason)
            self._remember(plugin_id, version, "rolled_back", reason)
            back = f"returned to {current}" if current else "removed it"
            raise InstallFailed(f"{plugin_id} {version} failed to start ({reason[:300]}); the station {back}")
        action = "install" if current is None else (
            "upgrade" if _version_key(version) > _version_key(current) else "downgrade")
        self._audit(f"plugin.{action}", plugin_id, version=version, previous=current or "", publisher=publisher,
                    sha256=sha256)
        self._remember(plugin_id, version, "installed")
        _prune(base, keep={version, current})
        return InstallResult(plugin_id, version, publisher, current, action)

    def _restore(self, base: Path, plugin_id: str, version: str, current: str | None, row: Any) -> None:
        if current is not None and (base / current).is_dir():
            _point(base, current)
        else:
            (base / CURRENT).unlink(missing_ok=True)
        shutil.rmtree(base / version, ignore_errors=True)
        with transaction():
            if row is not None:
                row.save()
            else:
                PluginInstall.delete().where(PluginInstall.plugin_id == plugin_id).execute()
                PluginInstall.insert(plugin_id=plugin_id, version="", publisher="", target_path="", wheel_sha256="",
                                     record_sha256="", installed_at=self.station.clock()).execute()

    # ---- uninstall -------------------------------------------------------------------

    def uninstall(self, plugin_id: str) -> str:
        """Disable the plugin for the site and remove its files (its database tables stay)."""
        row = PluginInstall.get_or_none(PluginInstall.plugin_id == plugin_id)
        base = site_plugins_dir(self.home) / plugin_id
        if row is None or not row.version or not base.is_dir():
            raise InstallRefused(f"{plugin_id} was not installed with `station plugins install` (built-in and "
                                 "hand-installed plugins are removed otherwise)")
        record = self.station.plugins.records.get(plugin_id)
        if record is not None and record.enabled:
            self.station.plugins.set_enabled(plugin_id, False, actor=self.actor)
        (base / CURRENT).unlink(missing_ok=True)
        shutil.rmtree(base, ignore_errors=True)
        with transaction():
            PluginInstall.delete().where(PluginInstall.plugin_id == plugin_id).execute()
            self.station.audit.record("plugin.uninstall", actor=self.actor, object_ref=f"plugin:{plugin_id}",
                                      details={"version": row.version, "publisher": row.publisher})
        return row.version


def _point(base: Path, version: str) -> None:
    """Atomically make ``base/current`` point at ``base/version`` (rename over the old link)."""
    link = base / CURRENT
    temporary = base / ".current.new"
    temporary.unlink(missing_ok=True)
    os.symlink(version, temporary)
    os.replace(temporary, link)


def _prune(base: Path, keep: set[str | None]) -> None:
    """Keep the running and the previous version (for a quick return); remove older ones."""
    for child in base.iterdir():
        if child.is_dir() and not child.is_symlink() and child.name not in keep and not child.name.startswith("."):
            shutil.rmtree(child, ignore_errors=True)


def _version_key(version: str) -> Version:
    try:
        return Version(version)
    except InvalidVersion:
        return Version("0")


def _enrolled_hub_url() -> str:
    from core.fleet.models import HubLink

    link = HubLink.get_or_none(HubLink.id == 1)
    if link is None:
        raise UserInputError("no plugin repository: enrol with a hub (`station hub enrol`) or set "
                             "[plugins] repository in station.toml")
    return link.hub_url
