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


@plugin.command("keygen")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Private key file to write (mode 0600); KEY.pub.json is written beside it.")
def plugin_keygen(out: Path) -> None:
    """Make the publisher's signing key; give KEY.pub.json to the hub operator."""
    from core.supply.keys import new_signer, public_key_json, write_private_key

    signer = new_signer()
    write_private_key(signer, out)
    public = out.with_name(out.stem + ".pub.json")
    public.write_text(public_key_json(signer.public_key) + "\n", encoding="utf-8")
    click.echo(f"private key {out} (keep it secret, back it up); public key {public} "
               f"(key id {signer.public_key.keyid[:16]}…) for `station-hub publisher add`")


@plugin.command("sign")
@click.argument("wheels", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--publisher", "publisher_id", required=True, help="Your publisher id on the hub.")
@click.option("--key", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="Your private key (from `station plugin keygen`).")
@click.option("--metadata", "current", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Your current metadata (the last PUBLISHER.json you published); omit the first time.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the signed metadata (default: PUBLISHER.json here).")
@click.option("--expires-days", default=365, show_default=True, type=click.IntRange(1, 1095))
def plugin_sign(wheels: tuple[Path, ...], publisher_id: str, key: Path, current: Path | None, out: Path | None,
                expires_days: int) -> None:
    """Sign WHEELS: write your TUF metadata listing them, for `station-hub publisher upload`."""
    from core.plugindev.sign import sign_wheels

    out = out or Path(f"{publisher_id}.json")
    md = sign_wheels(publisher_id, list(wheels), key, current, out, expires_days)
    click.echo(f"{out}: version {md.signed.version}, {len(md.signed.targets)} wheel(s) signed; upload it with the "
               f"wheels: station-hub publisher upload {publisher_id} {out} " + " ".join(w.name for w in wheels))
