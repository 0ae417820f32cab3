"""Environmental observations from the stations, served as OGC SensorThings open data.
Frozen table definition."""

import peewee


def migrate(db: peewee.Database) -> None:
    class Observation(peewee.Model):
        id = peewee.BigAutoField()
        station_id = peewee.CharField(max_length=32)
        sensor = peewee.CharField(max_length=40)
        quantity = peewee.CharField(max_length=40)
        unit = peewee.CharField(max_length=40)
        phenomenon_time = peewee.DoubleField()
        value = peewee.DoubleField()
        received = peewee.DoubleField()

        class Meta:
            database = db
            table_name = "hub_observations"
            indexes = ((("station_id", "sensor", "quantity", "phenomenon_time"), True),)

    db.create_tables([Observation])
