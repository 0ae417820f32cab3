"""The audit log's identity (origin and verifier key, fixed when the log starts) and the site's
last known description (to audit changes of ``[site]`` in station.toml).

A log that already has signed checkpoints keeps the origin its first checkpoint was signed
with; its key is filled in from the station's signing key at the next checkpoint.
"""

import peewee


def migrate(db: peewee.Database) -> None:
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class AuditIdentity(Base):
        id = peewee.IntegerField(primary_key=True)
        origin = peewee.CharField(max_length=255)
        verifier_key = peewee.TextField(null=True)
        site_id = peewee.CharField(max_length=64)
        created_at = peewee.DoubleField()

        class Meta:
            table_name = "audit_identity"

    class SiteRecord(Base):
        id = peewee.IntegerField(primary_key=True)
        site_id = peewee.CharField(max_length=64)
        name_vi = peewee.TextField()
        name_en = peewee.TextField()
        address = peewee.TextField()
        timezone = peewee.CharField(max_length=64)
        updated_at = peewee.DoubleField()

        class Meta:
            table_name = "site_record"

    db.create_tables([AuditIdentity, SiteRecord])
    first = db.execute_sql("SELECT note, created_at FROM audit_checkpoint ORDER BY size LIMIT 1").fetchone()
    if first is not None:
        origin = first[0].split("\n", 1)[0]
        site_id = origin.rsplit("/", 1)[-1]
        AuditIdentity.insert(id=1, origin=origin, verifier_key=None, site_id=site_id,
                             created_at=first[1]).execute()
