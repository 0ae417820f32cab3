"""Each station's latest usage counts (transactions per plugin and day, screenings,
payments per method) for the fleet's usage charts. Frozen table definition."""

import peewee


def migrate(db: peewee.Database) -> None:
    class StationUsage(peewee.Model):
        station_id = peewee.CharField(max_length=32, primary_key=True)
        body = peewee.TextField()
        created = peewee.DoubleField()

        class Meta:
            database = db
            table_name = "hub_station_usage"

    db.create_tables([StationUsage])
