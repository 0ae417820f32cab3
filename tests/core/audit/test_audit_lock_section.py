"""PostgreSQL: what an audited write does while it holds the audit head's row lock (issue 22,
"the PostgreSQL audited-write slowdown"). Every audited write waits for that lock, and it is
held from the claim of the index until COMMIT, so the station sends as little as possible in
between: inside a business transaction, one statement (the entry and its Merkle nodes
together), no savepoint of its own — and the chain stays exact under concurrent writers."""

from __future__ import annotations

import threading

import pytest

from core.audit.log import transaction
from core.db import database
from sdk.testing import TemporaryPostgresDatabase, require_postgres


@pytest.fixture
def app(request, make_station):
    temp = TemporaryPostgresDatabase(require_postgres())
    request.addfinalizer(temp.drop)
    request.addfinalizer(lambda: database.close())
    return make_station(plugins=[], database_url=temp.url,
                        audit={"checkpoint_every": 10**6, "checkpoint_seconds": 10**6})


def _statements_after_claim(app, monkeypatch, nested: bool) -> list[list[str]]:
    log = app.extensions["station"].audit
    seen: list[str] = []
    real = type(database.obj).execute_sql

    def spy(self, sql, params=None, *args, **kwargs):
        seen.append(sql.split()[0].upper() + (" audit_head" if "audit_head" in sql else ""))
        return real(self, sql, params, *args, **kwargs)

    monkeypatch.setattr(type(database.obj), "execute_sql", spy)
    per_record = []
    with app.app_context():
        for i in range(9):  # sizes 0..8: appends that complete 0, 1, 2 and 3 inner nodes
            if nested:
                with transaction():
                    database.obj.execute_sql("SELECT 1")  # the business statement before the entry
                    seen.clear()
                    log.record("test.action", actor="system", object_ref=f"thing:{i}")
                    per_record.append(list(seen))
            else:
                seen.clear()
                log.record("test.action", actor="system", object_ref=f"thing:{i}")
                per_record.append(list(seen))
    monkeypatch.undo()
    return per_record


def test_inside_a_business_transaction_the_entry_is_one_statement_after_the_claim(app, monkeypatch):
    # the first entry also starts the log (its identity and first checkpoint): the others are the rule
    for statements in _statements_after_claim(app, monkeypatch, nested=True)[1:]:
        claim = statements.index("UPDATE audit_head")
        # one round trip: the entry, its inner nodes and the head's last leaf; no RELEASE SAVEPOINT
        assert len(statements[claim + 1:]) == 1 and statements[claim + 1].startswith("INSERT"), statements
        assert not any(s.startswith(("SAVEPOINT", "RELEASE")) for s in statements)
    with app.app_context():
        assert app.extensions["station"].audit.verify().ok


def test_concurrent_audited_business_transactions_keep_the_chain_exact(app):
    log = app.extensions["station"].audit
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with app.app_context():
                for i in range(15):
                    with transaction():
                        database.obj.execute_sql("SELECT 1")
                        log.record("test.action", actor="system", object_ref=f"w{n}:{i}")
                database.close()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with app.app_context():
        report = log.verify()
        assert report.ok, report.problem
        assert log.size() == 90


def test_a_failed_business_transaction_leaves_no_entry_and_the_next_one_verifies(app):
    log = app.extensions["station"].audit
    with app.app_context():
        log.record("test.action", actor="system", object_ref="first")
        with pytest.raises(RuntimeError), transaction():
            log.record("test.action", actor="system", object_ref="rolled back")
            raise RuntimeError("the business step failed after its entry")
        log.record("test.action", actor="system", object_ref="second")
        assert log.size() == 2 and log.verify().ok
