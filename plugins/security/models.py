"""Reports to the ward police. Identified reports are the reporter's personal data (encrypted);
anonymous tips live in their own table, which has no column that could name the reporter."""

from __future__ import annotations

import peewee

from sdk import Model
from sdk.privacy import EncryptedJSONField, PersonalDataModel

KINDS = ("incident", "tip", "lost_documents")


class Report(PersonalDataModel):
    """A report by an identified citizen; ``content`` holds description, time, place, photo."""

    data_category = "personal"
    timestamp_field = "created_at"

    citizen_id = peewee.IntegerField(index=True)
    tracking_code = peewee.CharField(max_length=20, unique=True)
    kind = peewee.CharField(max_length=20)
    category = peewee.CharField(max_length=40)
    content = EncryptedJSONField()
    created_at = peewee.DoubleField()

    class Meta:
        table_name = "security_report"


class AnonymousTip(Model):
    """A security tip whose reporter chose to stay anonymous: no citizen, session or device link."""

    tracking_code = peewee.CharField(max_length=20, unique=True)
    category = peewee.CharField(max_length=40)
    description = peewee.TextField()
    occurred = peewee.CharField(max_length=40)
    place = peewee.CharField(max_length=200)
    photo_type = peewee.CharField(max_length=40, null=True)
    photo = peewee.BlobField(null=True)
    created_on = peewee.CharField(max_length=10)  # the date only: a timestamp could be matched to a session

    class Meta:
        table_name = "security_tip"
