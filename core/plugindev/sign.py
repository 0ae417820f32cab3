"""``station plugin keygen`` and ``station plugin sign``: a partner signs its own wheels.

The partner's metadata is a TUF targets role named after the publisher id the hub
registered (``station-hub publisher add``); it lists each wheel at
``plugins/<publisher>/<wheel file name>`` with its length and SHA-256, and is signed with
the partner's key, which never leaves the partner. Signing again adds wheels to the
current metadata (``--metadata``) with a higher version, as TUF requires.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tuf.api.metadata import Metadata, TargetFile, Targets
from tuf.api.serialization import DeserializationError
from tuf.api.serialization.json import JSONSerializer

from core.errors import UserInputError
from core.supply.keys import load_signer
from core.supply.wheel import parse_wheel_name, read_plugin_wheel


def sign_wheels(publisher_id: str, wheels: list[Path], key: Path, current: Path | None, out: Path,
                expires_days: int = 365) -> Metadata:
    """Write ``out``: the publisher's targets metadata listing ``wheels``, signed with ``key``."""
    signer = load_signer(key)
    if current is not None:
        try:
            md = Metadata.from_bytes(current.read_bytes())
        except (DeserializationError, OSError) as exc:
            raise UserInputError(f"{current}: not TUF metadata ({exc})") from None
        if not isinstance(md.signed, Targets):
            raise UserInputError(f"{current}: not a targets role")
        md.signed.version += 1
    else:
        md = Metadata(Targets(version=1))
    for wheel in wheels:
        data = wheel.read_bytes()
        _, version = parse_wheel_name(wheel.name)
        plugin = read_plugin_wheel(data, wheel.name)
        if plugin.manifest.version != version:
            raise UserInputError(f"{wheel.name}: the manifest says version {plugin.manifest.version}")
        path = f"plugins/{publisher_id}/{wheel.name}"
        info = TargetFile.from_data(path, data, ["sha256"])
        info.unrecognized_fields["custom"] = {"plugin_id": plugin.plugin_id, "version": version,
                                              "publisher": plugin.manifest.publisher}
        md.signed.targets[path] = info
    md.signed.expires = (datetime.now(UTC) + timedelta(days=expires_days)).replace(microsecond=0)
    md.signatures.clear()
    md.sign(signer)
    out.write_bytes(md.to_bytes(JSONSerializer(compact=False)))
    return md
