"""Encrypted fields on plugin tables: sealed at rest, bound to their row, refused in clear."""

import os

import peewee
import pytest

from core.db import database
from core.privacy import consent
from core.privacy.crypto import DecryptionError
from core.privacy.fields import PlaintextRefused, Sealed, UndeclaredCategory
from core.privacy.keys import CitizenKey, DataErased, data_keys

NAME = "Nguyễn Thị Hồng Nhung"
OTHER_NAME = "Trần Văn Đức"
ID_NUMBER = "079302012345"
NOTE = "Huyết áp cao, đau đầu khi thức dậy"


def _consented(app, citizen_id, *categories):
    with app.test_request_context():
        for category in categories:
            consent.grant(citizen_id, "fx_private", category, actor=f"citizen:{citizen_id}")


def _sql(query, params=()):
    """Raw SQL with the database's parameter marker (``?`` on SQLite, ``%s`` on PostgreSQL)."""
    return database.execute_sql(query.replace("?", database.obj.param), params)


def _models():
    import fx_private

    return fx_private.Screening, fx_private.Profile


def test_values_are_stored_as_v1_ciphertext_and_read_back_in_clear(private_station, new_citizen):
    Screening, Profile = _models()
    citizen = new_citizen()
    _consented(private_station, citizen, "health", "personal")
    with private_station.test_request_context():
        profile = Profile.create(citizen_id=citizen, full_name=NAME, id_number=ID_NUMBER)
        screening = Screening.create(citizen_id=citizen, taken_at=1.0, notes=NOTE, vitals={"spo2": 97, "note": "ổn"})
        assert profile.full_name == NAME  # the instance keeps the clear value it was given
        stored = _sql("SELECT full_name, id_number FROM fx_private_profile WHERE id = ?",
                                      (profile.id,)).fetchone()
        assert all(bytes(value).startswith(b"v1") for value in stored)
        assert NAME.encode() not in bytes(stored[0]) and ID_NUMBER.encode() not in bytes(stored[1])
        again = Screening.get_by_id(screening.id)
        assert isinstance(again.__data__["notes"], Sealed)
        assert again.notes == NOTE and again.vitals == {"spo2": 97, "note": "ổn"}


def test_updating_an_encrypted_value_reseals_it_for_the_same_row(private_station, new_citizen):
    Screening, _ = _models()
    citizen = new_citizen()
    _consented(private_station, citizen, "health")
    with private_station.test_request_context():
        row = Screening.create(citizen_id=citizen, taken_at=1.0, notes=NOTE)
        before = _sql("SELECT notes FROM fx_private_screening").fetchone()[0]
        row.notes = "Đã tái khám, bình thường"
        row.save()
        after = _sql("SELECT notes FROM fx_private_screening").fetchone()[0]
        assert bytes(before) != bytes(after)
        assert Screening.get_by_id(row.id).notes == "Đã tái khám, bình thường"


def test_a_ciphertext_copied_to_another_row_or_column_fails_to_decrypt(private_station, new_citizen):
    Screening, Profile = _models()
    citizen = new_citizen()
    _consented(private_station, citizen, "health", "personal")
    with private_station.test_request_context():
        first = Screening.create(citizen_id=citizen, taken_at=1.0, notes=NOTE)
        second = Screening.create(citizen_id=citizen, taken_at=2.0, notes="khác")
        profile = Profile.create(citizen_id=citizen, full_name=NAME, id_number=ID_NUMBER)
        _sql("UPDATE fx_private_screening SET notes = (SELECT notes FROM fx_private_screening "
                             "WHERE id = ?) WHERE id = ?", (first.id, second.id))
        with pytest.raises(DecryptionError, match="copied from another row"):
            _ = Screening.get_by_id(second.id).notes
        _sql("UPDATE fx_private_profile SET full_name = id_number WHERE id = ?", (profile.id,))
        with pytest.raises(DecryptionError):
            _ = Profile.get_by_id(profile.id).full_name
        assert Screening.get_by_id(first.id).notes == NOTE  # the original row is untouched


def test_a_row_moved_to_another_citizen_fails_to_decrypt(private_station, new_citizen):
    Screening, _ = _models()
    owner, other = new_citizen(), new_citizen()
    _consented(private_station, owner, "health")
    _consented(private_station, other, "health")
    with private_station.test_request_context():
        row = Screening.create(citizen_id=owner, taken_at=1.0, notes=NOTE)
        Screening.create(citizen_id=other, taken_at=1.0, notes="x")  # other has a data key too
        _sql("UPDATE fx_private_screening SET citizen_id = ? WHERE id = ?", (other, row.id))
        with pytest.raises(DecryptionError):
            _ = Screening.get_by_id(row.id).notes


def test_clear_values_never_reach_sql_through_bulk_queries_or_comparisons(private_station, new_citizen):
    Screening, _ = _models()
    citizen = new_citizen()
    _consented(private_station, citizen, "health")
    with private_station.test_request_context():
        with pytest.raises(PlaintextRefused, match="is encrypted"):
            Screening.insert(citizen_id=citizen, taken_at=1.0, notes=NOTE).execute()
        row = Screening.create(citizen_id=citizen, taken_at=1.0, notes=NOTE)
        with pytest.raises(PlaintextRefused):
            Screening.update(notes="lộ").where(Screening.id == row.id).execute()
        with pytest.raises(PlaintextRefused):
            list(Screening.select().where(Screening.notes == NOTE))
        raw = Screening.select(Screening.notes).tuples().get()[0]
        assert isinstance(raw, Sealed) and NOTE.encode() not in raw


def test_a_failed_save_leaves_no_row_and_no_placeholder(private_station, new_citizen, monkeypatch):
    Screening, _ = _models()
    citizen = new_citizen()
    _consented(private_station, citizen, "health")

    def broken_seal(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("core.privacy.fields.seal_field", broken_seal)
    with private_station.test_request_context():
        with pytest.raises(RuntimeError):
            Screening.create(citizen_id=citizen, taken_at=1.0, notes=NOTE)
        assert Screening.select().count() == 0


def test_reading_after_the_data_key_is_destroyed_says_data_erased(private_station, new_citizen, station_clock):
    Screening, _ = _models()
    citizen = new_citizen()
    _consented(private_station, citizen, "health")
    with private_station.test_request_context():
        row = Screening.create(citizen_id=citizen, taken_at=1.0, notes=NOTE)
        data_keys().destroy(citizen)
        key_row = CitizenKey.get(CitizenKey.citizen_id == citizen)
        assert key_row.wrapped_key is None and key_row.destroyed_at == station_clock()
        with pytest.raises(DataErased, match="erased"):
            _ = Screening.get_by_id(row.id).notes
        with pytest.raises(DataErased):
            Screening.create(citizen_id=citizen, taken_at=2.0, notes="mới")


def test_a_model_whose_category_the_manifest_does_not_declare_is_refused(private_station, new_citizen):
    from core.privacy.fields import EncryptedTextField, PersonalDataModel

    class Location(PersonalDataModel):
        data_category = "location"
        plugin_id = "fx_private"
        citizen_id = peewee.IntegerField()
        place = EncryptedTextField()

        class Meta:
            table_name = "fx_private_location"

    with private_station.test_request_context():
        with pytest.raises(UndeclaredCategory, match="does not declare it"):
            Location(citizen_id=new_citizen(), place="Quận 1").save()


def test_a_raw_dump_of_the_database_files_holds_none_of_the_personal_strings(private_station, new_citizen):
    Screening, Profile = _models()
    probes = [NAME, OTHER_NAME, ID_NUMBER, NOTE]
    citizens = [new_citizen(), new_citizen()]
    for citizen in citizens:
        _consented(private_station, citizen, "health", "personal")
    with private_station.test_request_context():
        for citizen, name in zip(citizens, (NAME, OTHER_NAME), strict=True):
            Profile.create(citizen_id=citizen, full_name=name, id_number=ID_NUMBER)
            Screening.create(citizen_id=citizen, taken_at=1.0, notes=NOTE, vitals={"who": name})
            assert Profile.get(Profile.citizen_id == citizen).full_name == name  # read, decrypt, log
        import fx_example

        fx_example.Note.create(citizen_id=citizens[0], text="Ghi chú không mã hoá")  # control: plain column
    db = database.obj
    if not isinstance(db, peewee.SqliteDatabase):
        pytest.skip("raw file dump is a SQLite test")
    db.execute_sql("PRAGMA wal_checkpoint(FULL)")
    path = db.database
    dump = b"".join(open(p, "rb").read() for p in (path, path + "-wal") if os.path.exists(p))
    assert "Ghi chú không mã hoá".encode() in dump  # the dump would show a clear value
    for probe in probes:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert probe.encode(encoding) not in dump, f"{probe!r} found in the database files ({encoding})"
