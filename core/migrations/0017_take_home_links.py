"""Take-home links: a short-lived signed link the citizen opens on their phone (issue 14).

One row per link: the hash of its random nonce (the token itself is never stored), the kind
of document, whose it is, the language it was made in, when it expires and how often it was
opened. Nothing personal is in the URL: the token is the nonce and its HMAC.
"""

import peewee


def migrate(db: peewee.Database) -> None:
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class TakeHomeLink(Base):
        id = peewee.AutoField()
        nonce_hash = peewee.CharField(max_length=64, unique=True)
        kind = peewee.CharField(max_length=64)
        citizen_id = peewee.IntegerField(index=True)
        language = peewee.CharField(max_length=8)
        created_at = peewee.DoubleField()
        expires_at = peewee.DoubleField(index=True)
        opened = peewee.IntegerField(default=0)

        class Meta:
            table_name = "take_home_links"

    db.create_tables([TakeHomeLink])
