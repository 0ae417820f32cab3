"""The plugin's tables: dossiers (form data encrypted), their attachments, phone upload links."""

from __future__ import annotations

from datetime import date

import peewee

from sdk import Model
from sdk.privacy import EncryptedJSONField, EncryptedTextField, PersonalDataModel

#: Where a dossier is in the kiosk flow (before the portal takes over).
DRAFT, AWAITING_PAYMENT, PAID, SUBMITTED = "draft", "awaiting_payment", "paid", "submitted"
#: Portal statuses a citizen can see.
PORTAL_STATUSES = ("received", "processing", "needs_more_documents", "done", "rejected")
FINAL_STATUSES = frozenset({"done", "rejected"})


class Dossier(PersonalDataModel):
    """One application for a procedure by one citizen; the form itself is encrypted."""

    data_category = "personal"
    timestamp_field = "created_at"

    citizen_id = peewee.IntegerField(index=True)
    procedure_code = peewee.CharField(max_length=16)
    stage = peewee.CharField(max_length=20, default=DRAFT)
    form = EncryptedJSONField(null=True)
    fee_vnd = peewee.IntegerField(default=0)
    payment_id = peewee.CharField(max_length=64, null=True)
    dossier_code = peewee.CharField(max_length=40, null=True, unique=True)
    appointment_date = peewee.CharField(max_length=10, null=True)  # ISO date
    status = peewee.CharField(max_length=24, null=True)
    status_seen = peewee.CharField(max_length=24, null=True)
    status_note = peewee.CharField(max_length=200, null=True)
    created_at = peewee.DoubleField()
    submitted_at = peewee.DoubleField(null=True)

    class Meta:
        table_name = "admin_dossier"

    @property
    def appointment(self) -> date | None:
        """The appointment date for the result, once submitted."""
        return date.fromisoformat(self.appointment_date) if self.appointment_date else None


class Attachment(PersonalDataModel):
    """A scanned or uploaded document of a dossier (content encrypted, base64 inside)."""

    data_category = "personal"
    timestamp_field = "created_at"

    citizen_id = peewee.IntegerField(index=True)
    dossier_id = peewee.IntegerField(index=True)
    document_key = peewee.CharField(max_length=40)
    mime_type = peewee.CharField(max_length=40)
    size = peewee.IntegerField()
    source = peewee.CharField(max_length=10)  # scanner | phone
    content = EncryptedTextField()
    created_at = peewee.DoubleField()

    class Meta:
        table_name = "admin_attachment"


class UploadLink(Model):
    """A one-time phone upload link: only the token's hash is kept."""

    token_hash = peewee.CharField(max_length=64, unique=True)
    dossier_id = peewee.IntegerField(index=True)
    document_key = peewee.CharField(max_length=40)
    expires_at = peewee.DoubleField()
    used_at = peewee.DoubleField(null=True)

    class Meta:
        table_name = "admin_upload_link"


class PortalRecord(Model):
    """The simulated portal's own book of received dossiers (no personal data)."""

    dossier_code = peewee.CharField(max_length=40, unique=True)
    procedure_code = peewee.CharField(max_length=16)
    received_at = peewee.DoubleField()
    missing_documents = peewee.IntegerField(default=0)
    outcome = peewee.CharField(max_length=24, null=True)  # scripted final status

    class Meta:
        table_name = "admin_portal_sim"
