"""Planning statistics: the counts stations send per month, each ward's privacy budget per
month, and the published (differentially private) releases. Frozen table definitions."""

import peewee


def migrate(db: peewee.Database) -> None:
    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class StatCount(Base):
        station_id = peewee.CharField(max_length=32)
        period = peewee.CharField(max_length=7)
        statistic = peewee.CharField(max_length=40)
        cell = peewee.CharField(max_length=300)
        count = peewee.IntegerField()
        province = peewee.CharField(max_length=100, default="")
        ward = peewee.CharField(max_length=100, default="")
        received = peewee.DoubleField()

        class Meta:
            table_name = "hub_stat_counts"
            indexes = ((("station_id", "period", "statistic", "cell"), True),
                       (("province", "ward", "period"), False))

    class PrivacyBudget(Base):
        province = peewee.CharField(max_length=100)
        ward = peewee.CharField(max_length=100)
        period = peewee.CharField(max_length=7)
        epsilon_total = peewee.DoubleField()
        epsilon_spent = peewee.DoubleField(default=0.0)

        class Meta:
            table_name = "hub_privacy_budgets"
            indexes = ((("province", "ward", "period"), True),)

    class Release(Base):
        id = peewee.AutoField()
        province = peewee.CharField(max_length=100)
        ward = peewee.CharField(max_length=100)
        period = peewee.CharField(max_length=7)
        statistic = peewee.CharField(max_length=40)
        epsilon = peewee.DoubleField()
        scale = peewee.DoubleField()
        min_count = peewee.IntegerField()
        stations = peewee.IntegerField()
        cells = peewee.TextField()
        method = peewee.TextField()
        published_at = peewee.DoubleField()
        published_by = peewee.CharField(max_length=128)

        class Meta:
            table_name = "hub_releases"

    db.create_tables([StatCount, PrivacyBudget, Release])
