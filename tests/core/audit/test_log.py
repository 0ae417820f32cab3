"""The database-backed audit log: append, proofs, checkpoints, tamper detection, fail closed."""

import base64
import threading

import peewee
import pytest

from core.audit import merkle
from core.audit.log import transaction
from core.audit.note import open_checkpoint, parse_verifier_key
from core.audit.store import AuditEntry
from core.cli import main
from core.db import database
from sdk.testing import TemporaryPostgresDatabase, require_postgres


@pytest.fixture(params=["sqlite", "postgres"])
def station(request, make_station):
    if request.param == "sqlite":
        return make_station(plugins=[])
    temp = TemporaryPostgresDatabase(require_postgres())
    request.addfinalizer(temp.drop)
    request.addfinalizer(database.close)
    return make_station(plugins=[], database_url=temp.url)


def _log(app):
    return app.extensions["station"].audit


def _append(app, n, start=0):
    with app.app_context():
        for i in range(start, start + n):
            _log(app).record("test.action", actor="system", object_ref=f"thing:{i}", details={"n": i})


def test_entries_get_dense_indexes_and_export_exact_leaf_bytes(station):
    _append(station, 5)
    with station.app_context():
        lines = list(_log(station).export())
    assert len(lines) == 5
    for i, line in enumerate(lines):
        assert line.startswith(f'{{"action":"test.action","actor":"system","details":{{"n":{i}}},"i":{i},')
        with station.app_context():
            stored = AuditEntry.get_by_id(i).leaf_hash
        assert bytes(stored) == merkle.leaf_hash(line.encode())
    with station.app_context():
        assert _log(station).verify().ok


def test_inclusion_proof_over_http_verifies_with_the_public_key_and_standard_math(station):
    _append(station, 11)
    client = station.test_client()
    key = parse_verifier_key(client.get("/audit/pubkey").get_data(as_text=True).strip())
    for index in (0, 5, 10):
        body = client.get(f"/audit/proof/{index}").json
        checkpoint = open_checkpoint(body["checkpoint"], [key])
        assert checkpoint.size == body["tree_size"] >= 11
        with station.app_context():
            leaf = AuditEntry.get_by_id(index).leaf.encode()
        assert base64.b64decode(body["leaf_hash"]) == merkle.leaf_hash(leaf)
        merkle.verify_inclusion(index, body["tree_size"], merkle.leaf_hash(leaf),
                                [base64.b64decode(h) for h in body["inclusion_proof"]], checkpoint.root_hash)
    assert client.get("/audit/proof/999").status_code == 404


def test_checkpoints_every_n_entries_are_consistent(make_station):
    app = make_station(plugins=[], audit={"checkpoint_every": 4, "checkpoint_seconds": 10**6})
    _append(app, 13)
    with app.app_context():
        from core.audit.store import AuditCheckpoint

        sizes = [c.size for c in AuditCheckpoint.select().order_by(AuditCheckpoint.size)]
        assert sizes == [1, 5, 9, 13]
        report = _log(app).verify()
    assert report.ok and report.checkpoints == 4 and report.size == 13


def test_checkpoint_after_m_seconds(make_station, station_clock):
    app = make_station(plugins=[], audit={"checkpoint_every": 1000, "checkpoint_seconds": 60})
    _append(app, 3)
    station_clock.advance(61)
    _append(app, 1, start=3)
    with app.app_context():
        from core.audit.store import AuditCheckpoint

        assert [c.size for c in AuditCheckpoint.select().order_by(AuditCheckpoint.size)] == [1, 4]


def _tamper(app, sql, *params):
    with app.app_context():
        database.execute_sql(sql, params)


def _verify_cli(app, capsys):
    home = app.extensions["station"].config.home
    (home / "station.toml").write_text((home / "station.toml").read_text())
    capsys.readouterr()
    with app.app_context():
        report = _log(app).verify()
    return report


@pytest.mark.parametrize("tamper, bad_index, words", [
    (lambda app: _tamper(app, "UPDATE audit_entry SET leaf = replace(leaf, 'thing:4', 'thing:X') WHERE idx = 4"),
     4, "entry 4 does not match its stored leaf hash"),
    (lambda app: _tamper(app, "DELETE FROM audit_entry WHERE idx = 3"), 3, "entry 3 is missing"),
    (lambda app: _tamper(app, "DELETE FROM audit_entry WHERE idx = 7"), 7, "entries deleted at the end"),
    (lambda app: _swap(app, 2, 5), 2, "entry 2 claims index 5"),
    (lambda app: _insert_after(app, 1), 2, "entry 2 claims index 1"),
])
def test_tampering_with_audit_rows_is_detected_and_names_the_first_bad_index(station, tamper, bad_index, words):
    _append(station, 8)
    tamper(station)
    with station.app_context():
        report = _log(station).verify()
    assert not report.ok
    assert report.bad_index == bad_index
    assert words in report.problem


def _swap(app, a, b):
    with app.app_context():
        leaf_a, leaf_b = AuditEntry.get_by_id(a).leaf, AuditEntry.get_by_id(b).leaf
        AuditEntry.update(leaf=leaf_b).where(AuditEntry.idx == a).execute()
        AuditEntry.update(leaf=leaf_a).where(AuditEntry.idx == b).execute()


def _insert_after(app, index):
    """Shift every later entry up by one and put a forged entry in the gap."""
    with app.app_context():
        rows = list(AuditEntry.select().where(AuditEntry.idx > index).order_by(AuditEntry.idx.desc()))
        for row in rows:
            AuditEntry.update(idx=row.idx + 1).where(AuditEntry.idx == row.idx).execute()
        forged = AuditEntry.get_by_id(index)
        AuditEntry.insert(idx=index + 1, leaf=forged.leaf, leaf_hash=forged.leaf_hash).execute()


def test_rewriting_an_entry_and_its_leaf_hash_is_caught_by_the_signed_checkpoint(make_station):
    app = make_station(plugins=[], audit={"checkpoint_every": 4, "checkpoint_seconds": 10**6})
    _append(app, 8)
    with app.app_context():
        leaf = AuditEntry.get_by_id(3).leaf.replace("thing:3", "thing:Y")
        AuditEntry.update(leaf=leaf).where(AuditEntry.idx == 3).execute()
        AuditEntry.update(leaf_hash=merkle.leaf_hash(leaf.encode())).where(AuditEntry.idx == 3).execute()
        report = _log(app).verify()
    assert not report.ok
    assert report.bad_index == 1
    assert "checkpoint at size 5 does not match the entries: an entry between index 1 and 4" in report.problem


def test_verify_reports_entries_not_yet_covered_by_a_checkpoint(make_station):
    app = make_station(plugins=[], audit={"checkpoint_every": 4, "checkpoint_seconds": 10**6})
    _append(app, 8)
    with app.app_context():
        report = _log(app).verify()
    assert report.ok and report.unsigned == 3


def test_verify_cli_exit_codes(make_station, capsys):
    app = make_station(plugins=[])
    _append(app, 3)
    home = str(app.extensions["station"].config.home)
    # the CLI opens the same database through the station.toml make_station wrote
    assert main(["--home", home, "audit", "verify"]) == 0
    assert "OK: 3 entries" in capsys.readouterr().out
    _tamper(app, "UPDATE audit_entry SET leaf = replace(leaf, 'thing:1', 'thing:Z') WHERE idx = 1")
    assert main(["--home", home, "audit", "verify"]) == 1
    assert "FAILED at entry 1:" in capsys.readouterr().err


def test_business_change_and_entry_commit_together_or_not_at_all(station):
    with station.app_context():
        database.execute_sql("CREATE TABLE acme_item (id INTEGER PRIMARY KEY, name TEXT)")
        with transaction():
            database.execute_sql("INSERT INTO acme_item (id, name) VALUES (1, 'ok')")
            _log(station).record("acme.create", actor="system", object_ref="acme_item:1")
        with pytest.raises(RuntimeError), transaction():
            database.execute_sql("INSERT INTO acme_item (id, name) VALUES (2, 'rolled back')")
            _log(station).record("acme.create", actor="system", object_ref="acme_item:2")
            raise RuntimeError("the action failed after its entry was written")
        assert [r[0] for r in database.execute_sql("SELECT id FROM acme_item").fetchall()] == [1]
        assert _log(station).size() == 1
        assert _log(station).verify().ok


def test_action_is_refused_when_its_audit_entry_cannot_be_written(make_station):
    app = make_station(plugins=[])
    with app.app_context():
        database.execute_sql("CREATE TABLE acme_item (id INTEGER PRIMARY KEY)")
        database.execute_sql("CREATE TRIGGER audit_full BEFORE INSERT ON audit_entry "
                             "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        with pytest.raises(peewee.IntegrityError), transaction():
            database.execute_sql("INSERT INTO acme_item (id) VALUES (1)")
            _log(app).record("acme.create", actor="system", object_ref="acme_item:1")
        assert database.execute_sql("SELECT count(*) FROM acme_item").fetchone()[0] == 0
        assert database.execute_sql("SELECT count(*) FROM audit_node").fetchone()[0] == 0
        assert _log(app).size() == 0


def test_concurrent_appends_are_serialised_with_dense_indexes(station):
    errors = []

    def worker(n):
        try:
            with station.app_context():
                for i in range(10):
                    _log(station).record("test.concurrent", actor="system", object_ref=f"w{n}:{i}")
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with station.app_context():
        assert _log(station).size() == 40
        assert [r.idx for r in AuditEntry.select().order_by(AuditEntry.idx)] == list(range(40))
        assert _log(station).verify().ok


def test_observers_hear_committed_entries_only(make_station, fixture_plugins_dir):
    app = make_station(plugins=["fx_example"], plugin_paths=(fixture_plugins_dir,))
    import fx_example

    fx_example.CALLS.clear()
    with app.app_context():
        with transaction():
            _log(app).record("kept", actor="system")
        with pytest.raises(RuntimeError), transaction():
            _log(app).record("rolled.back", actor="system")
            raise RuntimeError("abort")
        with transaction():
            try:
                with transaction():
                    _log(app).record("savepoint.rolled.back", actor="system")
                    raise ValueError("inner")
            except ValueError:
                pass
    events = [c[1] for c in fx_example.CALLS if c[0] == "audit_event"]
    assert [e.action for e in events] == ["kept"]
    assert events[0].index == 0 and events[0].outcome == "ok"


def test_audit_details_refuse_documents(make_station):
    app = make_station(plugins=[])
    from core.audit.merkle import AuditError

    with app.app_context(), pytest.raises(AuditError, match="references, never documents"):
        _log(app).record("x", actor="system", details={"note": "x" * 500})


def test_a_rolled_back_append_does_not_poison_the_cached_tree_when_another_process_appends(station):
    """A process caches the frontier of its last append. That append rolls back; another process
    (a `station` command beside the server) appends at the same index; the first process's next
    append must build on the committed tree, not on its cached one with the rolled-back leaf."""
    import copy

    _append(station, 3)
    with station.app_context():
        server = _log(station)
        command = copy.copy(server)  # a second process: same log, its own cache
        command._last_frontier = None
        _append(station, 1, start=3)  # the server's cache now holds a committed append
        with pytest.raises(RuntimeError), transaction():
            server.record("test.rolled_back", actor="system")
            raise RuntimeError("the action failed")
        command.record("test.by_command", actor="system")
        server.record("test.after", actor="system")
        server.checkpoint()  # signs the root of the stored tree (its inner nodes)
        result = server.verify()
        assert result.ok, result
        assert server.size() == 6
        assert not any(b'"test.rolled_back"' in line.encode() for line in server.export())
