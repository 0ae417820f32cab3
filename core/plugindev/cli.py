"""``station plugin new NAME`` and ``station plugin check PATH`` (no station home needed)."""

from __future__ import annotations

from pathlib import Path

import click

from core.plugindev.check import check_plugin
from core.plugindev.scaffold import scaffold


@click.group("plugin")
def plugin() -> None:
    """Write and check a plugin package (for plugin authors)."""


@plugin.command("new")
@click.argument("name")
@click.option("--into", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Folder in which to create the package folder NAME.")
@click.option("--publisher", default="Your company", show_default=True, help="The operator company.")
@click.option("--title-vi", default=None, help="The service's name in Vietnamese.")
@click.option("--title-en", default=None, help="The service's name in English.")
def plugin_new(name: str, into: Path, publisher: str, title_vi: str | None, title_en: str | None) -> None:
    """Create a complete plugin package NAME (pyproject, manifest, page, model, tests, translations, CI)."""
    root = scaffold(name, into, publisher=publisher, title_vi=title_vi, title_en=title_en)
    click.echo(f"created {root}\n"
               f"next:  cd {root} && pip install -e . && pytest && station plugin check .")


@plugin.command("check")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def plugin_check(path: Path) -> None:
    """Validate the plugin package at PATH before it ships; exit 2 naming each problem."""
    from sdk import API_VERSION

    report = check_plugin(path, API_VERSION)
    for note in report.notes:
        click.echo(f"note: {note}")
    for problem in report.problems:
        click.echo(f"problem: {problem}", err=True)
    if not report.ok:
        click.echo(f"{report.plugin_id or path}: {len(report.problems)} problem(s); not ready to ship", err=True)
        raise click.exceptions.Exit(2)
    click.echo(f"{report.plugin_id}: ok ({', '.join(report.checked)})")
