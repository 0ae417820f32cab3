"""Identified reports and anonymous tips (frozen copies)."""

import peewee


def migrate(db: peewee.Database) -> None:
    class Base(peewee.Model):
        class Meta:
            database = db

    class Report(Base):
        citizen_id = peewee.IntegerField(index=True)
        tracking_code = peewee.CharField(max_length=20, unique=True)
        kind = peewee.CharField(max_length=20)
        category = peewee.CharField(max_length=40)
        content = peewee.BlobField()
        created_at = peewee.DoubleField()

        class Meta:
            table_name = "security_report"

    class AnonymousTip(Base):
        tracking_code = peewee.CharField(max_length=20, unique=True)
        category = peewee.CharField(max_length=40)
        description = peewee.TextField()
        occurred = peewee.CharField(max_length=40)
        place = peewee.CharField(max_length=200)
        photo_type = peewee.CharField(max_length=40, null=True)
        photo = peewee.BlobField(null=True)
        created_on = peewee.CharField(max_length=10)

        class Meta:
            table_name = "security_tip"

    db.create_tables([Report, AnonymousTip])
