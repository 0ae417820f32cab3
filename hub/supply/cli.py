"""``station-hub tuf …``, ``station-hub publisher …`` and ``station-hub rollout …``."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from hub.config import HubConfig


def _open() -> HubConfig:
    from hub.db import open_hub_database

    config = HubConfig.from_env()
    open_hub_database(config.database_url)
    return config


def _actor() -> str:
    from core.audit.api import os_actor

    return os_actor()


def _online(config: HubConfig):  # OnlineKeys
    from hub.supply.repository import OnlineKeys

    return OnlineKeys.load(config.secrets_dir)


@click.group("tuf")
def tuf_group() -> None:
    """The hub's TUF repository of signed plugin wheels (docs/supply-chain.md)."""


@tuf_group.command("init")
@click.option("--offline-dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Where the root and targets keys are written; move it OFFLINE afterwards.")
@click.option("--root-keys", default=1, show_default=True, type=int, help="How many root keys to make.")
@click.option("--root-threshold", default=1, show_default=True, type=int, help="Root signatures needed.")
def tuf_init(offline_dir: Path, root_keys: int, root_threshold: int) -> None:
    """Create the repository: root, targets (offline keys), snapshot and timestamp (online keys)."""
    from hub.config import ensure_hub_secrets
    from hub.supply.repository import init_repository

    config = _open()
    ensure_hub_secrets(config.secrets_dir)
    root = init_repository(offline_dir, config.secrets_dir, time.time(), _actor(), root_keys, root_threshold)
    click.echo(f"TUF repository created. Root and targets keys: {offline_dir} — copy it to offline media and "
               f"remove it from this machine.\nGive every station {root} (its trust anchor): "
               "`station plugins trust-root 1.root.json`.\nRun `station-hub tuf timestamp` from a timer "
               "every hour (the timestamp expires after one day).")


@tuf_group.command("timestamp")
def tuf_timestamp() -> None:
    """Re-sign the timestamp (and the snapshot when half its life is gone): run hourly."""
    from hub.supply.repository import refresh_timestamp

    config = _open()
    versions = refresh_timestamp(time.time(), _online(config), _actor())
    click.echo(f"timestamp {versions['timestamp']} signed (snapshot {versions['snapshot']})")


@tuf_group.command("rotate")
@click.argument("role", type=click.Choice(["root", "targets", "snapshot", "timestamp"]))
@click.option("--offline-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="The offline folder with the root keys (brought back for this).")
def tuf_rotate(role: str, offline_dir: Path) -> None:
    """Replace ROLE's key (a new root version signed by the current root keys)."""
    from hub.supply.repository import rotate

    config = _open()
    path = rotate(role, offline_dir, config.secrets_dir, time.time(), _actor())
    click.echo(f"{role} key replaced; the new key is {path}")


@tuf_group.command("status")
def tuf_status() -> None:
    """Each top-level role's newest version and expiry."""
    from datetime import UTC, datetime

    from hub.supply.repository import TOP_ROLES, latest

    _open()
    for role in TOP_ROLES:
        md = latest(role)
        if md is None:
            click.echo(f"{role}: none (run `station-hub tuf init`)")
            continue
        left = (md.signed.expires - datetime.now(UTC)).total_seconds() / 3600
        click.echo(f"{role}: version {md.signed.version}, expires {md.signed.expires:%Y-%m-%d %H:%M} UTC "
                   f"({left:.0f} h left)")


@click.group("publisher")
def publisher_group() -> None:
    """Partner publishers: each signs its own plugins (a delegated TUF targets role)."""


@publisher_group.command("add")
@click.argument("publisher_id")
@click.option("--name", required=True, help="The company name exactly as its plugins' manifests say `publisher`.")
@click.option("--key", "key_file", type=click.File("r"), required=True,
              help="The partner's public key (KEY.pub.json from `station plugin keygen`).")
@click.option("--targets-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="The offline targets key (targets.pem from `station-hub tuf init`).")
@click.option("--replace", is_flag=True, help="Rotate the key of a registered publisher.")
def publisher_add(publisher_id: str, name: str, key_file: click.utils.LazyFile, targets_key: Path,
                  replace: bool) -> None:
    """Register PUBLISHER_ID: delegate plugins/PUBLISHER_ID/* to its key."""
    from hub.supply.repository import add_publisher

    config = _open()
    row = add_publisher(publisher_id, name, key_file.read(), targets_key, _online(config), time.time(), _actor(),
                        replace=replace)
    click.echo(f"publisher {row.id} ({row.name}) may sign plugins/{row.id}/* with key {row.keyid[:16]}…")


@publisher_group.command("remove")
@click.argument("publisher_id")
@click.option("--targets-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
def publisher_remove(publisher_id: str, targets_key: Path) -> None:
    """Withdraw PUBLISHER_ID's delegation (its plugins are no longer trusted)."""
    from hub.supply.repository import remove_publisher

    config = _open()
    remove_publisher(publisher_id, targets_key, _online(config), time.time(), _actor())
    click.echo(f"publisher {publisher_id} removed")


@publisher_group.command("upload")
@click.argument("publisher_id")
@click.argument("metadata", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("wheels", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def publisher_upload(publisher_id: str, metadata: Path, wheels: tuple[Path, ...]) -> None:
    """Publish METADATA (signed by the partner with `station plugin sign`) and its WHEELS."""
    from hub.supply.repository import upload

    config = _open()
    added = upload(publisher_id, metadata.read_bytes(), {w.name: w.read_bytes() for w in wheels},
                   _online(config), time.time(), _actor())
    click.echo("published: " + (", ".join(added) if added else "metadata only (no new wheel)"))


@publisher_group.command("list")
def publisher_list() -> None:
    """Registered publishers and their key ids."""
    from hub.supply.repository import publishers

    _open()
    for row in publishers():
        removed = " (removed)" if row.removed_at else ""
        click.echo(f"{row.id:<20} {row.keyid[:16]}…  {row.name}{removed}")


@click.group("rollout")
def rollout_group() -> None:
    """Staged rollouts of plugin versions to the fleet."""


@rollout_group.command("start")
@click.argument("plugin_id")
@click.argument("version")
@click.option("--stages", required=True, help="Comma-separated groups in order, e.g. canary,hoan-kiem,all.")
@click.option("--hold", "hold_minutes", default=60.0, show_default=True, type=click.FloatRange(min=0),
              help="Minutes a stage's stations must report the version healthy before the next stage.")
@click.option("--threshold", default=0.2, show_default=True, type=float,
              help="Halt when more than this share of a stage's stations fail.")
@click.option("--previous", default=None, help="The version a rollback returns to (default: the last rollout's).")
def rollout_start(plugin_id: str, version: str, stages: str, hold_minutes: float, threshold: float,
                  previous: str | None) -> None:
    """Offer PLUGIN_ID VERSION to the first stage."""
    from hub.supply.rollout import rollout_summary, start_rollout

    _open()
    rollout = start_rollout(plugin_id, version, stages.split(","), hold_minutes * 60, threshold, time.time(),
                            _actor(), previous)
    click.echo(json.dumps(rollout_summary(rollout), indent=2))


@rollout_group.command("tick")
def rollout_tick() -> None:
    """Evaluate running rollouts (heartbeats do it too; run from a timer for silent stations)."""
    from hub.supply.rollout import evaluate_all

    config = _open()
    for rollout_id, state in evaluate_all(time.time(), config.offline_after):
        click.echo(f"rollout {rollout_id}: {state}")


@rollout_group.command("show")
@click.argument("rollout_id", type=int)
def rollout_show(rollout_id: int) -> None:
    """A rollout, its stage and every station's state."""
    from core.errors import NotFoundError
    from hub.db import Rollout
    from hub.supply.rollout import rollout_summary

    _open()
    rollout = Rollout.get_or_none(Rollout.id == rollout_id)
    if rollout is None:
        raise NotFoundError(f"no rollout {rollout_id}")
    click.echo(json.dumps(rollout_summary(rollout), indent=2))


@rollout_group.command("rollback")
@click.argument("rollout_id", type=int)
def rollout_rollback(rollout_id: int) -> None:
    """Return every station that received the version to the previous one."""
    from hub.supply.rollout import rollback

    _open()
    rollout = rollback(rollout_id, time.time(), _actor())
    click.echo(f"rollout {rollout.id}: {rollout.plugin_id} back to {rollout.previous_version}")
