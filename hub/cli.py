"""The ``station-hub`` command: init-db, enrol-code, add-staff, run.

Configuration comes from ``HUB_*`` environment variables (see :mod:`hub.config`). Bad
input exits 2 with a message; no command prints a stack trace.
"""

from __future__ import annotations

import sys
import time

import click

from core.errors import StationError
from hub.config import HubConfig, ensure_hub_secrets, load_witness_key


def _config() -> HubConfig:
    return HubConfig.from_env()


@click.group()
def hub() -> None:
    """Citizen Station fleet hub (PostgreSQL): the service stations report to."""


@hub.command("init-db")
def init_db() -> None:
    """Create the secrets (when missing) and apply the hub's database migrations."""
    from hub.db import migrate_hub, open_hub_database

    config = _config()
    ensure_hub_secrets(config.secrets_dir)
    open_hub_database(config.database_url)
    applied = migrate_hub()
    click.echo(f"hub database ready ({len(applied)} migrations applied); witness key: "
               f"{load_witness_key(config).verifier_key()}")


@hub.command("enrol-code")
@click.option("--label", default="", help="A note for staff (which site the code is for).")
def enrol_code(label: str) -> None:
    """Make a one-time enrolment code (valid seven days) for `station hub enrol URL CODE`."""
    from hub.db import open_hub_database
    from hub.service import create_enrolment_code

    open_hub_database(_config().database_url)
    click.echo(create_enrolment_code(time.time(), label))


@hub.command("add-staff")
@click.argument("username")
@click.option("--role", type=click.Choice(["viewer", "operator", "admin"]), default="admin", show_default=True,
              help="viewer sees; operator also acknowledges alerts; admin also changes configuration.")
@click.option("--totp", is_flag=True, help="Require an authenticator code; prints the QR code once.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def add_staff_command(username: str, role: str, totp: bool, password_stdin: bool) -> None:
    """Create a hub console account."""
    from hub.config import load_staff_key
    from hub.db import open_hub_database
    from hub.events import record_event
    from hub.staff import add_staff

    password = sys.stdin.readline().rstrip("\n") if password_stdin else click.prompt(
        "password", hide_input=True, confirmation_prompt=True)
    config = _config()
    open_hub_database(config.database_url)
    uri = add_staff(username, password, time.time(), role=role, with_totp=totp,
                    staff_key=load_staff_key(config) if totp else None)
    record_event(_os_actor(), "staff.add", f"staff:{username}", {"role": role, "totp": totp}, time.time())
    click.echo(f"hub staff {username} added ({role})")
    if uri:
        _show_totp(uri)


@hub.command("totp-reset")
@click.argument("username")
def totp_reset(username: str) -> None:
    """Give USERNAME a new authenticator secret (prints the QR code once)."""
    from hub.config import load_staff_key
    from hub.db import open_hub_database
    from hub.events import record_event
    from hub.staff import reset_totp

    config = _config()
    open_hub_database(config.database_url)
    uri = reset_totp(username, load_staff_key(config))
    record_event(_os_actor(), "staff.totp_reset", f"staff:{username}", {}, time.time())
    _show_totp(uri)


def _show_totp(uri: str) -> None:
    from core.identity.totp_qr import show_totp

    show_totp(uri)


def _os_actor() -> str:
    from core.audit.api import os_actor

    return os_actor()


@hub.command("sweep")
def sweep() -> None:
    """Open an 'offline' alert for each station silent longer than HUB_OFFLINE_MINUTES (run it
    from a timer every minute; the console also sweeps when it shows the fleet)."""
    from hub.db import open_hub_database
    from hub.service import sweep_offline

    config = _config()
    open_hub_database(config.database_url)
    click.echo(f"{sweep_offline(time.time(), config.offline_after)} offline alerts opened")


@hub.group("config")
def config_group() -> None:
    """Desired configuration for the fleet, a group or one station (see docs/fleet.md)."""


@config_group.command("set")
@click.argument("scope")
@click.argument("document", type=click.File("r", encoding="utf-8"))
@click.option("--actor", default=None, help="Who makes the change (default: the operating-system user).")
def config_set(scope: str, document: click.utils.LazyFile, actor: str | None) -> None:
    """Make DOCUMENT (a JSON file, - for standard input) the configuration of SCOPE
    (fleet, group:<name> or station:<id>); prints what changed."""
    import json

    from hub.db import open_hub_database
    from hub.desired_config import set_scope

    try:
        payload = json.load(document)
    except ValueError as error:
        raise click.UsageError(f"{document.name}: not valid JSON ({error})") from None
    open_hub_database(_config().database_url)
    changes = set_scope(scope, payload, actor or _os_actor(), time.time())
    click.echo("\n".join(changes) if changes else "no change")


@config_group.command("show")
@click.argument("scope")
def config_show(scope: str) -> None:
    """Print SCOPE's own document, or a station's effective one (station:<id> --effective)."""
    import json

    from hub.db import ConfigScope, open_hub_database
    from hub.desired_config import check_scope, effective

    open_hub_database(_config().database_url)
    check_scope(scope)
    row = ConfigScope.get_or_none(ConfigScope.scope == scope)
    click.echo(json.dumps(json.loads(row.document) if row else {}, ensure_ascii=False, indent=2, sort_keys=True))
    if scope.startswith("station:"):
        version, merged = effective(scope.split(":", 1)[1])
        click.echo(f"# effective (version {version}):")
        click.echo(json.dumps(merged, ensure_ascii=False, indent=2, sort_keys=True))


@config_group.command("groups")
@click.argument("station_id")
@click.argument("groups", nargs=-1)
def config_groups(station_id: str, groups: tuple[str, ...]) -> None:
    """Put STATION_ID in GROUPS (replacing its groups; none removes it from all)."""
    from hub.db import open_hub_database
    from hub.desired_config import set_groups

    open_hub_database(_config().database_url)
    set_groups(station_id, list(groups), _os_actor(), time.time())
    click.echo(f"{station_id}: groups {', '.join(groups) or 'none'}")


def _add_supply_commands() -> None:
    from hub.supply.cli import publisher_group, rollout_group, tuf_group

    for group in (tuf_group, publisher_group, rollout_group):
        hub.add_command(group)


_add_supply_commands()


@hub.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def run(host: str, port: int, threads: int) -> None:
    """Serve the hub with waitress (run several behind a load balancer, or use gunicorn)."""
    import waitress

    from hub.app import create_app

    waitress.serve(create_app(_config()), host=host, port=port, threads=threads)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``station-hub`` console script."""
    try:
        hub.main(args=argv, prog_name="station-hub", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        return 1
    except StationError as exc:
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
