"""The one way someone else reads a citizen's record: access log + audit entry, then the data.

When a staff member (a pharmacist, a manager, an auditor, a partner's staff page) opens one
citizen's record — a prescription order, a payment and its receipt — :func:`record_staff_read`
writes a row in that citizen's access log ("who looked at my data": who, what, why, when) and
an audit entry ``personal_data.staff_read``, in one transaction, before the record is shown.
``sdk.get_owned(..., staff_permission=...)`` calls it whenever the reader is not the owner.
"""

from __future__ import annotations

from core.audit.api import current_actor
from core.audit.api import record as audit_record
from core.audit.log import transaction
from core.plugin_context import acting_plugin
from core.privacy.access_log import Purpose, mark_read_recorded, record_access

DEFAULT_PURPOSE = {"vi": "Nhân viên xem hồ sơ của bạn", "en": "A staff member looked at your record"}


def record_staff_read(citizen_id: int, *, table: str, object_ref: str, category: str = "personal",
                      purpose: Purpose | None = None, plugin: str | None = None) -> None:
    """Record that the current staff member reads ``object_ref`` (a row of ``table``) of
    ``citizen_id`` for ``purpose``; raises (and nothing is shown) if it cannot be written."""
    plugin_id = plugin or acting_plugin() or "core"
    reader = current_actor()
    with transaction():
        written = record_access(citizen_id, plugin_id, category, table, purpose=purpose or DEFAULT_PURPOSE,
                                accessor=reader)
        mark_read_recorded(citizen_id, table)
        if written:
            audit_record("personal_data.staff_read", plugin=plugin_id, object_ref=object_ref, actor=reader,
                         details={"citizen": f"citizen:{int(citizen_id)}", "category": category})
