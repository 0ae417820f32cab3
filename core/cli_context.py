"""What every ``station`` sub-command shares: the station folder and the cached app.

The top-level command (``core/cli.py``) and each feature's command group (``core/<feature>/cli.py``)
import this module, never each other, so the CLI has no import cycle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from core.config import load_config, resolve_home


def station_home(ctx: click.Context) -> Path:
    """The station folder of this command line (``--home``, ``$STATION_HOME`` or ./station-home)."""
    return resolve_home(ctx.find_root().params.get("home"))


def station_app(ctx: click.Context, *, guarded: bool = True, **overrides: Any) -> Any:
    """The station of this command line, built once (config ``overrides`` on first use).

    ``guarded`` (every command but ``init``): refuse a site whose database is missing, empty
    or damaged or whose keys are missing (:mod:`core.startup`) instead of making new ones.
    """
    from core.app import create_app
    from core.startup import check_site

    cache = ctx.find_root().meta
    if "app" not in cache:
        config = load_config(station_home(ctx))
        if guarded:
            check_site(config)
        if overrides:
            config = config.with_overrides(**overrides)
        cache["app"] = create_app(config)
    return cache["app"]
