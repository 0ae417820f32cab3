"""Who may do what in the manager console: the ``console.*`` permissions of the one access model.

The permissions and their default roles are declared in ``core/console/manifest.toml``; a
site's ``[roles]`` table changes them like any plugin's. Views declare them with
``requires("console.<action>")``; templates ask :func:`may` to hide what a role cannot do.
"""

from __future__ import annotations

import flask_login

from core.station import current_station


def may(action: str) -> bool:
    """Whether the logged-in staff member holds ``console.<action>`` (e.g. ``"plugins.change"``)."""
    user = flask_login.current_user
    if not user.is_authenticated or getattr(user, "kind", None) != "staff":
        return False
    return current_station().policy.allows(user.roles, f"console.{action}")
