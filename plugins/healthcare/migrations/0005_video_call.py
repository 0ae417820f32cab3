"""Live video consultations at the kiosk: the call and its signalling messages (frozen copies).

No media is stored: a call row holds who/when, and the WebRTC offer/answer travel through
``healthcare_video_signal`` only while the call lasts (deleted when it ends).
"""

import peewee


def migrate(db: peewee.Database) -> None:
    class VideoCall(peewee.Model):
        citizen_id = peewee.IntegerField(index=True)
        state = peewee.CharField(max_length=16, default="waiting")
        created_at = peewee.DoubleField()
        answered_at = peewee.DoubleField(null=True)
        ended_at = peewee.DoubleField(null=True)
        ended_by = peewee.CharField(max_length=16, null=True)
        kiosk_seen_at = peewee.DoubleField(null=True)

        class Meta:
            database = db
            table_name = "healthcare_video_call"

    class VideoSignal(peewee.Model):
        call_id = peewee.IntegerField(index=True)
        sender = peewee.CharField(max_length=8)
        kind = peewee.CharField(max_length=8)
        body = peewee.TextField()
        created_at = peewee.DoubleField()

        class Meta:
            database = db
            table_name = "healthcare_video_signal"

    db.create_tables([VideoCall, VideoSignal])
