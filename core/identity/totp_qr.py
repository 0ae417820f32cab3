"""Show a TOTP provisioning URI in a terminal: a QR code to scan, and the URI to type."""

from __future__ import annotations

import io

import click
import segno


def show_totp(uri: str) -> None:
    """Print the QR code of ``uri`` (compact block characters) and the URI itself, once."""
    out = io.StringIO()
    segno.make(uri, error="m").terminal(out=out, compact=True)
    click.echo("Scan this QR code with the authenticator app now (shown once):")
    click.echo(out.getvalue())
    click.echo(f"or enter: {uri}")
