"""Roles, permissions, identity assurance and step-up — the one access model of the station.

Default deny: every view of the station, core or plugin, is reachable only if it declares
its access with :func:`requires` (a permission, optionally a minimum assurance level and a
fresh step-up) or explicitly opts out with :func:`public`; the station refuses to start a
core view (and marks a plugin FAILED) that declares nothing. Plugins and the core's own
features define permissions in their manifest with default roles; the site's ``[roles]``
table in ``station.toml`` can grant more permissions to a role, and a permission named
there is granted *only* as the site says (the manifest defaults for that permission are
then ignored).

A permission held only by the ``citizen`` role is a *citizen permission*: its pages act
for the citizen at the terminal, so a staff member never passes them — not even a manager
whose site grants ``"*"`` (everything else).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

ACCESS_ATTR = "__station_access__"
ROLES = ("citizen", "pharmacist", "manager", "operator", "auditor")
STAFF_ROLE_NAMES = tuple(r for r in ROLES if r != "citizen")
CITIZEN_ROLE = "citizen"
WILDCARD = "*"
ASSURANCE_RANK = {"none": 0, "basic": 1, "high": 2}
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Access:
    """What a view needs: ``permission`` (None = public), assurance and step-up."""

    permission: str | None
    assurance: str | None = None
    step_up: bool | int = False  # True = the site's step-up window; an int = that many seconds
    csrf: bool = True

    @property
    def is_public(self) -> bool:
        return self.permission is None


def requires(permission: str, *, assurance: str | None = None, step_up: bool | int = False
             ) -> Callable[[F], F]:
    """Protect a plugin view: login, ``permission``, optionally ``assurance`` and ``step_up``.

    ``assurance`` ("basic" or "high") overrides the manifest's ``min_assurance`` for this
    view; ``step_up=True`` needs a re-verification within the site's step-up window,
    ``step_up=60`` within the last 60 seconds.
    """
    if assurance is not None and assurance not in ASSURANCE_RANK:
        raise ValueError(f"unknown assurance level {assurance!r}; use one of {sorted(ASSURANCE_RANK)}")

    def mark(view: F) -> F:
        setattr(view, ACCESS_ATTR, Access(permission, assurance, step_up))
        return view

    return mark


def public(view: F | None = None, *, csrf: bool = True) -> Any:
    """Opt a view out of login and permission checks (e.g. emergency numbers).

    ``csrf=False`` additionally exempts it from CSRF checks; use only for machine-to-machine
    callbacks that authenticate themselves (a signed notification from a bank, say).
    """

    def mark(inner: F) -> F:
        setattr(inner, ACCESS_ATTR, Access(None, None, False, csrf))
        return inner

    return mark(view) if view is not None else mark


def access_of(view: Callable[..., Any] | None) -> Access | None:
    """The access a view declared, or None when it declared nothing (→ denied)."""
    return getattr(view, ACCESS_ATTR, None) if view is not None else None


def assurance_satisfies(actual: str | None, needed: str | None) -> bool:
    """True when the session's assurance is at least the needed level."""
    return ASSURANCE_RANK.get(actual or "none", 0) >= ASSURANCE_RANK.get(needed or "none", 0)


class PermissionPolicy:
    """Maps roles to permissions from plugin manifests and the site's ``[roles]`` table."""

    def __init__(self, manifest_permissions: Iterable[dict[str, Any]],
                 site_roles: dict[str, list[str]]) -> None:
        self.known: set[str] = set()
        defaults: dict[str, set[str]] = {}
        for permission in manifest_permissions:
            self.known.add(permission["id"])
            defaults[permission["id"]] = set(permission.get("default_roles", []))
        site_named = {p for perms in site_roles.values() for p in perms}
        self.grants: dict[str, set[str]] = {}
        for permission, roles in defaults.items():
            if permission not in site_named:
                for role in roles:
                    self.grants.setdefault(role, set()).add(permission)
        for role, perms in site_roles.items():
            self.grants.setdefault(role, set()).update(perms)

        self.holders: dict[str, set[str]] = {}
        for role, perms in self.grants.items():
            for permission in perms:
                self.holders.setdefault(permission, set()).add(role)

    def check_site_roles(self, site_roles: dict[str, list[str]], source: str) -> None:
        """Refuse a ``[roles]`` table naming a permission no manifest defines (a typo would
        otherwise silently grant nothing): :class:`ConfigError`, exit code 2."""
        from core.errors import ConfigError

        for role, perms in site_roles.items():
            for permission in perms:
                if permission != WILDCARD and permission not in self.known:
                    raise ConfigError(source, f"roles.{role}",
                                      f"unknown permission id {permission!r}; `station plugins info ID` lists a "
                                      f"plugin's permissions, `station roles` the effective table")

    def table(self) -> dict[str, list[str]]:
        """The effective role → permissions table (sorted), as the CLI and console show it."""
        return {role: sorted(perms) for role, perms in sorted(self.grants.items())}

    def permissions_of(self, roles: Iterable[str]) -> set[str]:
        """All permissions granted to any of ``roles``."""
        granted: set[str] = set()
        for role in roles:
            granted |= self.grants.get(role, set())
        return granted

    def audience(self, permission: str) -> str:
        """``"citizen"`` (held only by citizens), ``"staff"`` (no citizen holds it) or ``"any"``."""
        holders = self.holders.get(permission, set())
        if CITIZEN_ROLE not in holders:
            return "staff"
        return "citizen" if holders == {CITIZEN_ROLE} else "any"

    def allows(self, roles: Iterable[str], permission: str) -> bool:
        """True when one of ``roles`` holds ``permission``.

        ``*`` grants every permission except citizen permissions (see the module docstring).
        """
        granted = self.permissions_of(roles)
        if permission in granted:
            return True
        return WILDCARD in granted and self.audience(permission) != "citizen"
