import peewee


def migrate(db):
    class Screening(peewee.Model):
        citizen_id = peewee.IntegerField(index=True)
        taken_at = peewee.DoubleField()
        notes = peewee.BlobField()
        vitals = peewee.BlobField(null=True)

        class Meta:
            database = db
            table_name = "fx_private_screening"

    class Profile(peewee.Model):
        citizen_id = peewee.IntegerField(unique=True)
        full_name = peewee.BlobField()
        id_number = peewee.BlobField()

        class Meta:
            database = db
            table_name = "fx_private_profile"

    db.create_tables([Screening, Profile])
