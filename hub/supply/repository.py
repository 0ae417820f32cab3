"""The hub as a TUF repository (python-tuf's ``tuf.api.metadata``), stored in PostgreSQL.

Roles (docs/supply-chain.md): ``root`` and ``targets`` are signed with keys kept offline
(``station-hub tuf init`` writes them to a folder the operator moves away); ``snapshot``
and ``timestamp`` are signed online with keys in ``HUB_SECRETS``; each partner publisher
is a delegated targets role named after it, trusted for ``plugins/<publisher>/*`` only
(terminating), signed with the partner's own key, which the hub never holds.

Every signed version of every role is kept in ``hub_tuf_metadata`` byte for byte, and
every wheel in ``hub_tuf_targets``, so any number of stateless hub processes serve the same
repository. Writers take one PostgreSQL advisory lock for the whole change, so two hub
processes can never sign two different snapshots with the same version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from securesystemslib.signer import CryptoSigner
from tuf.api.exceptions import UnsignedMetadataError
from tuf.api.metadata import (
    DelegatedRole,
    Delegations,
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization import DeserializationError
from tuf.api.serialization.json import JSONSerializer

from core.errors import NotFoundError, UserInputError
from core.supply.keys import load_signer, new_signer, parse_public_key, write_private_key
from core.supply.wheel import parse_wheel_name, read_plugin_wheel
from hub.db import Publisher, TufMetadata, TufTarget, hub_database
from hub.events import record_event

DAY = 86400.0
LIFETIMES = {"root": 365 * DAY, "targets": 365 * DAY, "snapshot": 7 * DAY, "timestamp": 1 * DAY}
ONLINE_KEYS = {"snapshot": "tuf-snapshot.pem", "timestamp": "tuf-timestamp.pem"}
TOP_ROLES = ("root", "targets", "snapshot", "timestamp")
PUBLISHER_NAME_FIELD = "x-citizen-station-publisher"
LOCK_ID = 190019  # pg_advisory_xact_lock: one writer of the repository at a time
PUBLISHER_ID = r"^[a-z][a-z0-9-]{1,40}$"


class RepositoryError(UserInputError):
    """A repository change was refused; the message names the reason."""


def _expiry(now: float, role: str) -> datetime:
    return datetime.fromtimestamp(int(now + LIFETIMES[role]), UTC)


def _serialize(md: Metadata) -> bytes:
    return md.to_bytes(JSONSerializer(compact=False))


# ---- storage ---------------------------------------------------------------------------


def latest(role: str) -> Metadata | None:
    """The newest stored version of ``role`` (None when there is none yet)."""
    row = TufMetadata.select().where(TufMetadata.role == role).order_by(TufMetadata.version.desc()).first()
    return Metadata.from_bytes(bytes(row.body)) if row is not None else None


def _require(role: str) -> Metadata:
    md = latest(role)
    if md is None:
        raise RepositoryError("the hub has no TUF repository yet: run `station-hub tuf init --offline-dir DIR`")
    return md


def _store(role: str, md: Metadata, now: float) -> bytes:
    body = _serialize(md)
    TufMetadata.create(role=role, version=md.signed.version, body=body, expires=md.signed.expires.timestamp(),
                       created_at=now)
    return body


def metadata_body(role: str, version: int | None) -> bytes | None:
    """The stored bytes of ``role`` at ``version`` (or the newest), for serving."""
    query = TufMetadata.select(TufMetadata.body).where(TufMetadata.role == role)
    if version is not None:
        query = query.where(TufMetadata.version == version)
    row = query.order_by(TufMetadata.version.desc()).first()
    return bytes(row.body) if row is not None else None


def target_body(path: str, sha256: str) -> bytes | None:
    """The stored wheel at target ``path`` when its SHA-256 is ``sha256`` (consistent snapshot)."""
    row = TufTarget.get_or_none(TufTarget.path == path, TufTarget.sha256 == sha256)
    return bytes(row.body) if row is not None else None


def _lock() -> None:
    hub_database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (LOCK_ID,))


# ---- keys ------------------------------------------------------------------------------


@dataclass
class OnlineKeys:
    """The snapshot and timestamp signers kept on the hub (``HUB_SECRETS``)."""

    snapshot: CryptoSigner
    timestamp: CryptoSigner

    @classmethod
    def load(cls, secrets_dir: Path) -> OnlineKeys:
        return cls(load_signer(secrets_dir / ONLINE_KEYS["snapshot"]),
                   load_signer(secrets_dir / ONLINE_KEYS["timestamp"]))


def _check_signer(root: Root, role: str, signer: CryptoSigner) -> None:
    if signer.public_key.keyid not in root.roles[role].keyids:
        raise RepositoryError(f"the key given is not a {role} key of this repository (key id "
                              f"{signer.public_key.keyid[:16]}…); use the {role} key written by `tuf init`")


# ---- init ------------------------------------------------------------------------------


def init_repository(offline_dir: Path, secrets_dir: Path, now: float, actor: str,
                    root_keys: int = 1, root_threshold: int = 1) -> Path:
    """Create root, targets, snapshot and timestamp; root and targets keys go to ``offline_dir``
    (with ``1.root.json``, the trust anchor stations are given), online keys to ``secrets_dir``.
    Returns the path of ``1.root.json``."""
    if not 1 <= root_threshold <= root_keys <= 9:
        raise UserInputError("need 1 <= --root-threshold <= --root-keys <= 9")
    with hub_database.atomic():
        _lock()
        if latest("root") is not None:
            raise RepositoryError("the TUF repository already exists (rotate keys with `station-hub tuf rotate`)")
        root = Root(expires=_expiry(now, "root"), consistent_snapshot=True)
        root_signers = [new_signer() for _ in range(root_keys)]
        for signer in root_signers:
            root.add_key(signer.public_key, "root")
        root.roles["root"].threshold = root_threshold
        signers = {"targets": new_signer(), "snapshot": new_signer(), "timestamp": new_signer()}
        for role, signer in signers.items():
            root.add_key(signer.public_key, role)
        for index, signer in enumerate(root_signers, 1):
            write_private_key(signer, offline_dir / f"root-{index}.pem")
        write_private_key(signers["targets"], offline_dir / "targets.pem")
        for role in ("snapshot", "timestamp"):
            write_private_key(signers[role], secrets_dir / ONLINE_KEYS[role])
        root_md = Metadata(root)
        for signer in root_signers:
            root_md.sign(signer, append=True)
        body = _store("root", root_md, now)
        (offline_dir / "1.root.json").write_bytes(body)
        targets_md = Metadata(Targets(expires=_expiry(now, "targets"),
                                      delegations=Delegations(keys={}, roles={})))
        targets_md.sign(signers["targets"])
        _store("targets", targets_md, now)
        _publish(now, OnlineKeys(signers["snapshot"], signers["timestamp"]), {"targets.json": 1})
        record_event(actor, "tuf.init", "tuf:root", {"root_keys": root_keys, "root_threshold": root_threshold},
                     now)
    return offline_dir / "1.root.json"


# ---- snapshot and timestamp (online) ---------------------------------------------------


def _publish(now: float, keys: OnlineKeys, changed: dict[str, int]) -> None:
    """A new snapshot with ``changed`` role versions, and a new timestamp pointing at it."""
    root = _require("root").signed
    _check_signer(root, "snapshot", keys.snapshot)
    _check_signer(root, "timestamp", keys.timestamp)
    old = latest("snapshot")
    snapshot = old.signed if old is not None else Snapshot(version=1, meta={})
    if old is not None:
        snapshot.version += 1
    snapshot.meta.update({name: MetaFile(version) for name, version in changed.items()})
    snapshot.expires = _expiry(now, "snapshot")
    snapshot_md = Metadata(snapshot)
    snapshot_md.sign(keys.snapshot)
    _store("snapshot", snapshot_md, now)
    _new_timestamp(now, keys, snapshot.version)


def _new_timestamp(now: float, keys: OnlineKeys, snapshot_version: int) -> None:
    old = latest("timestamp")
    timestamp = old.signed if old is not None else Timestamp(version=1)
    if old is not None:
        timestamp.version += 1
    timestamp.snapshot_meta = MetaFile(snapshot_version)
    timestamp.expires = _expiry(now, "timestamp")
    md = Metadata(timestamp)
    md.sign(keys.timestamp)
    _store("timestamp", md, now)


def refresh_timestamp(now: float, keys: OnlineKeys, actor: str = "timer") -> dict[str, int]:
    """Re-sign the timestamp (always) and the snapshot (when less than half its life is left):
    run it from a timer well inside the timestamp's lifetime (docs: hourly). Without it the
    stations refuse the repository once the timestamp expires — that is TUF's freeze defence."""
    with hub_database.atomic():
        _lock()
        snapshot = _require("snapshot")
        left = snapshot.signed.expires.timestamp() - now
        if left < LIFETIMES["snapshot"] / 2:
            _publish(now, keys, {})
        else:
            _new_timestamp(now, keys, snapshot.signed.version)
        versions = {"snapshot": _require("snapshot").signed.version, "timestamp": _require("timestamp").signed.version}
        record_event(actor, "tuf.timestamp", "tuf:timestamp", versions, now)
    return versions


# ---- publishers (delegations signed with the offline targets key) ----------------------


def add_publisher(publisher_id: str, name: str, public_key_text: str, targets_key: Path, keys: OnlineKeys,
                  now: float, actor: str, replace: bool = False) -> Publisher:
    """Delegate ``plugins/<publisher_id>/*`` to the partner's key (a new targets version,
    signed with the offline targets key). ``replace`` rotates an existing publisher's key."""
    import re

    if not re.fullmatch(PUBLISHER_ID, publisher_id):
        raise UserInputError("publisher id: 2-41 characters a-z, 0-9, '-', starting with a letter")
    if not name.strip() or len(name) > 200:
        raise UserInputError("publisher name: the company name exactly as in its plugins' manifests (1-200)")
    key = parse_public_key(public_key_text)
    signer = load_signer(targets_key)
    with hub_database.atomic():
        _lock()
        _check_signer(_require("root").signed, "targets", signer)
        existing = Publisher.get_or_none(Publisher.id == publisher_id)
        if existing is not None and existing.removed_at is None and not replace:
            raise RepositoryError(f"publisher {publisher_id} is already registered (use --replace to rotate its key)")
        targets_md = _require("targets")
        targets = targets_md.signed
        delegations = targets.delegations or Delegations(keys={}, roles={})
        old_role = delegations.roles.get(publisher_id) if delegations.roles else None
        if old_role is not None:
            for keyid in old_role.keyids:
                if not any(keyid in r.keyids for n, r in delegations.roles.items() if n != publisher_id):
                    delegations.keys.pop(keyid, None)
        delegations.keys[key.keyid] = key
        delegations.roles[publisher_id] = DelegatedRole(
            publisher_id, [key.keyid], 1, True, [f"plugins/{publisher_id}/*"],
            unrecognized_fields={PUBLISHER_NAME_FIELD: name.strip()})
        targets.delegations = delegations
        _bump_targets(targets_md, signer, keys, now)
        (Publisher.insert(id=publisher_id, name=name.strip(), keyid=key.keyid,
                          public_key=json.dumps(key.to_dict(), sort_keys=True), added_at=now, removed_at=None)
         .on_conflict(conflict_target=[Publisher.id],
                      update={Publisher.name: name.strip(), Publisher.keyid: key.keyid,
                              Publisher.public_key: json.dumps(key.to_dict(), sort_keys=True),
                              Publisher.added_at: now, Publisher.removed_at: None})
         .execute())
        record_event(actor, "publisher.replace_key" if old_role is not None else "publisher.add",
                     f"publisher:{publisher_id}", {"name": name.strip(), "keyid": key.keyid}, now)
    return Publisher.get(Publisher.id == publisher_id)


def remove_publisher(publisher_id: str, targets_key: Path, keys: OnlineKeys, now: float, actor: str) -> None:
    """Withdraw the delegation: stations stop trusting anything the publisher signed."""
    signer = load_signer(targets_key)
    with hub_database.atomic():
        _lock()
        _check_signer(_require("root").signed, "targets", signer)
        targets_md = _require("targets")
        delegations = targets_md.signed.delegations
        if delegations is None or publisher_id not in (delegations.roles or {}):
            raise NotFoundError(f"no publisher {publisher_id}")
        role = delegations.roles.pop(publisher_id)
        for keyid in role.keyids:
            if not any(keyid in r.keyids for r in delegations.roles.values()):
                delegations.keys.pop(keyid, None)
        _bump_targets(targets_md, signer, keys, now)
        Publisher.update(removed_at=now).where(Publisher.id == publisher_id).execute()
        record_event(actor, "publisher.remove", f"publisher:{publisher_id}", {}, now)


def _bump_targets(targets_md: Metadata, signer: CryptoSigner, keys: OnlineKeys, now: float) -> None:
    targets_md.signed.version += 1
    targets_md.signed.expires = _expiry(now, "targets")
    targets_md.signatures.clear()
    targets_md.sign(signer)
    _store("targets", targets_md, now)
    _publish(now, keys, {"targets.json": targets_md.signed.version})


# ---- uploads (metadata signed by the partner, and its wheels) --------------------------


def upload(publisher_id: str, metadata: bytes, wheels: dict[str, bytes], keys: OnlineKeys, now: float,
           actor: str) -> list[str]:
    """Publish a partner's new role metadata and the wheels it lists; returns the new target paths.

    Refused (nothing stored) when the publisher is unknown, the metadata is not signed by
    its delegated key, is not newer than what the hub has, has expired, lists a path outside
    ``plugins/<publisher>/`` or a wheel that is missing, differs from its hashes, changes an
    already published wheel, or whose manifest names another plugin, version or publisher.
    """
    try:
        md = Metadata.from_bytes(metadata)
    except DeserializationError as exc:
        raise RepositoryError(f"the metadata is not TUF targets metadata: {exc}") from None
    if not isinstance(md.signed, Targets):
        raise RepositoryError("the metadata must be a targets role (made by `station plugin sign`)")
    with hub_database.atomic():
        _lock()
        targets_md = _require("targets")
        delegations = targets_md.signed.delegations
        role = (delegations.roles or {}).get(publisher_id) if delegations else None
        publisher = Publisher.get_or_none(Publisher.id == publisher_id, Publisher.removed_at.is_null())
        if role is None or publisher is None:
            raise RepositoryError(f"unknown publisher {publisher_id!r}: the hub has no delegation for it "
                                  "(register it with `station-hub publisher add`)")
        try:
            targets_md.verify_delegate(publisher_id, md)
        except UnsignedMetadataError:
            raise RepositoryError(f"the metadata is not signed by publisher {publisher_id}'s registered key") from None
        if md.signed.is_expired(datetime.fromtimestamp(now, UTC)):
            raise RepositoryError("the metadata has already expired; sign it again")
        current = latest(publisher_id)
        if current is not None and md.signed.version <= current.signed.version:
            raise RepositoryError(f"metadata version {md.signed.version} is not newer than the published "
                                  f"{current.signed.version} (sign with --metadata of the current version)")
        added = []
        for path, info in md.signed.targets.items():
            if not role.is_delegated_path(path):
                raise RepositoryError(f"{path}: outside plugins/{publisher_id}/ — a publisher signs only its own "
                                      "plugins")
            stored = TufTarget.get_or_none(TufTarget.path == path)
            if stored is not None:
                if stored.sha256 != info.hashes.get("sha256"):
                    raise RepositoryError(f"{path} is already published with other content; a published version "
                                          "never changes (publish a new version)")
                continue
            filename = path.rsplit("/", 1)[1]
            data = wheels.get(filename)
            if data is None:
                raise RepositoryError(f"{path} is listed but its wheel {filename} was not uploaded")
            try:
                info.verify_length_and_hashes(data)
            except Exception:  # tuf raises LengthOrHashMismatchError
                raise RepositoryError(f"{filename} does not match the hashes its metadata lists") from None
            _check_wheel(filename, data, publisher.name)
            TufTarget.create(path=path, sha256=info.hashes["sha256"], length=info.length, body=data,
                             publisher=publisher_id, uploaded_at=now)
            added.append(path)
        _store(publisher_id, md, now)
        _publish(now, keys, {f"{publisher_id}.json": md.signed.version})
        record_event(actor, "publisher.upload", f"publisher:{publisher_id}",
                     {"version": md.signed.version, "targets": added}, now)
    return added


def _check_wheel(filename: str, data: bytes, publisher_name: str) -> None:
    name, version = parse_wheel_name(filename)
    wheel = read_plugin_wheel(data, filename)
    if wheel.manifest.version != version:
        raise RepositoryError(f"{filename}: the manifest says version {wheel.manifest.version}")
    if wheel.manifest.publisher != publisher_name:
        raise RepositoryError(f"{filename}: the manifest's publisher {wheel.manifest.publisher!r} is not "
                              f"{publisher_name!r}, the registered name of this publisher")


def publishers() -> list[Publisher]:
    """Registered publishers (including removed ones, marked)."""
    return list(Publisher.select().order_by(Publisher.id))


def plugin_versions(plugin_id: str) -> list[tuple[str, str]]:
    """``(publisher, version)`` of every published wheel of ``plugin_id``."""
    found = []
    for row in TufTarget.select(TufTarget.path, TufTarget.publisher):
        name, version = parse_wheel_name(row.path.rsplit("/", 1)[1])
        if name == plugin_id:
            found.append((row.publisher, version))
    return found


def target_file(path: str, data: bytes) -> TargetFile:
    """A TUF target entry for ``data`` (used by ``station plugin sign``)."""
    return TargetFile.from_data(path, data, ["sha256"])


# ---- key rotation ----------------------------------------------------------------------


def rotate(role: str, offline_dir: Path, secrets_dir: Path, now: float, actor: str) -> Path:
    """Replace ``role``'s key with a new one (TUF key rotation): a new root version lists the
    new key and is signed by the current root keys (and, for root, also by the new one, so
    stations walk the chain). The new private key is written beside the old one."""
    if role not in TOP_ROLES:
        raise UserInputError(f"role must be one of {', '.join(TOP_ROLES)}")
    old_root_signers = [load_signer(p) for p in sorted(offline_dir.glob("root-*.pem"))]
    with hub_database.atomic():
        _lock()
        root_md = _require("root")
        root = root_md.signed
        usable = [s for s in old_root_signers if s.public_key.keyid in root.roles["root"].keyids]
        if len(usable) < root.roles["root"].threshold:
            raise RepositoryError(f"{offline_dir} holds {len(usable)} of the {root.roles['root'].threshold} root "
                                  "keys needed to sign a new root")
        signer = new_signer()
        for keyid in list(root.roles[role].keyids):
            root.revoke_key(keyid, role)
        root.add_key(signer.public_key, role)
        root.roles[role].threshold = 1  # a rotation leaves one new key per role
        if role in ONLINE_KEYS:
            path = secrets_dir / ONLINE_KEYS[role]
            path.replace(path.with_suffix(f".{root.version}.retired"))
        elif role == "root":
            path = offline_dir / f"root-{root.version + 1}-{signer.public_key.keyid[:8]}.pem"
            for old in offline_dir.glob("root-*.pem"):
                if old != path:
                    old.replace(old.with_suffix(".retired"))
        else:
            path = offline_dir / f"{role}.pem"
            path.replace(path.with_suffix(f".{root.version}.retired"))
        write_private_key(signer, path)
        root.version += 1
        root.expires = _expiry(now, "root")
        new_md = Metadata(root)
        for old in usable:
            new_md.sign(old, append=True)
        if role == "root":
            new_md.sign(signer, append=True)
        _store("root", new_md, now)
        record_event(actor, "tuf.rotate", f"tuf:{role}", {"root_version": root.version,
                                                           "keyid": signer.public_key.keyid}, now)
        # re-sign what the rotated key signs, so stations see it at once
        if role in ONLINE_KEYS:
            _publish(now, OnlineKeys.load(secrets_dir), {})
        elif role == "targets":
            _bump_targets(_require("targets"), signer, OnlineKeys.load(secrets_dir), now)
    return path
