"""``station privacy ...`` and ``station keys ...`` commands.

Registered by ``core/cli.py`` as ``station.add_command(privacy_group)`` and
``station.add_command(keys_group)``. A command uses the Flask app passed as the click
context's ``obj`` (tests) or builds the station from ``--home`` like every other command.
"""

from __future__ import annotations

import json
from typing import Any

import click
from flask import Flask

from core.audit.api import os_actor
from core.privacy.access_log import access_log_for
from core.privacy.keys import key_status, rotate_kek
from core.privacy.retention import purge, retention_from_config, validate_retention
from core.privacy.subject_rights import erase_citizen, export_citizen
from core.station import current_station


def _app(ctx: click.Context) -> Flask:
    if isinstance(ctx.obj, Flask):
        return ctx.obj
    from core.cli_context import station_app  # the station command's cached app

    return station_app(ctx)


def _parse_days(values: tuple[str, ...]) -> dict[str, int]:
    days: dict[str, int] = {}
    for value in values:
        category, sep, number = value.partition("=")
        if not sep or not number.strip().isdigit():
            raise click.BadParameter(f"{value!r}: write CATEGORY=DAYS, e.g. health=365", param_hint="--days")
        days[category.strip()] = int(number)
    return days


@click.group("privacy")
def privacy_group() -> None:
    """Personal data: retention purges, export and erasure of a citizen, access log."""


@privacy_group.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@click.option("--days", "days", multiple=True, metavar="CATEGORY=DAYS",
              help="Override a retention period, e.g. --days health=365 (repeatable).")
@click.option("--yes", is_flag=True, help="Confirm without a prompt (the nightly timer uses it).")
@click.pass_context
def purge_command(ctx: click.Context, dry_run: bool, days: tuple[str, ...], yes: bool) -> None:
    """Delete personal data older than its category's retention period (audited)."""
    app = _app(ctx)
    station = current_station(app)
    periods = retention_from_config(station.config)
    periods.update(validate_retention(_parse_days(days)))
    if not periods:
        click.echo("no retention periods configured ([privacy] retention_days in station.toml, or --days); "
                   "nothing purged")
        return
    if not dry_run and not yes:
        listed = ", ".join(f"{c} older than {d} days" for c, d in sorted(periods.items()))
        click.confirm(f"Delete for good the personal data: {listed}? (--dry-run counts first)", abort=True)
    with app.app_context():
        report = purge(periods, station.clock(), dry_run=dry_run, actor=os_actor())
    verb = "would delete" if dry_run else "deleted"
    for category, count in sorted(report.deleted.items()):
        click.echo(f"{category:<12} {verb} {count} row(s) older than {periods[category]} days")
    for table in report.not_purgeable:
        click.echo(f"warning: {table} declares no timestamp_field and cannot be purged", err=True)
    if report.audit_index is not None:
        click.echo(f"audited as entry {report.audit_index}")


@privacy_group.command("export")
@click.argument("citizen_id", type=int)
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-",
              help="Write the JSON here (default: stdout).")
@click.pass_context
def export_command(ctx: click.Context, citizen_id: int, output: Any) -> None:
    """Everything held about citizen CITIZEN_ID as JSON (a data-subject access request)."""
    app = _app(ctx)
    with app.app_context():
        data = export_citizen(citizen_id, actor=os_actor())
    output.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@privacy_group.command("erase")
@click.argument("citizen_id", type=int)
@click.option("--yes", is_flag=True, help="Confirm: erasure cannot be undone.")
@click.pass_context
def erase_command(ctx: click.Context, citizen_id: int, yes: bool) -> None:
    """Erase citizen CITIZEN_ID everywhere and destroy their data key (audited)."""
    if not yes:
        raise click.UsageError("erasure cannot be undone; add --yes to confirm")
    app = _app(ctx)
    with app.app_context():
        report = erase_citizen(citizen_id, actor=os_actor())
    click.echo(json.dumps(report.as_dict(), indent=2))


@privacy_group.command("access-log")
@click.argument("citizen_id", type=int)
@click.pass_context
def access_log_command(ctx: click.Context, citizen_id: int) -> None:
    """Who read citizen CITIZEN_ID's data, when and why (JSON)."""
    app = _app(ctx)
    with app.app_context():
        click.echo(json.dumps(access_log_for(citizen_id), ensure_ascii=False, indent=2))


@click.group("keys")
def keys_group() -> None:
    """The key-encryption key (KEK) that wraps citizens' data keys."""


@keys_group.command("rotate")
@click.option("--yes", is_flag=True, help="Confirm: the old key is retired and must not be used again.")
@click.pass_context
def rotate_command(ctx: click.Context, yes: bool) -> None:
    """New KEK, re-wrap every data key and re-seal every TOTP secret (one transaction, checked,
    audited), retire the old KEK.

    Safe to interrupt: run it again to complete an interrupted rotation.
    """
    if not yes:
        click.confirm("Replace the key-encryption key? Every data key and TOTP secret is re-sealed under a new "
                      "key and the old key is deleted; back up secrets/data.kek afterwards", abort=True)
    app = _app(ctx)
    station = current_station(app)

    def record_audit(action: str, details: dict[str, Any]) -> None:
        station.audit.record(action, actor=os_actor(), object_ref="kek", details=details)

    with app.app_context():
        report = rotate_kek(station.config.secrets_dir, record_audit)
    if report.resumed:
        click.echo("completed an interrupted rotation")
    resealed = ", ".join(f"{n} {label}" for label, n in report.resealed.items()) or "none"
    click.echo(f"KEK {', '.join(report.old_kek_ids) or '(none in use)'} -> {report.new_kek_id}: "
               f"{report.rewrapped} data key(s) re-wrapped, re-sealed {resealed}; every value checked under the "
               f"new key; retired {', '.join(report.retired) or 'none'}")
    click.echo(f"BACK UP THE NEW KEY NOW: copy {station.config.secrets_dir / 'data.kek'} to the station's key "
               "backup (the old key is gone; an older backup of data.kek cannot open this data).")


@keys_group.command("status")
@click.pass_context
def status_command(ctx: click.Context) -> None:
    """KEK files present and how many data keys each one wraps (JSON)."""
    app = _app(ctx)
    with app.app_context():
        click.echo(json.dumps(key_status(current_station(app).config.secrets_dir), indent=2))
