"""The citizen's health insurance (BHYT) card code, encrypted (frozen copy of the table)."""

import peewee


def migrate(db: peewee.Database) -> None:
    class InsuranceCard(peewee.Model):
        citizen_id = peewee.IntegerField(unique=True)
        code = peewee.BlobField()
        updated_at = peewee.DoubleField()

        class Meta:
            database = db
            table_name = "healthcare_insurance_card"

    db.create_tables([InsuranceCard])
