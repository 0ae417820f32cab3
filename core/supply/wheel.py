"""Read a plugin wheel without installing or importing it: its plugin id and manifest.

A wheel is a zip file; the plugin is the entry point in ``citizen_station.plugins`` of its
``*.dist-info/entry_points.txt``, and its manifest is ``<module>/manifest.toml`` beside the
module's ``__init__.py``. Pure: bytes in, values out.
"""

from __future__ import annotations

import configparser
import io
import re
import tomllib
import zipfile
from dataclasses import dataclass

from core.errors import ManifestError, UserInputError
from core.manifest import Manifest, parse_manifest

ENTRY_POINT_GROUP = "citizen_station.plugins"
WHEEL_NAME = re.compile(r"^(?P<name>[A-Za-z0-9_.]+)-(?P<version>[0-9][A-Za-z0-9_.+!]*)-[^-]+-[^-]+-[^-]+\.whl$")


class WheelError(UserInputError):
    """The file is not a plugin wheel the station can read."""


@dataclass(frozen=True)
class PluginWheel:
    """What a wheel says about the plugin inside it."""

    plugin_id: str
    module: str
    manifest: Manifest


def parse_wheel_name(filename: str) -> tuple[str, str]:
    """``fx_example-2.0.1-py3-none-any.whl`` → ``("fx_example", "2.0.1")``."""
    match = WHEEL_NAME.match(filename)
    if not match:
        raise WheelError(f"{filename}: not a wheel file name (NAME-VERSION-py3-none-any.whl)")
    return match.group("name"), match.group("version")


def read_plugin_wheel(data: bytes, filename: str = "wheel") -> PluginWheel:
    """The plugin id, module and validated manifest of the wheel ``data``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise WheelError(f"{filename}: not a wheel (not a zip file)") from None
    with archive:
        names = archive.namelist()
        entry_files = [n for n in names if n.count("/") == 1 and n.endswith(".dist-info/entry_points.txt")]
        if len(entry_files) != 1:
            raise WheelError(f"{filename}: no entry_points.txt declaring a {ENTRY_POINT_GROUP} plugin")
        parser = configparser.ConfigParser()
        parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep the case of names
        parser.read_string(archive.read(entry_files[0]).decode("utf-8"))
        if not parser.has_section(ENTRY_POINT_GROUP) or len(parser[ENTRY_POINT_GROUP]) != 1:
            raise WheelError(f"{filename}: must declare exactly one {ENTRY_POINT_GROUP} entry point")
        [(plugin_id, value)] = parser[ENTRY_POINT_GROUP].items()
        module = value.partition(":")[0].strip()
        manifest_name = module.replace(".", "/") + "/manifest.toml"
        if manifest_name not in names:
            raise WheelError(f"{filename}: {manifest_name} is missing from the wheel")
        source = f"{filename}!{manifest_name}"
        try:
            raw = tomllib.loads(archive.read(manifest_name).decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ManifestError(source, f"not valid TOML ({exc})") from None
        manifest = parse_manifest(raw, source)
    if manifest.id != plugin_id:
        raise WheelError(f"{filename}: the manifest's id {manifest.id!r} differs from the entry point {plugin_id!r}")
    return PluginWheel(plugin_id, module, manifest)
