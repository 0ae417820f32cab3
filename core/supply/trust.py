"""Which plugins may load: signed (installed through the TUF client), built in, or unsigned.

A plugin installed with ``station plugins install`` lives in ``SITE/plugins/<id>/<version>/``
with ``SITE/plugins/<id>/current`` pointing at the version in use; those ``current`` folders
are added to the discovery path (:func:`site_plugin_paths`). At every start each such plugin
is checked against its install record: the installed ``RECORD`` must be the one installed
from the verified wheel, and every file it lists must still have its hash. Anything else that
is not built in — a package pip-installed by hand, a development folder from ``[plugins]
paths`` — has no valid signature and loads only when the site's ``[plugins] allow_unsigned``
is true (audited when it changes, shown in the console and reported to the hub).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import peewee

PLUGINS_DIR = "plugins"
CURRENT = "current"


def site_plugins_dir(home: Path) -> Path:
    """``SITE/plugins``: versioned installs of signed plugins."""
    return home / PLUGINS_DIR


_ADDED: set[str] = set()


def site_plugin_paths(home: Path) -> list[Path]:
    """Every installed plugin's ``current`` folder, added to ``sys.path`` so entry points see it
    (and those of another site this process opened before, removed)."""
    root = site_plugins_dir(home)
    paths = [child / CURRENT for child in sorted(root.iterdir()) if (child / CURRENT).is_dir()] \
        if root.is_dir() else []
    wanted = {str(path) for path in paths}
    for stale in _ADDED - wanted:
        while stale in sys.path:
            sys.path.remove(stale)
    _ADDED.intersection_update(wanted)
    for path in sorted(wanted):
        if path not in sys.path:
            sys.path.append(path)
            _ADDED.add(path)
    return paths


@dataclass(frozen=True)
class Signature:
    """What the station knows about a plugin's origin."""

    signed: bool
    text: str  # "built-in", "signed by <publisher>", or why it is not signed


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def find_record(folder: Path) -> Path | None:
    """The ``*.dist-info/RECORD`` of the one distribution installed in ``folder``."""
    records = sorted(folder.glob("*.dist-info/RECORD"))
    return records[0] if len(records) == 1 else None


def verify_installed_files(folder: Path, expected_record_sha256: str) -> str | None:
    """None when ``folder`` holds exactly what was installed; else what differs."""
    record = find_record(folder)
    if record is None:
        return "the installed package has no RECORD"
    if sha256_file(record) != expected_record_sha256:
        return f"{record.relative_to(folder)} differs from the one installed from the signed wheel"
    for row in csv.reader(io.StringIO(record.read_text(encoding="utf-8"))):
        if len(row) < 2 or not row[1]:
            continue  # RECORD itself and compiled files carry no hash
        name, hash_field = row[0], row[1]
        algorithm, _, value = hash_field.partition("=")
        path = folder / name
        if algorithm != "sha256" or ".." in Path(name).parts:
            return f"{name}: unexpected RECORD entry"
        if not path.is_file():
            return f"{name} is missing"
        digest = base64.urlsafe_b64encode(bytes.fromhex(sha256_file(path))).rstrip(b"=").decode()
        if digest != value:
            return f"{name} was changed after it was installed"
    return None


def signature_of(source: str, path: Path | None, plugin_id: str, home: Path) -> Signature:
    """Whether the plugin found at ``path`` (from ``source``) carries a valid signature."""
    if source == "built-in":
        return Signature(True, "built-in")
    current = site_plugins_dir(home) / plugin_id / CURRENT
    if path is not None and current.is_dir() and _inside(path, current):
        from core.supply.models import PluginInstall

        try:
            install = PluginInstall.get_or_none(PluginInstall.plugin_id == plugin_id)
        except peewee.DatabaseError:
            install = None
        if install is None:
            return Signature(False, "no install record for the files in the site's plugin folder")
        problem = verify_installed_files(current.resolve(), install.record_sha256)
        if problem:
            return Signature(False, f"installed files do not match the installed wheel: {problem}")
        if not install.publisher:
            return Signature(False, "installed from a wheel file given by hand (no signature)")
        return Signature(True, f"signed by {install.publisher}")
    if source == "local":
        return Signature(False, "development folder from [plugins] paths (no signature)")
    return Signature(False, "installed by hand, not through `station plugins install` (no signature)")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def record_unsigned_switch(allowed: bool, audit: object, now: float) -> bool:
    """Audit a change of ``[plugins] allow_unsigned`` since the last start; True when changed."""
    from core.audit.log import transaction
    from core.supply.models import PluginSupplyState

    row = PluginSupplyState.get_or_none(PluginSupplyState.id == 1)
    if (row.allow_unsigned if row is not None else False) == allowed:
        if row is None:
            PluginSupplyState.insert(id=1, allow_unsigned=allowed, changed_at=now).on_conflict_ignore().execute()
        return False
    with transaction():
        (PluginSupplyState.insert(id=1, allow_unsigned=allowed, changed_at=now)
         .on_conflict(conflict_target=[PluginSupplyState.id],
                      update={PluginSupplyState.allow_unsigned: allowed, PluginSupplyState.changed_at: now})
         .execute())
        audit.record("plugins.unsigned_allowed" if allowed else "plugins.unsigned_refused",  # type: ignore[attr-defined]
                     actor="station.toml", object_ref="plugins:allow_unsigned", details={"allow_unsigned": allowed})
    return True
