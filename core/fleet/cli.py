"""``station hub``: enrol with a fleet hub, send heartbeats, replay the outbox, get witnessed."""

from __future__ import annotations

import time
from typing import Any

import click

from core.errors import StationError
from core.station import current_station


def _client(ctx: click.Context) -> tuple[Any, Any]:
    from core.cli_context import station_app as _app
    from core.fleet.client import HubClient

    app = _app(ctx)
    return app, HubClient(current_station(app))


@click.group("hub")
def hub_group() -> None:
    """The fleet hub this station reports to (see docs/fleet.md)."""


@hub_group.command("enrol")
@click.argument("url")
@click.argument("code")
@click.pass_context
def enrol(ctx: click.Context, url: str, code: str) -> None:
    """Register this station's audit key with the hub at URL using a one-time CODE."""
    app, client = _client(ctx)
    with app.app_context():
        link = client.enrol(url, code)
    click.echo(f"enrolled with {link.hub_url} as {link.station_id}; witness key {link.witness_key}")


@hub_group.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """The hub, the messages waiting for it and the last witnessed checkpoint size."""
    app, client = _client(ctx)
    with app.app_context():
        link = client.link()
        click.echo(f"hub {link.hub_url} station {link.station_id}: {client.pending()} messages waiting, "
                   f"witnessed size {link.witnessed_size}")


@hub_group.command("heartbeat")
@click.pass_context
def heartbeat(ctx: click.Context) -> None:
    """Queue the station's health and send what waits (kept for later if the hub is down)."""
    app, client = _client(ctx)
    with app.app_context():
        client.link()
        client.enqueue_heartbeat()
        _flush(client)


@hub_group.command("witness")
@click.pass_context
def witness(ctx: click.Context) -> None:
    """Get the latest audit checkpoint cosigned by the hub's witness."""
    app, client = _client(ctx)
    with app.app_context():
        click.echo(f"checkpoint of size {client.witness()} cosigned")


@hub_group.command("config")
@click.pass_context
def config(ctx: click.Context) -> None:
    """Fetch the hub's desired configuration now, and apply it if it is new and valid."""
    app, client = _client(ctx)
    with app.app_context():
        outcome = client.pull_config()
        _flush(client)
    _say_config(outcome)


@hub_group.command("plugins")
@click.pass_context
def plugins(ctx: click.Context) -> None:
    """Fetch the hub's plugin offers (staged rollouts) and install what changed, signed."""
    app, client = _client(ctx)
    with app.app_context():
        lines = client.pull_plugins()
        _flush(client)
    click.echo("\n".join(lines) if lines else "plugin offers unchanged")


def _say_config(outcome: Any) -> None:
    if outcome.status == "applied":
        click.echo(f"configuration {outcome.version} applied" + "".join(f"\n  {c}" for c in outcome.changes))
    elif outcome.status == "refused":
        click.echo(f"configuration {outcome.version} refused:" + "".join(f"\n  {p}" for p in outcome.problems),
                   err=True)
    else:
        click.echo(f"configuration unchanged (version {outcome.version})")


@hub_group.command("agent")
@click.option("--interval", default=30.0, show_default=True, type=click.FloatRange(min=1),
              help="Seconds between heartbeats.")
@click.option("--once", is_flag=True, help="One round, then exit.")
@click.pass_context
def agent(ctx: click.Context, interval: float, once: bool) -> None:
    """Every INTERVAL seconds: heartbeat, replay the outbox, witness the latest checkpoint,
    apply new desired configuration."""
    app, client = _client(ctx)
    while True:
        with app.app_context():
            client.link()
            client.enqueue_heartbeat()
            client.enqueue_usage_if_due()
            client.enqueue_stats_if_due()
            client.enqueue_observations()
            _flush(client)
            try:
                client.witness()
            except StationError as error:
                click.echo(f"witness: {error}", err=True)
            try:
                for line in client.pull_plugins():
                    click.echo(f"plugins: {line}")
                _flush(client)
            except StationError as error:
                click.echo(f"plugins: {error}", err=True)
            try:
                outcome = client.pull_config()
                if outcome.status != "unchanged":
                    _say_config(outcome)
                    _flush(client)
            except StationError as error:
                click.echo(f"config: {error}", err=True)
        if once:
            return
        time.sleep(interval)


def _flush(client: Any) -> None:
    from core.fleet.client import HubUnreachable

    try:
        sent = client.flush()
    except HubUnreachable as error:
        click.echo(f"{error}; {client.pending()} messages kept in the outbox", err=True)
        return
    click.echo(f"{sent} messages delivered, {client.pending()} waiting")
