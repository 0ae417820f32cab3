"""``station plugins install | upgrade | uninstall | trust-root`` (signed plugins, see
docs/supply-chain.md). Refusals exit 2 naming the check; a version that failed to start
and was rolled back exits 1."""

from __future__ import annotations

from pathlib import Path

import click

from core.errors import UserInputError
from core.station import current_station


def _installer(ctx: click.Context):  # (app, Installer)
    from core.audit.api import os_actor
    from core.cli_context import station_app
    from core.supply.installer import Installer

    app = station_app(ctx)
    return app, Installer(current_station(app), actor=os_actor())


def _parse_spec(spec: str) -> tuple[str, str | None]:
    plugin_id, _, version = spec.partition("==")
    if not plugin_id or ("==" in spec and not version):
        raise UserInputError("give ID or ID==VERSION, e.g. fx_example==2.0.1")
    return plugin_id.strip(), (version.strip() or None)


def _done(result) -> None:
    origin = f"signed by {result.publisher}" if result.publisher else "UNSIGNED, from a wheel file"
    click.echo(f"{result.plugin_id} {result.version} ({result.action}, {origin}) installed and "
               "started in a test run; restart the station to use it (systemctl restart citizen-station, or the "
               "console's restart)" + ("" if result.previous is None else f"; {result.previous} is kept for a "
                                       "quick return"))


def add_supply_commands(plugins: click.Group) -> None:
    """Attach the supply-chain commands to ``station plugins``."""

    @plugins.command("install")
    @click.argument("spec")
    @click.option("--allow-downgrade", is_flag=True, help="Accept a version older than the installed one.")
    @click.pass_context
    def install(ctx: click.Context, spec: str, allow_downgrade: bool) -> None:
        """Install ID[==VERSION] from the hub's TUF repository (signed by an allowed publisher);
        or a WHEEL file, unsigned, only where [plugins] allow_unsigned is true."""
        if spec.endswith(".whl"):
            app, installer = _installer(ctx)
            with app.app_context():
                _done(installer.install_wheel_file(Path(spec), allow_downgrade=allow_downgrade))
            return
        plugin_id, version = _parse_spec(spec)
        app, installer = _installer(ctx)
        with app.app_context():
            _done(installer.install(plugin_id, version, allow_downgrade=allow_downgrade))

    @plugins.command("upgrade")
    @click.argument("spec")
    @click.pass_context
    def upgrade(ctx: click.Context, spec: str) -> None:
        """Upgrade an installed plugin to the newest signed version (or ID==VERSION)."""
        plugin_id, version = _parse_spec(spec)
        app, installer = _installer(ctx)
        with app.app_context():
            _done(installer.install(plugin_id, version, upgrade_only=True))

    @plugins.command("uninstall")
    @click.argument("plugin_id")
    @click.pass_context
    def uninstall(ctx: click.Context, plugin_id: str) -> None:
        """Disable a signed plugin and remove its files (its data stays in the database)."""
        app, installer = _installer(ctx)
        with app.app_context():
            version = installer.uninstall(plugin_id)
        click.echo(f"{plugin_id} {version} uninstalled; restart the station")

    @plugins.command("trust-root")
    @click.argument("root_json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.pass_context
    def trust_root_command(ctx: click.Context, root_json: Path) -> None:
        """Trust the hub's TUF root metadata (1.root.json from the hub operator, by a trusted channel)."""
        from core.audit.api import os_actor
        from core.audit.log import transaction
        from core.cli_context import station_app
        from core.supply.tuf_client import trust_root

        app = station_app(ctx)
        station = current_station(app)
        md = trust_root(station.config.home, root_json.read_bytes())
        keyids = sorted(md.signed.roles["root"].keyids)
        with app.app_context(), transaction():
            station.audit.record("plugins.trust_root", actor=os_actor(), object_ref="tuf:root",
                                 details={"version": md.signed.version, "root_keys": [k[:16] for k in keyids]})
        click.echo(f"trusting the plugin repository's root version {md.signed.version}; root key ids (compare "
                   "them with the hub operator's): " + ", ".join(k[:16] for k in keyids))
