"""VNeID app login: pending requests and used assertions (single use)."""

import peewee


def migrate(db: peewee.Database) -> None:
    class Base(peewee.Model):
        class Meta:
            database = db

    class VneidLogin(Base):
        request_id = peewee.CharField(primary_key=True, max_length=128)
        nonce = peewee.CharField(max_length=128)
        session_hash = peewee.CharField(max_length=64)
        purpose = peewee.CharField(max_length=16)
        created_at = peewee.DoubleField()
        expires_at = peewee.DoubleField()
        status = peewee.CharField(max_length=16)
        citizen_id = peewee.IntegerField(null=True)
        assurance = peewee.CharField(max_length=16, default="")
        sealed_claims = peewee.TextField(default="")

        class Meta:
            table_name = "vneid_login"

    class VneidAssertionUsed(Base):
        assertion_id = peewee.CharField(primary_key=True, max_length=128)
        used_at = peewee.DoubleField()

        class Meta:
            table_name = "vneid_assertion_used"

    db.create_tables([VneidLogin, VneidAssertionUsed])
