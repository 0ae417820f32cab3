"""Helpers for the supply-chain tests: plugin wheels made from tests/fixtures/plugins/fx_example,
a TUF fetcher that reads the hub through Flask's test client, and a station site on disk."""

from __future__ import annotations

import base64
import hashlib
import io
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from tuf.api.exceptions import DownloadHTTPError
from tuf.ngclient.fetcher import FetcherInterface

from core.plugindev.sign import sign_wheels
from core.supply.keys import new_signer, public_key_json, write_private_key
from hub.supply import repository as repo

FX_EXAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "plugins" / "fx_example"
PUBLISHER_NAME = "Example Partner JSC"
FAILING_STARTUP = '''

@hookimpl
def startup(station):  # noqa: F811 — this build's start fails on purpose
    raise RuntimeError("the connector refuses this configuration")
'''


def build_wheel(out: Path, version: str, *, fail_startup: bool = False, publisher: str = PUBLISHER_NAME) -> Path:
    """A wheel of fx_example at ``version`` (manifest changed to match), like `pip wheel` makes."""
    files: dict[str, bytes] = {}
    for path in sorted(FX_EXAMPLE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files[f"fx_example/{path.relative_to(FX_EXAMPLE).as_posix()}"] = path.read_bytes()
    manifest = files["fx_example/manifest.toml"].decode()
    manifest = manifest.replace('version = "2.0.1"', f'version = "{version}"')
    manifest = manifest.replace(f'publisher = "{PUBLISHER_NAME}"', f'publisher = "{publisher}"')
    files["fx_example/manifest.toml"] = manifest.encode()
    if fail_startup:
        files["fx_example/__init__.py"] += FAILING_STARTUP.encode()
    info = f"fx_example-{version}.dist-info"
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: fx-example\nVersion: {version}\n".encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{info}/entry_points.txt"] = b"[citizen_station.plugins]\nfx_example = fx_example\n"
    files[f"{info}/top_level.txt"] = b"fx_example\n"
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    out.mkdir(parents=True, exist_ok=True)
    wheel = out / f"fx_example-{version}-py3-none-any.whl"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), data)
    wheel.write_bytes(buffer.getvalue())
    return wheel


class FlaskFetcher(FetcherInterface):
    """ngclient's HTTP fetcher, reading the hub app through its test client; ``tamper`` may
    replace what an attacker in the middle (or on the hub's disk) would serve."""

    def __init__(self, client, tamper: Callable[[str, bytes], bytes] | None = None) -> None:
        self.client = client
        self.tamper = tamper
        self.urls: list[str] = []

    def _fetch(self, url: str) -> Iterator[bytes]:
        self.urls.append(url)
        path = url.split("://", 1)[1].split("/", 1)[1]
        response = self.client.get("/" + path)
        if response.status_code != 200:
            raise DownloadHTTPError(f"{url}: {response.status_code}", response.status_code)
        body = response.get_data()
        if self.tamper is not None:
            body = self.tamper(url, body)
        return iter([body])


SITE_TOML = """[site]
id = "{site_id}"
name_vi = "Trạm thử"
name_en = "Test station"
address = "1 Test street"

[plugins]
allowed_publishers = {allowed}
repository = "http://hub.test"
"""


def make_site(home: Path, allowed: list[str], site_id: str = "supply-test") -> Path:
    """A real (non-demo) station folder that trusts nothing yet."""
    import json

    home.mkdir(parents=True, exist_ok=True)
    (home / "station.toml").write_text(SITE_TOML.format(site_id=site_id, allowed=json.dumps(allowed)),
                                       encoding="utf-8")
    return home


class Hub:
    """The hub's repository with two registered partners, as their tools would drive it."""

    def __init__(self, app, config, clock, tmp: Path) -> None:
        self.app, self.config, self.clock, self.tmp = app, config, clock, tmp
        self.client = app.test_client()
        self.offline = tmp / "offline"
        self.root_json = repo.init_repository(self.offline, config.secrets_dir, clock(), "test-operator")
        self.keys: dict[str, Path] = {}
        self.current: dict[str, Path | None] = {}
        for publisher, name in (("example-partner", PUBLISHER_NAME), ("other-partner", "Other Partner Co")):
            self.register(publisher, name)

    def online(self) -> repo.OnlineKeys:
        return repo.OnlineKeys.load(self.config.secrets_dir)

    def register(self, publisher: str, name: str) -> None:
        signer = new_signer()
        key = self.tmp / f"{publisher}.pem"
        write_private_key(signer, key)
        self.keys[publisher] = key
        self.current[publisher] = None
        repo.add_publisher(publisher, name, public_key_json(signer.public_key), self.offline / "targets.pem",
                           self.online(), self.clock(), "test-operator")

    def publish(self, publisher: str, *wheels: Path, as_publisher: str | None = None) -> list[str]:
        """``station plugin sign`` by the partner, then ``station-hub publisher upload``."""
        out = self.tmp / f"{publisher}-{time.monotonic_ns()}.json"
        sign_wheels(as_publisher or publisher, list(wheels), self.keys[publisher], self.current[publisher], out)
        added = repo.upload(as_publisher or publisher, out.read_bytes(), {w.name: w.read_bytes() for w in wheels},
                            self.online(), self.clock(), f"partner:{publisher}")
        self.current[publisher] = out
        return added


