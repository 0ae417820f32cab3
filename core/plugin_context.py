"""Which plugin is acting: set by the station around every hook call and plugin request.

A plugin never claims its identity. The plugin manager sets :data:`ACTING_PLUGIN` around each
hook implementation it calls (``payment_settled`` during a core request included) and the
guard sets it for the whole of a request dispatched into a plugin's blueprint; the sdk reads
it to attribute audit entries, consent, access-log rows and settings. When no hook or plugin
request is running (a thread the plugin started, say), the plugin is recognised by the module
that called the sdk.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from core.errors import PermissionDenied

ACTING_PLUGIN: ContextVar[str | None] = ContextVar("citizen_station_acting_plugin", default=None)


class PluginIdentityError(PermissionDenied):
    """Plugin code asked to act under another plugin's id."""


@contextmanager
def acting_as(plugin_id: str | None) -> Iterator[None]:
    """Run the block as ``plugin_id`` (None: as the station itself)."""
    token = ACTING_PLUGIN.set(plugin_id)
    try:
        yield
    finally:
        ACTING_PLUGIN.reset(token)


def acting_plugin() -> str | None:
    """The plugin the station is running code for right now, or None."""
    return ACTING_PLUGIN.get()


def plugin_of_caller(modules: Iterable[tuple[str, str]], skip: tuple[str, ...] = ("sdk", "core")) -> str | None:
    """The plugin whose package holds the nearest calling frame outside ``skip`` packages.

    ``modules`` pairs each plugin id with its top module name (``plugins.banking``, ``fx_payee``).
    """
    frame = sys._getframe(1)
    known = list(modules)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name.split(".")[0] not in skip:
            for plugin_id, module in known:
                if name == module or name.startswith(module + "."):
                    return plugin_id
            return None
        frame = frame.f_back
    return None
