"""The station's side: enrol, the durable outbox replayed in order and once, witnessing —
against hub apps on a throwaway PostgreSQL database (the station itself on SQLite)."""

from __future__ import annotations

import json
import threading
from urllib.parse import urlparse

import pytest

from core.audit.cosignature import verify_cosignature
from core.audit.note import parse_note
from core.audit.store import AuditEntry
from core.fleet.client import HubClient, HubRefused, HubUnreachable
from core.fleet.models import AuditCosignature, HubLink, HubOutbox
from hub.db import Station, StationMessage, WitnessedLog
from hub.service import create_enrolment_code


@pytest.fixture
def hub_clock(station_clock):
    return station_clock  # one clock for both sides, so signatures are fresh


class FlakyHub:
    """Routes the station's requests to one of the hub apps; can be down or lose answers."""

    def __init__(self, apps) -> None:
        self.apps, self.turn, self.down, self.lose_answers = apps, 0, False, False

    def __call__(self, method, url, headers, body):
        if self.down:
            raise HubUnreachable("the hub is unreachable: connection refused")
        parsed = urlparse(url)
        self.turn += 1
        client = self.apps[self.turn % len(self.apps)].test_client()
        response = client.open(parsed.path, method=method, data=body, headers=headers)
        if self.lose_answers:
            raise HubUnreachable("the hub is unreachable: timed out")
        return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def linked(station_factory, hub_apps, station_clock):
    app = station_factory(plugins=[])
    hub = FlakyHub(hub_apps)
    client = HubClient(app.extensions["station"], hub)
    with app.app_context():
        client.enrol("http://localhost", create_enrolment_code(station_clock()))
    return app, client, hub


def test_enrolment_registers_the_audit_key_and_is_audited(linked):
    app, client, _ = linked
    with app.app_context():
        link = HubLink.get()
        station = app.extensions["station"]
        assert Station.get_by_id(link.station_id).verifier_key == station.audit.verifier_key().encode()
        last = json.loads(AuditEntry.select().order_by(AuditEntry.idx.desc()).first().leaf)
        assert last["action"] == "hub.enrolled" and last["object"] == link.station_id


def test_a_day_offline_then_the_outbox_replays_in_order_once(linked, station_clock):
    app, client, hub = linked
    hub.down = True
    with app.app_context():
        ids = []
        for _hour in range(24):
            ids.append(client.enqueue_heartbeat())
            with pytest.raises(HubUnreachable):
                client.flush()
            station_clock.advance(3600)
        assert client.pending() == 24 and HubOutbox.get().attempts >= 1

        hub.down, hub.lose_answers = False, True  # stored by the hub, but the answer is lost
        with pytest.raises(HubUnreachable):
            client.flush()
        assert client.pending() == 24
        hub.lose_answers = False
        assert client.flush() == 24 and client.pending() == 0
    rows = list(StationMessage.select().order_by(StationMessage.id))
    assert [r.message_id for r in rows] == ids  # in order, each once
    station_id = rows[0].station_id
    health = json.loads(Station.get_by_id(station_id).health)
    assert health["site_id"] == "test-station" and "devices" in health and health["disk"]["free"] > 0


def test_checkpoints_are_witnessed_and_cosignatures_kept(linked, hub_apps, station_clock):
    app, client, _ = linked
    station = app.extensions["station"]
    with app.app_context():
        for n in range(3):
            station.audit.record("test.event", actor="os:test", object_ref=f"o{n}")
        first = client.witness()
        for n in range(5):
            station.audit.record("test.event", actor="os:test", object_ref=f"p{n}")
        second = client.witness()
        assert second == first + 5 == HubLink.get().witnessed_size
        row = AuditCosignature.get_by_id(second)
        note = parse_note(row.note)
        witness_key = hub_apps[0].extensions["hub"]["witness"].verifier_key()
        cosignature = [s for s in note.signatures if s.name == "citizen-station-hub"][0]
        assert verify_cosignature(cosignature.line(), note.text, witness_key) == int(station_clock())
    assert WitnessedLog.get(WitnessedLog.station_id == HubLink.get().station_id).size == second


def test_a_station_whose_log_was_rolled_back_is_told_and_the_hub_alerts(linked):
    from hub.db import Alert

    app, client, _ = linked
    station = app.extensions["station"]
    with app.app_context():
        for n in range(4):
            station.audit.record("test.event", actor="os:test", object_ref=f"o{n}")
        size = client.witness()
        HubLink.update(witnessed_size=0).execute()  # the attacker also resets the link…
        from core.audit.store import AuditCheckpoint, AuditHead

        # …and deletes the log's tail, checkpoints and head (the station alone cannot tell).
        AuditEntry.delete().where(AuditEntry.idx >= size - 2).execute()
        AuditCheckpoint.delete().where(AuditCheckpoint.size >= size - 2).execute()
        AuditHead.update(size=size - 2, checkpoint_size=0).execute()
        with pytest.raises(HubRefused, match="rolled back"):
            client.witness()
        client.enqueue_heartbeat()
        client.flush()
    assert Alert.get().kind == "audit-rollback"


def test_station_hub_cli_against_a_real_hub_process(hub_config, hub_clock, tmp_path, capsys):
    import waitress.server

    from core.cli import main
    from hub.app import create_app

    server = waitress.server.create_server(create_app(hub_config), host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.effective_port}"
        import time

        code = create_enrolment_code(time.time())
        home = str(tmp_path / "home")
        assert main(["--home", home, "init"]) == 0
        assert main(["--home", home, "hub", "enrol", url, code]) == 0
        assert "enrolled with" in capsys.readouterr().out
        assert main(["--home", home, "hub", "agent", "--once"]) == 0
        out = capsys.readouterr()
        assert "5 messages delivered, 0 waiting" in out.out, out.err  # heartbeat, usage, stats ×2, observations
        assert main(["--home", home, "hub", "enrol", url, code]) == 2  # the code is spent
        assert "already used" in capsys.readouterr().err
    finally:
        server.close()
    assert main(["--home", home, "hub", "heartbeat"]) == 0  # the hub is gone: kept for later
    assert "messages kept in the outbox" in capsys.readouterr().err
    assert main(["--home", home, "hub", "status"]) == 0
    assert "1 messages waiting" in capsys.readouterr().out  # the heartbeat (usage went an hour ago)


def test_proofs_name_the_cosigned_checkpoint_and_verify_witness_catches_a_rollback(linked, hub_apps):
    import base64

    from core.audit.merkle import verify_inclusion
    from core.audit.note import parse_checkpoint
    from core.audit.store import AuditCheckpoint, AuditHead
    from core.fleet.witnessed import inclusion_with_witness, verify_witnessed

    app, client, _ = linked
    station = app.extensions["station"]
    with app.app_context():
        for n in range(6):
            station.audit.record("test.event", actor="os:test", object_ref=f"o{n}")
        size = client.witness()
        assert verify_witnessed(station.audit).ok and verify_witnessed(station.audit).newest_size == size
        # the public proof a receipt links to carries the cosigned checkpoint and a proof to it
        answer = app.test_client().get("/audit/proof/2").get_json()
        witnessed = answer["witnessed"]
        assert witnessed["tree_size"] == size and "— citizen-station-hub " in witnessed["checkpoint"]
        assert witnessed == inclusion_with_witness(station.audit, 2)["witnessed"]
        root = parse_checkpoint(parse_note(witnessed["checkpoint"]).text).root_hash
        leaf = AuditEntry.get_by_id(2).leaf_hash
        verify_inclusion(2, size, bytes(leaf), [base64.b64decode(h) for h in witnessed["inclusion_proof"]], root)

        # a cosignature that does not verify is named
        row = AuditCosignature.get_by_id(size)
        line = [x for x in row.note.split("\n") if x.startswith("— citizen-station-hub ")][0]
        raw = bytearray(base64.b64decode(line.split(" ")[2]))
        raw[-1] ^= 1
        forged = f"— citizen-station-hub {base64.b64encode(bytes(raw)).decode()}"
        AuditCosignature.update(note=row.note.replace(line, forged)).execute()
        assert "cosignature does not verify" in verify_witnessed(station.audit).problems[0]
        AuditCosignature.update(note=row.note).execute()

        # the station's log rolled back below what the witness cosigned: caught locally too
        AuditEntry.delete().where(AuditEntry.idx >= size - 2).execute()
        AuditCheckpoint.delete().where(AuditCheckpoint.size >= size - 2).execute()
        AuditHead.update(size=size - 2, checkpoint_size=0).execute()
        report = verify_witnessed(station.audit)
    assert not report.ok and "rolled back" in report.problems[0]


def test_station_audit_verify_witness_cli(linked, capsys):
    from core.cli import main

    app, client, _ = linked
    home = str(app.extensions["station"].config.home)
    with app.app_context():
        app.extensions["station"].audit.record("test.event", actor="os:test", object_ref="x")
    assert main(["--home", home, "audit", "verify", "--witness"]) == 1
    assert "no checkpoint has been cosigned" in capsys.readouterr().err
    with app.app_context():
        size = client.witness()
    assert main(["--home", home, "audit", "verify", "--witness"]) == 0
    assert f"the witness has seen the first {size} of" in capsys.readouterr().out
