"""The station's TUF client: python-tuf's ``ngclient.Updater`` on the site's trusted metadata.

``SITE/tuf/metadata/`` holds the trusted metadata (``root.json`` first: the hub's
``1.root.json``, installed with ``station plugins trust-root``); ngclient walks the root
chain (key rotation), refuses expired metadata (freeze), older versions than it has seen
(rollback) and anything not signed by the delegated keys, and checks every wheel's length
and hashes before writing it to ``SITE/tuf/downloads/``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from tuf.api.metadata import Metadata, Targets
from tuf.ngclient import Updater
from tuf.ngclient.fetcher import FetcherInterface

from core.errors import UserInputError

PUBLISHER_NAME_FIELD = "x-citizen-station-publisher"


def tuf_dir(home: Path) -> Path:
    """``SITE/tuf``."""
    return home / "tuf"


def trust_root(home: Path, root_json: bytes) -> Metadata:
    """Install the hub's root metadata as the site's trust anchor (refused if not self-signed)."""
    try:
        md = Metadata.from_bytes(root_json)
        md.verify_delegate("root", md)
    except Exception as exc:  # any parse or signature failure
        raise UserInputError(f"not a valid, self-signed TUF root metadata file: {exc}") from None
    metadata = tuf_dir(home) / "metadata"
    if metadata.exists():
        shutil.rmtree(metadata)
    metadata.mkdir(parents=True)
    (metadata / "root.json").write_bytes(root_json)
    return md


@dataclass
class PluginRepository:
    """The hub's repository as this station sees it (one refresh per install)."""

    home: Path
    base_url: str
    fetcher: FetcherInterface | None = None

    def __post_init__(self) -> None:
        metadata = tuf_dir(self.home) / "metadata"
        if not (metadata / "root.json").exists():
            raise UserInputError("this station trusts no plugin repository yet: get the hub's 1.root.json from "
                                 "its operator and run `station plugins trust-root 1.root.json`")
        downloads = tuf_dir(self.home) / "downloads"
        downloads.mkdir(parents=True, exist_ok=True)
        base = self.base_url.rstrip("/")
        self.updater = Updater(str(metadata), f"{base}/tuf/metadata/", str(downloads), f"{base}/tuf/targets/",
                               fetcher=self.fetcher, bootstrap=None)  # root.json from trust-root
        self.metadata_dir = metadata
        self.downloads = downloads

    def refresh(self) -> None:
        """Fetch and verify timestamp → snapshot → targets (raises tuf's errors)."""
        self.updater.refresh()

    def _trusted(self, role: str) -> Metadata | None:
        """A role's metadata that ngclient verified and stored in this refresh."""
        path = self.metadata_dir / f"{role}.json"
        return Metadata.from_file(str(path)) if path.exists() else None

    def publishers(self) -> dict[str, str]:
        """Publisher id → registered company name, from the verified top-level targets."""
        targets = self._trusted("targets")
        if targets is None or not isinstance(targets.signed, Targets) or targets.signed.delegations is None:
            return {}
        roles = targets.signed.delegations.roles or {}
        return {name: str(role.unrecognized_fields.get(PUBLISHER_NAME_FIELD, "")) for name, role in roles.items()}

    def top_level_lists(self, path: str) -> bool:
        """True when the hub's own targets role lists ``path`` (plugins must come from publishers)."""
        targets = self._trusted("targets")
        return targets is not None and path in targets.signed.targets

    def wheels_of(self, publisher: str, plugin_id: str) -> dict[str, str]:
        """Version → target path of each wheel of ``plugin_id`` the publisher's verified role lists."""
        from core.supply.wheel import WheelError, parse_wheel_name

        try:
            self.updater.get_targetinfo(f"plugins/{publisher}/{plugin_id}-0-py3-none-any.whl")  # loads the role
        except Exception:  # a publisher that never uploaded has no role metadata yet
            return {}
        role = self._trusted(publisher)
        if role is None or not isinstance(role.signed, Targets):
            return {}
        found = {}
        for path in role.signed.targets:
            try:
                name, version = parse_wheel_name(path.rsplit("/", 1)[-1])
            except WheelError:
                continue
            if name == plugin_id and path.startswith(f"plugins/{publisher}/"):
                found[version] = path
        return found

    def role_lists(self, publisher: str, path: str, sha256: str) -> bool:
        """True when the publisher's verified role lists ``path`` with this SHA-256."""
        role = self._trusted(publisher)
        if role is None:
            return False
        info = role.signed.targets.get(path)
        return info is not None and info.hashes.get("sha256") == sha256

    def download(self, path: str) -> tuple[Path, str]:
        """Download and verify the wheel at target ``path``; returns the file and its SHA-256."""
        info = self.updater.get_targetinfo(path)
        if info is None:
            raise UserInputError(f"{path}: no such signed target")
        local = self.downloads / path.rsplit("/", 1)[-1]
        local.unlink(missing_ok=True)
        return Path(self.updater.download_target(info, str(local))), info.hashes["sha256"]
