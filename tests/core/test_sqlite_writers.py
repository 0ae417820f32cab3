"""The station's SQLite writers queue on one process lock: no writer polls, none is lost."""

from __future__ import annotations

import threading

import pytest

from core.sqlite_writers import QueuedWritersSqliteDatabase

PRAGMAS = {"journal_mode": "wal", "synchronous": 2, "busy_timeout": 10000}


@pytest.fixture
def database(tmp_path):
    db = QueuedWritersSqliteDatabase(str(tmp_path / "w.db"), pragmas=PRAGMAS, check_same_thread=False)
    db.execute_sql("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
    db.execute_sql("INSERT INTO counter VALUES (1, 0)")
    db.execute_sql("CREATE TABLE row (x INTEGER)")
    yield db
    db.close()


def test_concurrent_transactions_and_autocommit_writes_all_land_one_writer_at_a_time(database):
    inside = []
    overlap = []

    def work(k: int) -> None:
        for i in range(25):
            with database.atomic(lock_type="IMMEDIATE"):
                inside.append(k)
                if len(inside) > 1:
                    overlap.append(k)
                (n,) = database.execute_sql("SELECT n FROM counter WHERE id = 1").fetchone()
                database.execute_sql("UPDATE counter SET n = ? WHERE id = 1", (n + 1,))
                inside.remove(k)
            database.execute_sql("INSERT INTO row VALUES (?)", (k * 100 + i,))
        database.close()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlap == []
    assert database.execute_sql("SELECT n FROM counter").fetchone() == (200,)
    assert database.execute_sql("SELECT COUNT(*) FROM row").fetchone() == (200,)
    assert not database.holds_write_lock()


def test_a_failed_transaction_gives_the_lock_back(database):
    with pytest.raises(RuntimeError):
        with database.atomic(lock_type="IMMEDIATE"):
            database.execute_sql("UPDATE counter SET n = 99")
            assert database.holds_write_lock()
            raise RuntimeError("boom")
    assert not database.holds_write_lock()
    done = threading.Event()

    def other() -> None:
        database.execute_sql("INSERT INTO row VALUES (1)")
        database.close()
        done.set()

    threading.Thread(target=other).start()
    assert done.wait(5), "another thread could not write after the rollback"
    assert database.execute_sql("SELECT n FROM counter").fetchone() == (0,)


def test_a_deferred_transaction_holds_the_lock_from_its_first_write_to_its_end(database):
    with database.atomic():
        database.execute_sql("SELECT n FROM counter").fetchone()
        assert not database.holds_write_lock()
        database.execute_sql("UPDATE counter SET n = 5")
        assert database.holds_write_lock()
    assert not database.holds_write_lock()
    assert database.execute_sql("SELECT n FROM counter").fetchone() == (5,)
