"""The C2SP tlog-witness add-checkpoint endpoint: cosignatures, the spec's error answers,
rollback and fork alerts, and the atomic check-and-update under concurrent submissions."""

from __future__ import annotations

import threading

import pytest

from core.audit.cosignature import verify_cosignature
from core.audit.note import parse_note
from hub.db import Alert, WitnessedLog
from hub.service import create_enrolment_code, revoke_station


@pytest.fixture
def enrolled(hub_apps, make_station, hub_clock):
    station = make_station("hn-w")
    station.enrol(hub_apps[0].test_client(), create_enrolment_code(hub_clock()))
    return station


def _add(app, body: bytes):
    return app.test_client().post("/add-checkpoint", data=body)


def _witness_key(app) -> str:
    return app.extensions["hub"]["witness"].verifier_key()


def test_first_and_later_checkpoints_are_cosigned(hub_apps, enrolled, hub_clock):
    enrolled.append(5)
    first = _add(hub_apps[0], enrolled.add_checkpoint_body(0))
    assert first.status_code == 200, first.get_data(as_text=True)
    body = parse_note(enrolled.checkpoint_note()).text
    assert verify_cosignature(first.get_data(as_text=True), body, _witness_key(hub_apps[1])) == int(hub_clock())
    enrolled.append(8)
    second = _add(hub_apps[1], enrolled.add_checkpoint_body(5))
    assert second.status_code == 200
    verify_cosignature(second.get_data(as_text=True), parse_note(enrolled.checkpoint_note()).text, _witness_key(hub_apps[0]))
    assert WitnessedLog.get(WitnessedLog.origin == enrolled.signer.name).size == 13
    again = _add(hub_apps[0], enrolled.add_checkpoint_body(13))
    assert again.status_code == 200  # the same checkpoint again: cosigned, nothing changes
    assert not Alert.select().exists()


def test_spec_error_answers(hub_apps, enrolled, make_station):
    enrolled.append(4)
    assert _add(hub_apps[0], enrolled.add_checkpoint_body(0)).status_code == 200

    unknown = make_station("hn-unknown")
    unknown.append(3)
    response = _add(hub_apps[0], unknown.add_checkpoint_body(0))
    assert response.status_code == 404

    enrolled.append(4)
    conflict = _add(hub_apps[0], enrolled.add_checkpoint_body(2))
    assert conflict.status_code == 409
    assert conflict.headers["Content-Type"] == "text/x.tlog.size" and conflict.get_data(as_text=True) == "4\n"

    forged = enrolled.add_checkpoint_body(4).replace(b"citizen-station/hn-w 8", b"citizen-station/hn-w 8")
    text = forged.decode()
    head, _, note = text.partition("\n\n")
    lines = note.split("\n")
    lines[2] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="  # another root, old signature
    response = _add(hub_apps[0], (head + "\n\n" + "\n".join(lines)).encode())
    assert response.status_code == 403

    bad_proof = enrolled.add_checkpoint_body(4).replace(b"old 4\n", b"old 4\n" + b"A" * 43 + b"=\n", 1)
    response = _add(hub_apps[0], bad_proof)
    assert response.status_code == 422
    assert _add(hub_apps[0], b"hello").status_code == 400
    assert _add(hub_apps[0], b"old 9\n\n" + enrolled.checkpoint_note().encode()).status_code == 400
    assert WitnessedLog.get(WitnessedLog.origin == enrolled.signer.name).size == 4


def test_a_revoked_station_is_not_witnessed(hub_apps, enrolled, hub_clock):
    enrolled.append(2)
    revoke_station(enrolled.station_id, hub_clock())
    assert _add(hub_apps[0], enrolled.add_checkpoint_body(0)).status_code == 403


def test_a_rolled_back_log_is_refused_and_its_heartbeat_raises_an_alert(hub_apps, enrolled, hub_clock):
    enrolled.append(10)
    assert _add(hub_apps[0], enrolled.add_checkpoint_body(0)).status_code == 200
    # The station deletes its tail (entries 6-9), which its own verify cannot notice.
    response = _add(hub_apps[1], enrolled.add_checkpoint_body(0, size=6))
    assert response.status_code == 409 and response.get_data(as_text=True) == "10\n"
    beat = {"id": "beat-000001", "kind": "heartbeat", "created": hub_clock(), "body": {"checkpoint": {"size": 6}}}
    enrolled.signed(hub_apps[0].test_client(), "/api/v1/messages", {"messages": [beat]})
    alert = Alert.get()
    assert alert.kind == "audit-rollback" and alert.station_id == enrolled.station_id


def test_a_forked_log_is_refused_and_raises_an_alert(hub_apps, enrolled, make_station):
    import hashlib

    enrolled.append(6)
    assert _add(hub_apps[0], enrolled.add_checkpoint_body(0)).status_code == 200
    # The station rewrites history: a different tree of 6 leaves, then grows it to 9.
    from core.audit.merkle import DictNodeStore, Frontier

    enrolled.store, enrolled.frontier = DictNodeStore(), Frontier()
    for index in range(9):
        enrolled.store.put_many(enrolled.frontier.append(hashlib.sha256(b"forged %d" % index).digest()))
    same_size = _add(hub_apps[0], enrolled.add_checkpoint_body(6, size=6))
    assert same_size.status_code == 409
    grown = _add(hub_apps[1], enrolled.add_checkpoint_body(6))
    assert grown.status_code == 422
    assert [a.kind for a in Alert.select().order_by(Alert.id)] == ["audit-fork", "audit-fork"]
    assert WitnessedLog.get(WitnessedLog.origin == enrolled.signer.name).size == 6


def test_concurrent_submissions_from_the_same_old_size_update_once(hub_apps, enrolled):
    enrolled.append(3)
    assert _add(hub_apps[0], enrolled.add_checkpoint_body(0)).status_code == 200
    enrolled.append(20)
    bodies = [enrolled.add_checkpoint_body(3, size=4 + i) for i in range(8)]
    barrier = threading.Barrier(len(bodies))
    results: list[tuple[int, str, int]] = []

    def submit(index: int) -> None:
        app = hub_apps[index % 2]
        client = app.test_client()
        barrier.wait()
        response = client.post("/add-checkpoint", data=bodies[index])
        results.append((response.status_code, response.get_data(as_text=True), 4 + index))

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [size for status, _, size in results if status == 200]
    assert len(winners) == 1, results
    stored = WitnessedLog.get(WitnessedLog.origin == enrolled.signer.name).size
    assert stored == winners[0]
    assert all(status == 409 and body == f"{stored}\n" for status, body, size in results if size != stored)
    assert not Alert.select().exists()  # a lost race is not evidence of anything
