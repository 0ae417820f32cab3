"""Dossiers, attachments, phone upload links and the simulated portal's book (frozen copies)."""

import peewee


def migrate(db: peewee.Database) -> None:
    class Base(peewee.Model):
        class Meta:
            database = db

    class Dossier(Base):
        citizen_id = peewee.IntegerField(index=True)
        procedure_code = peewee.CharField(max_length=16)
        stage = peewee.CharField(max_length=20, default="draft")
        form = peewee.BlobField(null=True)
        fee_vnd = peewee.IntegerField(default=0)
        payment_id = peewee.CharField(max_length=64, null=True)
        dossier_code = peewee.CharField(max_length=40, null=True, unique=True)
        appointment_date = peewee.CharField(max_length=10, null=True)
        status = peewee.CharField(max_length=24, null=True)
        status_seen = peewee.CharField(max_length=24, null=True)
        status_note = peewee.CharField(max_length=200, null=True)
        created_at = peewee.DoubleField()
        submitted_at = peewee.DoubleField(null=True)

        class Meta:
            table_name = "admin_dossier"

    class Attachment(Base):
        citizen_id = peewee.IntegerField(index=True)
        dossier_id = peewee.IntegerField(index=True)
        document_key = peewee.CharField(max_length=40)
        mime_type = peewee.CharField(max_length=40)
        size = peewee.IntegerField()
        source = peewee.CharField(max_length=10)
        content = peewee.BlobField()
        created_at = peewee.DoubleField()

        class Meta:
            table_name = "admin_attachment"

    class UploadLink(Base):
        token_hash = peewee.CharField(max_length=64, unique=True)
        dossier_id = peewee.IntegerField(index=True)
        document_key = peewee.CharField(max_length=40)
        expires_at = peewee.DoubleField()
        used_at = peewee.DoubleField(null=True)

        class Meta:
            table_name = "admin_upload_link"

    class PortalRecord(Base):
        dossier_code = peewee.CharField(max_length=40, unique=True)
        procedure_code = peewee.CharField(max_length=16)
        received_at = peewee.DoubleField()
        missing_documents = peewee.IntegerField(default=0)
        outcome = peewee.CharField(max_length=24, null=True)

        class Meta:
            table_name = "admin_portal_sim"

    db.create_tables([Dossier, Attachment, UploadLink, PortalRecord])
