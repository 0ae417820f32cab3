"""Objects owned by a citizen are reachable only by that citizen or permitted staff."""

from __future__ import annotations

from typing import Any

import flask_login
import peewee

from core.errors import NotFoundError
from core.station import current_station


def get_owned(model: type[peewee.Model], object_id: Any, *, owner_field: str = "citizen_id",
              staff_permission: str | None = None, purpose: Any = None, category: str | None = None) -> Any:
    """The row ``object_id`` of ``model`` if the current citizen owns it, or a staff member
    holding ``staff_permission`` asks; otherwise :class:`NotFoundError` — the same answer as
    for a row that does not exist, so ids cannot be probed.

    A staff read is written to the owner's access log ("who looked at my data") and the audit
    log before the row is returned, with ``purpose`` (text or ``{"vi", "en"}``; a default
    wording otherwise) and ``category`` (default: the model's ``data_category`` or "personal").
    """
    user = flask_login.current_user
    row = model.get_or_none(model._meta.primary_key == object_id)
    if row is not None and user.is_authenticated:
        if getattr(user, "kind", "") == "citizen" and getattr(row, owner_field) == user.citizen_id:
            return row
        policy = current_station().policy
        if (getattr(user, "kind", "") == "staff" and staff_permission
                and policy.allows(user.roles, staff_permission)):
            from core.privacy.staff_reads import record_staff_read

            table = model._meta.table_name
            record_staff_read(getattr(row, owner_field), table=table, object_ref=f"{table}:{object_id}",
                              category=category or getattr(model, "data_category", None) or "personal",
                              purpose=purpose)
            return row
    raise NotFoundError("Not found.")
