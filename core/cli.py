"""The ``station`` command: init, run, migrate, plugins, and plugins' own sub-commands.

Bad arguments and unknown ids exit 2 with a message; a failure of the station exits 1;
no command prints a stack trace.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import click

from core import db
from core.audit.api import os_actor
from core.audit.log import transaction
from core.cli_context import station_app, station_home
from core.config import CONFIG_FILENAME, config_from_dict, load_config
from core.demo import DEMO_STATION_TOML
from core.errors import StationError, UserInputError
from core.permissions import STAFF_ROLE_NAMES
from core.plugindev.cli import plugin as plugin_tools
from core.secrets import ensure_secrets
from core.site_template import station_toml
from core.station import current_station

BUILTIN_COMMANDS = ("init", "run", "migrate", "roles", "config", "plugins", "audit", "devices", "users", "vietqr",
                    "privacy", "keys", "payments", "plugin", "hub", "backup", "restore")


class StationGroup(click.Group):
    """The top-level group; unknown sub-command names are looked up among plugins' commands."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None or name in BUILTIN_COMMANDS:
            return command
        return _plugin_command_group(ctx, name)


def _plugin_command_group(ctx: click.Context, plugin_id: str) -> click.Command | None:
    try:
        app = _app(ctx)
    except StationError:
        return None
    station = current_station(app)
    record = station.plugins.records.get(plugin_id)
    if record is None or record.module is None:
        return None
    group = click.Group(plugin_id, help=f"Commands of the {plugin_id} plugin.")
    with app.app_context():
        station.plugins.call_one(plugin_id, "cli_commands", group=group)
    if not group.commands:
        return None
    for command in group.commands.values():
        command.callback = _in_app_context(app, command.callback, plugin_id)
    return group


def _in_app_context(app: Any, callback: Any, plugin_id: str | None = None) -> Any:
    """Run ``callback`` in ``app``'s context, as ``plugin_id`` when it is a plugin's command."""
    from core.plugin_context import acting_as

    def run(*args: Any, **kwargs: Any) -> Any:
        with app.app_context(), acting_as(plugin_id):
            return callback(*args, **kwargs)

    return run


_home = station_home
_app = station_app


@click.group(cls=StationGroup)
@click.option("--home", type=click.Path(file_okay=False), envvar="STATION_HOME",
              help="The station folder (station.toml, database, secrets). Default: $STATION_HOME or ./station-home")
@click.pass_context
def station(ctx: click.Context, home: str | None) -> None:
    """Citizen Station: run and manage one neighbourhood public-service kiosk."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


@station.command()
@click.option("--demo", is_flag=True, help="Write the demo site: all plugins, simulated devices and connectors.")
@click.option("--force", is_flag=True, help="Overwrite an existing station.toml (secrets are never overwritten).")
@click.option("--site-id", default="my-station", show_default=True,
              help="The site's id (a-z, 0-9, '-'), e.g. hn-hoankiem-01.")
@click.option("--name", "name_vi", default="Trạm Công dân số", show_default=True, help="The site's name (Vietnamese).")
@click.option("--name-en", default="Digital Citizen Station", show_default=True, help="The site's name (English).")
@click.option("--address", default="", help="The site's postal address.")
@click.option("--timezone", default="Asia/Ho_Chi_Minh", show_default=True, help="IANA time zone of the site.")
@click.pass_context
def init(ctx: click.Context, demo: bool, force: bool, site_id: str, name_vi: str, name_en: str, address: str,
         timezone: str) -> None:
    """Create a site folder: station.toml, secrets (mode 0600), trust/csca/ and the database."""
    home = _home(ctx)
    home.mkdir(parents=True, exist_ok=True)
    path = home / CONFIG_FILENAME
    wrote = False
    if path.exists() and not force:
        click.echo(f"{path} already exists; keeping it (use --force to overwrite).")
    else:
        text = DEMO_STATION_TOML if demo else station_toml(site_id, name_vi, name_en, address, timezone)
        if demo and ctx.get_parameter_source("site_id") is click.core.ParameterSource.COMMANDLINE:
            # several demo stations side by side (scripts/demo-fleet.sh): each its own audit log origin
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}", site_id):
                raise UserInputError("site.id: must be 2-63 characters a-z, 0-9 or '-'")
            text = text.replace('id = "demo-hoan-kiem-01"', f'id = "{site_id}"', 1)
        config_from_dict(tomllib.loads(text), home, "station init")  # bad --site-id etc. exit 2, nothing written
        path.write_text(text, encoding="utf-8")
        wrote = True
        click.echo(f"wrote {path}")
    from core.startup import check_site, site_has_database

    if site_has_database(load_config(home)):
        check_site(load_config(home))  # never make a new key beside existing data
    created = ensure_secrets(home / "secrets")
    trust = home / "trust" / "csca"
    trust.mkdir(parents=True, exist_ok=True)
    if demo:
        _trust_test_csca(home)
    for name in created:
        click.echo(f"created secret {home / 'secrets' / name} (mode 0600)")
    app = _app(ctx, guarded=False)
    station_ = current_station(app)
    with app.app_context():
        if station_.audit.size() == 0:
            with transaction():
                station_.audit.record("station.init", actor=os_actor(), object_ref=f"site:{station_.config.site_id}",
                                      details={"demo": demo})
    if demo:
        from core.seed import seed_demo

        with app.app_context():
            click.echo(seed_demo(app))
    click.echo(f"station ready in {home}")
    if not demo and (wrote or created):
        click.echo(NEXT_STEPS.format(home=home, log=station_.audit.verifier_key().encode()))


NEXT_STEPS = """
Next steps (docs/operations.md explains each):
  1. Edit {home}/station.toml: the [[devices]] plugged into this kiosk and the [connectors.*]
     of the national and partner systems (`station config show` prints the effective values).
  2. Copy the Ministry of Public Security's CSCA certificates into {home}/trust/csca/
     (chip-card login stays off until there is one).
  3. Create the first manager account:  station --home {home} users add NAME --role manager --totp
  4. Enable the services this station offers:  station --home {home} plugins list / plugins enable ID
  5. Back up {home}/secrets/ now, to a place other than this PC (without it encrypted data is lost).
  6. Start the station:  station --home {home} run   (as a service: deploy/citizen-station.service)
The audit log's verifier key (give it to your inspector through a trusted channel):
  {log}
"""


def _trust_test_csca(home: Path) -> None:
    """The demo trusts the TEST CSCA that signs the simulated cards (never on a real station)."""
    from cryptography.hazmat.primitives import serialization

    from hal.testpki import generate_test_pki

    folder = home / "trust" / "csca"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "TEST-ONLY-simulated-csca.pem"
    if not path.exists():
        path.write_bytes(generate_test_pki().csca_certificate.public_bytes(serialization.Encoding.PEM))
        click.echo(f"demo trust store: {path} (test CSCA of the simulated cards — demo only)")


@station.command()
@click.option("--safe-mode", is_flag=True, help="Load only the built-in plugins of core.builtins.SAFE_MODE_PLUGINS.")
@click.option("--dev", is_flag=True, help="Flask development server with the reloader (not for production).")
@click.option("--host", default=None, help="Address to listen on (default from station.toml).")
@click.option("--port", type=int, default=None, help="Port to listen on (default from station.toml).")
@click.pass_context
def run(ctx: click.Context, safe_mode: bool, dev: bool, host: str | None, port: int | None) -> None:
    """Serve the station (waitress, a production WSGI server)."""
    app = _app(ctx, **({"safe_mode": True} if safe_mode else {}))
    config = current_station(app).config
    host = host or config.server["host"]
    port = port or config.server["port"]
    for record in current_station(app).plugins.records.values():
        if record.state.value == "failed":  # e.g. a station.toml setting its settings_schema refused
            click.echo(f"warning: plugin {record.id} failed: {'; '.join(record.reasons)}", err=True)
    click.echo(f"Citizen Station '{config.site_id}' serving at http://{host}:{port}/", err=False)
    from core.health import startup_notes

    for note in startup_notes(current_station(app)):
        click.echo(f"warning: {note}", err=True)
    sys.stdout.flush()
    if dev:
        app.run(host=host, port=port, debug=True, use_reloader=True)
        return
    import waitress

    from core.payments.reconcile import start_reconciler

    station = current_station(app)
    from core.supply.trust import record_unsigned_switch

    with app.app_context():
        if record_unsigned_switch(config.allow_unsigned, station.audit, station.clock()) or config.allow_unsigned:
            if config.allow_unsigned:
                click.echo("warning: [plugins] allow_unsigned = true — plugins without a valid signature load "
                           "on this site", err=True)
    station.devices.start()
    reconciler = start_reconciler(app)  # settles UNKNOWN payments by asking terminal or bank
    app.config["STATION_RESTART"] = _restart_later
    try:
        waitress.serve(app, host=host, port=port, threads=config.server["threads"], ident="citizen-station",
                       connection_limit=config.server["connection_limit"], backlog=config.server["backlog"])
    finally:
        reconciler.stop()
        app.extensions["payments_cards"].stop()  # the running card exchange may finish; queued ones stay PENDING
        app.extensions["alert_push"].stop()  # deliver what is queued (a few seconds at most)
        station.plugins.shutdown(station.info_for)
        station.devices.stop()
        with app.app_context():
            station.audit.checkpoint()  # a checkpoint on shutdown covers the newest entries


def _restart_later(delay: float = 1.0) -> None:
    """Re-execute this very command line after ``delay`` seconds (the console's "restart").

    The answer to the manager's request is sent first; sockets are not inherited across
    exec (PEP 446), so the new process binds the port afresh.
    """
    import os
    import threading

    def restart() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, "-m", "core.cli", *sys.argv[1:]])

    threading.Timer(delay, restart).start()


def _station_is_running(host: str, port: int) -> bool:
    """True when something answers on the station's address (a running ``station run``)."""
    import socket

    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@station.command()
@click.option("--no-backup", is_flag=True, help="Do not take a backup first (you made one yourself).")
@click.pass_context
def migrate(ctx: click.Context, no_backup: bool) -> None:
    """Apply pending schema migrations of the core and of every enabled plugin (a backup of the
    database is taken first, into <home>/backups)."""
    from core.app import create_app
    from core.startup import check_secret_files

    config = load_config(_home(ctx))
    check_secret_files(config.secrets_dir)
    if _station_is_running(config.server["host"], config.server["port"]):
        click.echo(f"warning: a station is answering at {config.server['host']}:{config.server['port']}; stop it "
                   "first (systemctl stop citizen-station) and take a backup — a running station may write "
                   "to tables while they change", err=True)
    database = db.open_database(config.database_url, config.home)
    db.bind_database(database)
    if not no_backup and db.SchemaMigration.table_exists():
        from core.backup.service import BackupError, backup

        try:
            folder = backup(config, config.home / "backups")
        except BackupError as exc:  # one taken this very second (migrate run twice): that one stands
            click.echo(f"backup: {exc}; using it")
        else:
            click.echo(f"backup taken first: {folder} (restore it with `station restore {folder}` if the "
                       "upgrade goes wrong)")
    from core.privacy.keys import standalone_keys

    with standalone_keys(config.secrets_dir, time.time):  # 0012 encrypts existing payment rows
        applied = db.migrate(db.core_migrations())
    app = create_app(config)  # loading applies each enabled plugin's migrations
    del app
    rows = db.SchemaMigration.select().order_by(db.SchemaMigration.component, db.SchemaMigration.version)
    click.echo(f"applied {len(applied)} core migration(s) now; schema versions:")
    versions: dict[str, int] = {}
    for row in rows:
        versions[row.component] = max(versions.get(row.component, 0), row.version)
    for component, version in sorted(versions.items()):
        click.echo(f"  {component}: {version:04d}")


@station.command("roles")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def roles_command(ctx: click.Context, as_json: bool) -> None:
    """The effective role → permission table (manifest defaults with the site's [roles] applied)."""
    table = current_station(_app(ctx)).policy.table()
    if as_json:
        click.echo(json.dumps(table, indent=2))
        return
    for role, permissions in table.items():
        click.echo(f"{role}:")
        for permission in permissions:
            click.echo(f"  {permission}")


@station.group("config")
def config_group() -> None:
    """The station's configuration."""


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def config_show(ctx: click.Context, as_json: bool) -> None:
    """Every effective setting and where it comes from (station.toml, environment, default).

    Which plugins are enabled is kept in the database (`station plugins list`).
    """
    from core.config import explain_config

    rows = explain_config(_home(ctx))
    if as_json:
        click.echo(json.dumps([{"key": k, "value": v, "source": s} for k, v, s in rows], ensure_ascii=False,
                              indent=2, default=str))
        return
    for key, value, source in rows:
        click.echo(f"{key} = {json.dumps(value, ensure_ascii=False, default=str)}    # {source}")
    click.echo("# enabled plugins: the database decides (`station plugins list`); [plugins] enabled only seeds it")


@station.group()
def plugins() -> None:
    """List, inspect, enable and disable plugins."""


@plugins.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def plugins_list(ctx: click.Context, as_json: bool) -> None:
    """Every plugin with its state, version, publisher and reasons."""
    records = current_station(_app(ctx)).plugins.records.values()
    summaries = [r.summary() for r in sorted(records, key=lambda r: r.id)]
    if as_json:
        click.echo(json.dumps(summaries, ensure_ascii=False, indent=2))
        return
    for s in summaries:
        unsigned = "" if s["signed"] else "  [no valid signature]"
        click.echo(f"{s['id']:<14} {s['state']:<15} {s['version'] or '-':<8} {s['publisher'] or '-'}{unsigned}")
        for reason in s["reasons"]:
            click.echo(f"{'':<14} - {reason}")


@plugins.command("info")
@click.argument("plugin_id")
@click.pass_context
def plugins_info(ctx: click.Context, plugin_id: str) -> None:
    """Everything about one plugin: manifest, state, permissions, devices, data."""
    record = current_station(_app(ctx)).plugins.get(plugin_id)
    info = record.summary()
    if record.manifest:
        info["manifest"] = record.manifest.to_dict()
    info["routes_without_declared_access"] = record.undeclared_routes
    click.echo(json.dumps(info, ensure_ascii=False, indent=2))


def _switch(ctx: click.Context, plugin_id: str, enabled: bool) -> None:
    station = current_station(_app(ctx))
    with _app(ctx).app_context():
        record = station.plugins.set_enabled(plugin_id, enabled, actor=os_actor())
    click.echo(f"{record.id} {'enabled' if enabled else 'disabled'} for site {station.config.site_id}; "
               "a running station picks it up at its next start.")


@plugins.command("enable")
@click.argument("plugin_id")
@click.pass_context
def plugins_enable(ctx: click.Context, plugin_id: str) -> None:
    """Enable a plugin for this site (persisted)."""
    _switch(ctx, plugin_id, True)


@plugins.command("disable")
@click.argument("plugin_id")
@click.pass_context
def plugins_disable(ctx: click.Context, plugin_id: str) -> None:
    """Disable a plugin for this site (persisted)."""
    _switch(ctx, plugin_id, False)


def _attach_supply_commands() -> None:
    from core.supply.cli import add_supply_commands

    add_supply_commands(plugins)


_attach_supply_commands()


@station.group()
def devices() -> None:
    """The site's devices and their status."""


@devices.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def devices_list(ctx: click.Context, as_json: bool) -> None:
    """Open and probe every device of the inventory; show status and reason."""
    station_devices = current_station(_app(ctx)).devices
    try:
        station_devices.probe_all()
        rows = station_devices.statuses()
    finally:
        station_devices.stop()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        simulated = " (simulator)" if row["simulated"] else ""
        click.echo(f"{row['id']:<16} {row['kind']:<17} {row['status']:<10} {row['reason']}{simulated}")


@station.group()
def audit() -> None:
    """Check the tamper-evident audit log (standard formats: JSON Lines, C2SP notes)."""


@audit.command("verify")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--witness", is_flag=True,
              help="Also check the checkpoints the fleet hub's witness cosigned (rollback and fork).")
@click.pass_context
def audit_verify(ctx: click.Context, quiet: bool, witness: bool) -> None:
    """Recompute every leaf and root, check checkpoint signatures and consistency.

    Exit 0 when all holds, 1 naming the first bad entry index or checkpoint.
    """
    app = _app(ctx)
    with app.app_context():
        log = current_station(app).audit
        total = log.size()
        if quiet or total < 1000:
            report = log.verify()
        else:
            with click.progressbar(length=total, label="verifying", file=sys.stderr) as bar:
                report = log.verify(progress=bar.update)
    if not report.ok:
        where = f"entry {report.bad_index}: " if report.bad_index is not None else ""
        click.echo(f"FAILED at {where}{report.problem}", err=True)
        ctx.exit(1)
    click.echo(f"OK: {report.size} entries, {report.checkpoints} signed checkpoints verified")
    if report.unsigned:
        click.echo(f"note: the newest {report.unsigned} entries are not yet covered by a signed checkpoint "
                   "(`station audit checkpoint` makes one)")
    if witness:
        _verify_witnessed(ctx, app)


def _verify_witnessed(ctx: click.Context, app: Any) -> None:
    from core.fleet.models import HubLink
    from core.fleet.witnessed import verify_witnessed

    with app.app_context():
        if HubLink.get_or_none(HubLink.id == 1) is None:
            raise UserInputError("this station is not enrolled with a hub, so nothing is witnessed "
                                 "(`station hub enrol URL CODE`)")
        log = current_station(app).audit
        witnessed = verify_witnessed(log)
        size = log.size()
    for problem in witnessed.problems:
        click.echo(f"FAILED: {problem}", err=True)
    if not witnessed.ok:
        ctx.exit(1)
    if not witnessed.checked:
        click.echo("FAILED: no checkpoint has been cosigned by the witness yet (`station hub witness`)", err=True)
        ctx.exit(1)
    click.echo(f"OK: {witnessed.checked} cosigned checkpoints verified; the witness has seen the first "
               f"{witnessed.newest_size} of {size} entries")


@audit.command("proof")
@click.argument("index", type=click.IntRange(min=0))
@click.pass_context
def audit_proof(ctx: click.Context, index: int) -> None:
    """Inclusion proof of entry INDEX (JSON) relative to the latest signed checkpoint, and
    ("witnessed") to the newest checkpoint the fleet hub's witness cosigned, when there is one."""
    from core.fleet.witnessed import inclusion_with_witness

    app = _app(ctx)
    with app.app_context():
        click.echo(json.dumps(inclusion_with_witness(current_station(app).audit, index), indent=2))


@audit.command("export")
@click.option("--csv", "as_csv", is_flag=True,
              help="CSV for an inspector, times in the station's time zone (with --since/--until).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day (station time zone).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day (station time zone).")
@click.pass_context
def audit_export(ctx: click.Context, as_csv: bool, since: Any, until: Any) -> None:
    """Every entry as JSON Lines, each line exactly the entry's leaf bytes (UTC, as the format
    requires); or, with --csv, the entries of a date range with local and UTC times."""
    app = _app(ctx)
    if as_csv:
        _audit_export_csv(app, since, until)
        return
    out = getattr(sys.stdout, "buffer", None)
    with app.app_context():
        for leaf in current_station(app).audit.export():
            if out is None:
                click.echo(leaf)
            else:
                out.write(leaf.encode("utf-8") + b"\n")
    if out is not None:
        out.flush()


def _audit_export_csv(app: Any, since: Any, until: Any) -> None:
    import csv
    from datetime import date

    from core.console.operations import EXPORT_COLUMNS, export_rows
    from core.formatting import DEFAULT_ZONE

    first = since.date() if since else date.min
    last = until.date() if until else date.max
    if last < first:
        raise click.UsageError("--until is before --since")
    with app.app_context():
        station_ = current_station(app)
        zone = station_.config.site.get("timezone") or DEFAULT_ZONE
        rows = export_rows(first, last, zone, "vi")
        with transaction():
            station_.audit.record("audit.export", actor=os_actor(), object_ref="audit-log",
                                  details={"since": str(first), "until": str(last), "format": "csv"})
    writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)


@audit.command("checkpoint")
@click.pass_context
def audit_checkpoint(ctx: click.Context) -> None:
    """The latest signed checkpoint (C2SP signed note)."""
    app = _app(ctx)
    with app.app_context():
        click.echo(current_station(app).audit.checkpoint(), nl=False)


@audit.command("pubkey")
@click.pass_context
def audit_pubkey(ctx: click.Context) -> None:
    """The station's verifier key: <name>+<key hash>+<base64 key>."""
    click.echo(current_station(_app(ctx)).audit.verifier_key().encode())


@station.group()
def users() -> None:
    """Staff accounts (pharmacist, operator, manager, auditor)."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(STAFF_ROLE_NAMES), help="Repeat for several roles.")
@click.option("--name", default="", help="Display name.")
@click.option("--totp", is_flag=True, help="Require a TOTP code; prints the provisioning URI once.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def users_add(ctx: click.Context, username: str, roles: tuple[str, ...], name: str, totp: bool,
              password_stdin: bool) -> None:
    """Create a staff account."""
    app = _app(ctx)
    password = _read_password(password_stdin)
    station_ = current_station(app)
    with app.app_context(), transaction():
        _, uri = station_.staff.add(username, password, list(roles), name, with_totp=totp)
        station_.audit.record("users.add", actor=os_actor(), object_ref=f"staff:{username}",
                              details={"roles": list(roles), "totp": totp})
    click.echo(f"created {username} ({', '.join(roles)})")
    if uri:
        _show_totp(uri)


@users.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def users_passwd(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """Set a staff member's password."""
    app = _app(ctx)
    password = _read_password(password_stdin)
    station_ = current_station(app)
    with app.app_context(), transaction():
        station_.staff.set_password(username, password)
        station_.audit.record("users.passwd", actor=os_actor(), object_ref=f"staff:{username}")
    click.echo(f"password of {username} changed")


@users.command("disable")
@click.argument("username")
@click.option("--yes", is_flag=True, help="Confirm without a prompt.")
@click.pass_context
def users_disable(ctx: click.Context, username: str, yes: bool) -> None:
    """Disable a staff account (its sessions stop working at once)."""
    if not yes:
        click.confirm(f"Disable {username!r}? Its sessions end now and it cannot log in until enabled again",
                      abort=True)
    app = _app(ctx)
    station_ = current_station(app)
    with app.app_context(), transaction():
        station_.staff.disable(username)
        station_.audit.record("users.disable", actor=os_actor(), object_ref=f"staff:{username}")
    click.echo(f"{username} disabled")


@users.command("enable")
@click.argument("username")
@click.pass_context
def users_enable(ctx: click.Context, username: str) -> None:
    """Let a disabled staff account log in again."""
    app = _app(ctx)
    station_ = current_station(app)
    with app.app_context(), transaction():
        station_.staff.enable(username)
        station_.audit.record("users.enable", actor=os_actor(), object_ref=f"staff:{username}")
    click.echo(f"{username} enabled")


@users.command("remove")
@click.argument("username")
@click.option("--yes", is_flag=True, help="Confirm without a prompt.")
@click.pass_context
def users_remove(ctx: click.Context, username: str, yes: bool) -> None:
    """Delete a staff account and end its sessions (the audit log keeps what it did)."""
    if not yes:
        click.confirm(f"Delete the account {username!r} and end its sessions? This cannot be undone", abort=True)
    app = _app(ctx)
    station_ = current_station(app)
    with app.app_context(), transaction():
        station_.staff.remove(username)
        station_.audit.record("users.remove", actor=os_actor(), object_ref=f"staff:{username}")
    click.echo(f"{username} removed")


@users.command("totp-reset")
@click.argument("username")
@click.option("--off", is_flag=True, help="Stop asking this account for a TOTP code instead.")
@click.option("--yes", is_flag=True, help="Confirm without a prompt.")
@click.pass_context
def users_totp_reset(ctx: click.Context, username: str, off: bool, yes: bool) -> None:
    """Give an account a new TOTP secret (the old authenticator stops working) and show its QR code."""
    if not yes:
        effect = "stop asking it for a code" if off else "its current authenticator app entry stops working"
        click.confirm(f"Reset TOTP of {username!r}: {effect}?", abort=True)
    app = _app(ctx)
    station_ = current_station(app)
    with app.app_context(), transaction():
        uri = station_.staff.reset_totp(username, enabled=not off)
        station_.audit.record("users.totp_reset", actor=os_actor(), object_ref=f"staff:{username}",
                              details={"totp": not off})
    if uri is None:
        click.echo(f"{username} logs in without a TOTP code now")
        return
    _show_totp(uri)


def _show_totp(uri: str) -> None:
    from core.identity.totp_qr import show_totp

    show_totp(uri)


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """Staff accounts with roles and state."""
    from core.identity.models import StaffUser

    app = _app(ctx)
    with app.app_context():
        for user in StaffUser.select().order_by(StaffUser.username):
            state = "active" if user.active else "disabled"
            totp = "totp" if user.totp_secret else "-"
            click.echo(f"{user.username:<20} {','.join(user.role_list):<24} {state:<9} {totp}")


@station.group()
def vietqr() -> None:
    """Make and read VietQR (EMVCo / NAPAS 247) payment payloads."""


@vietqr.command("encode")
@click.option("--bin", "bank_bin", required=True, help="Bank BIN, 6 digits (e.g. 970436 Vietcombank).")
@click.option("--account", required=True, help="Account or card number.")
@click.option("--amount", type=click.IntRange(min=1), default=None, help="Amount in VND.")
@click.option("--purpose", default=None, help="Transfer purpose (diacritics are removed).")
@click.option("--dynamic", is_flag=True, help="A one-time (dynamic) QR instead of a static one.")
@click.option("--card", is_flag=True, help="Transfer to a card number (QRIBFTTC) instead of an account.")
def vietqr_encode(bank_bin: str, account: str, amount: int | None, purpose: str | None, dynamic: bool,
                  card: bool) -> None:
    """Print the payload."""
    from core.payments.vietqr import encode_vietqr

    click.echo(encode_vietqr(bank_bin, account, amount=amount, purpose=purpose, dynamic=dynamic,
                             service="QRIBFTTC" if card else "QRIBFTTA"))


@vietqr.command("decode")
@click.argument("payload")
def vietqr_decode(payload: str) -> None:
    """Print the payload's fields as JSON, or exit 2 naming what is wrong."""
    from core.payments.vietqr import decode_vietqr

    click.echo(json.dumps(decode_vietqr(payload).to_dict(), ensure_ascii=False, indent=2))


def _register_subsystem_commands() -> None:
    from core.backup.cli import backup_command, restore_command
    from core.fleet.cli import hub_group
    from core.payments.cli import payments_group
    from core.privacy.cli import keys_group, privacy_group

    station.add_command(privacy_group)
    station.add_command(keys_group)
    station.add_command(payments_group)
    station.add_command(hub_group)
    station.add_command(backup_command)
    station.add_command(restore_command)


_register_subsystem_commands()


station.add_command(plugin_tools)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``station`` console script."""
    try:
        result = station.main(args=argv, prog_name="station", standalone_mode=False)
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
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
