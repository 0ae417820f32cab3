"""Who may do what in the manager console, by staff role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import flask_login

from core.errors import PermissionDenied
from core.i18n import _

CONSOLE_ROLES = frozenset({"manager", "operator", "auditor", "pharmacist"})
# what each role may do in the console (the station's "*" manager role gets everything)
PAGE_ROLES = {
    "plugins.view": {"manager", "operator", "auditor"},
    "plugins.change": {"manager"},
    "devices.view": {"manager", "operator"},
    "devices.test": {"manager", "operator"},
    "audit.view": {"manager", "auditor"},
    "audit.verify": {"manager", "auditor"},
    "usage.view": {"manager", "auditor", "operator"},
}

F = TypeVar("F", bound=Callable[..., Any])


def may(action: str) -> bool:
    """Whether the logged-in staff member's roles allow ``action`` (see :data:`PAGE_ROLES`)."""
    user = flask_login.current_user
    return bool(user.is_authenticated and PAGE_ROLES[action] & set(getattr(user, "roles", ())))


def allowed(action: str) -> Callable[[F], F]:
    """View decorator: refuse (403) unless the staff member's roles allow ``action``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not may(action):
                raise PermissionDenied(_("Your role may not do this in the console."))
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
