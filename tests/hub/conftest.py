"""A throwaway PostgreSQL database per test module, and two hub processes' apps on it."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.audit.merkle import DictNodeStore, Frontier, consistency_proof, root_at
from core.audit.note import Checkpoint, NoteSigner, sign_checkpoint
from core.fleet.httpsig import sign_request
from hub.app import create_app
from hub.config import HubConfig, ensure_hub_secrets
from hub.db import HUB_TABLES, LATER_TABLES, hub_database, migrate_hub, open_hub_database
from sdk.testing import FakeClock, TemporaryPostgresDatabase, require_postgres


@pytest.fixture(scope="module")
def hub_db_url(tmp_path_factory):
    temp = TemporaryPostgresDatabase(require_postgres())
    open_hub_database(temp.url)
    migrate_hub()
    yield temp.url
    hub_database.close()
    temp.drop()


@pytest.fixture
def hub_clock():
    return FakeClock()


@pytest.fixture
def hub_config(hub_db_url, tmp_path):
    secrets = tmp_path / "hub-secrets"
    ensure_hub_secrets(secrets)
    for model in [*reversed(LATER_TABLES), *reversed(HUB_TABLES)]:
        model.delete().execute()
    return HubConfig(hub_db_url, secrets)


@pytest.fixture
def hub_apps(hub_config, hub_clock):
    """Two hub 'processes' (app instances) on the same database, as behind a load balancer."""
    apps = [create_app(hub_config, clock=hub_clock) for _ in range(2)]
    for app in apps:
        app.config["TESTING"] = True
    return apps


class FakeStation:
    """A station's key and audit tree, speaking to the hub like core.fleet does."""

    def __init__(self, site_id: str, clock: FakeClock) -> None:
        self.site_id = site_id
        self.signer = NoteSigner(f"citizen-station/{site_id}", Ed25519PrivateKey.generate())
        self.clock = clock
        self.store = DictNodeStore()
        self.frontier = Frontier()
        self.station_id: str | None = None

    def append(self, count: int) -> None:
        import hashlib

        for _ in range(count):
            self.store.put_many(self.frontier.append(hashlib.sha256(str(self.frontier.size).encode()).digest()))

    @property
    def size(self) -> int:
        return self.frontier.size

    def checkpoint_note(self, size: int | None = None) -> str:
        size = self.size if size is None else size
        return sign_checkpoint(Checkpoint(self.signer.name, size, root_at(self.store, size)), self.signer)

    def add_checkpoint_body(self, old: int, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        proof = consistency_proof(self.store, old, size) if 0 < old < size else []
        import base64

        lines = [f"old {old}"] + [base64.b64encode(h).decode() for h in proof]
        return ("\n".join(lines) + "\n\n" + self.checkpoint_note(size)).encode()

    def signed(self, client, path: str, payload: dict, keyid: str | None = None):
        body = json.dumps(payload).encode()
        headers = sign_request("POST", f"http://localhost{path}", body, self.signer.private_key,
                               keyid or self.station_id, int(self.clock()))
        return client.post(path, data=body, headers={**headers, "Content-Type": "application/json"})

    def enrol(self, client, code: str):
        response = self.signed(client, "/api/v1/enrol", {"code": code, "site_id": self.site_id,
                                                         "verifier_key": self.signer.verifier_key.encode()}, "enrol")
        if response.status_code == 201:
            self.station_id = response.get_json()["station_id"]
        return response


@pytest.fixture
def make_station(hub_clock):
    return lambda site_id="hn-test-01": FakeStation(site_id, hub_clock)
