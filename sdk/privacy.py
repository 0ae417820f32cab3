"""Personal data protection for plugins: encrypted fields, consent, the access log.

    import peewee
    from sdk.privacy import EncryptedTextField, PersonalDataModel, read_personal, require_consent

    class Screening(PersonalDataModel):
        data_category = "health"          # declared in manifest.toml [[data]]
        timestamp_field = "taken_at"      # retention purges delete by it
        citizen_id = peewee.IntegerField(index=True)
        taken_at = peewee.DoubleField()
        notes = EncryptedTextField()

        class Meta:
            table_name = "healthcare_screening"

    @bp.route("/history")
    @requires("healthcare.use")
    @require_consent("health")
    def history():
        rows = read_personal(Screening.select().where(Screening.citizen_id == current_citizen().id),
                             purpose={"vi": "Xem lịch sử khám", "en": "Show screening history"})

Records the citizen's own request needs kept (an order, a transfer, a booking) set
``requires_consent = False`` (sdk 1.5): still encrypted with the citizen's data key, read
through the access log and gone on erasure, but not gated on consent. A value that must still
be found (a prescription code) gets a keyed blind index column (``blind_indexes``, queried
with ``Model.lookup(field, value)``); :func:`blind_index` and :func:`seal_value` serve
migrations that encrypt rows written before.

Writing or reading a personal row without the citizen's current consent raises
:class:`ConsentRequired` (HTTP 403, telling the citizen what to agree to); every read is in
the citizen's access log; an erased citizen's values raise :class:`DataErased`.
"""

from typing import Any

from core.privacy.access_log import access_context, record_access
from core.privacy.blind_index import blind_index
from core.privacy.consent import ConsentRequired, has_consent, require_consent
from core.privacy.consent import ensure_consent as _ensure_consent
from core.privacy.crypto import DecryptionError, PrivacyError
from core.privacy.fields import (
    EncryptedJSONField,
    EncryptedTextField,
    PersonalDataModel,
    PlaintextRefused,
    UndeclaredCategory,
    read_personal,
    seal_value,
)
from core.privacy.keys import DataErased
from sdk.accessors import claim_plugin_id, current_plugin_id


def ensure_consent(category: str, citizen_id: int | None = None, plugin_id: str | None = None) -> None:
    """Raise :class:`ConsentRequired` unless the citizen (default: the one at the terminal)
    consented to this plugin processing ``category``.

    ``plugin_id`` is deprecated (sdk 1.1): the station knows which plugin is acting, and another
    plugin's id is refused.
    """
    _ensure_consent(category, citizen_id=citizen_id, plugin_id=claim_plugin_id(plugin_id, "ensure_consent"))


def record_read(citizen_id: int, category: str, purpose: Any, what: str | None = None) -> None:
    """Declare a read of a citizen's data that does not go through an encrypted field.

    Checks consent first (:class:`ConsentRequired`), then records the read in the citizen's
    access log as this plugin (or the staff member logged in). ``what`` names the table or
    record kind; ``purpose`` is a text or ``{"vi": ..., "en": ...}``.
    """
    plugin_id = current_plugin_id()
    if plugin_id is None:
        raise ValueError("record_read is for plugin routes; use core.privacy.access_log elsewhere")
    _ensure_consent(category, citizen_id=citizen_id, plugin_id=plugin_id)
    record_access(citizen_id, plugin_id, category, what or plugin_id, purpose=purpose)

__all__ = [
    "ConsentRequired", "DataErased", "DecryptionError", "EncryptedJSONField", "EncryptedTextField",
    "PersonalDataModel", "PlaintextRefused", "PrivacyError", "UndeclaredCategory", "access_context",
    "blind_index", "ensure_consent", "has_consent", "read_personal", "record_read", "require_consent",
    "seal_value",
]
