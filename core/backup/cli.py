"""``station backup`` and ``station restore``."""

from __future__ import annotations

from pathlib import Path

import click

from core.config import load_config


def _config(ctx: click.Context):
    from core.cli_context import station_home as _home

    return load_config(_home(ctx))


@click.command("backup")
@click.option("--to", "target", type=click.Path(file_okay=False), default=None,
              help="Folder that receives the backup folder (default: <home>/backups; copy it off the station).")
@click.option("--secrets-to", type=click.Path(file_okay=False), default=None,
              help="Also copy the secrets (keys) here — a separate, safe place, never beside the backup.")
@click.pass_context
def backup_command(ctx: click.Context, target: str | None, secrets_to: str | None) -> None:
    """Write a consistent snapshot of the database (while the station runs) with a manifest."""
    from core.backup.service import backup
    from core.startup import check_site

    config = _config(ctx)
    check_site(config)
    folder = backup(config, Path(target) if target else config.home / "backups",
                    Path(secrets_to) if secrets_to else None)
    manifest = (folder / "manifest.json").read_text(encoding="utf-8")
    click.echo(f"backup written to {folder}")
    click.echo(manifest.strip())
    if secrets_to:
        click.echo(f"secrets copied to {secrets_to} (mode 0600): keep them apart from the backup")
    else:
        click.echo("secrets are not in the backup: keep a copy of the secrets folder somewhere safe "
                   "(`station backup --secrets-to FOLDER`)")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Restore even a log older than the current one (audited).")
@click.option("--secrets", "secrets_from", type=click.Path(exists=True, file_okay=False), default=None,
              help="Also put back the secrets from this folder (made by `station backup --secrets-to`).")
@click.pass_context
def restore_command(ctx: click.Context, folder: str, force: bool, secrets_from: str | None) -> None:
    """Verify a backup's audit log, then replace the database with it. Stop the station first."""
    from core.audit.api import os_actor
    from core.backup.service import restore

    config = _config(ctx)
    report = restore(config, Path(folder), force=force, secrets_from=Path(secrets_from) if secrets_from else None,
                     actor=os_actor())
    if report.secrets_copied:
        click.echo(f"secrets put back: {', '.join(report.secrets_copied)}")
    click.echo(f"restored {folder}: audit log verified, {report.audit_size} entries")
    if report.replaced_size is not None:
        click.echo(f"the replaced database had {report.replaced_size} audit entries"
                   + (" (rolled back with --force; recorded in the audit log)" if report.forced
                      and report.replaced_size > report.audit_size else ""))
    if report.kept_as:
        click.echo(f"the replaced database is kept as {report.kept_as}")
    click.echo("run `station audit verify`, then start the station")
