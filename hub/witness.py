"""The C2SP tlog-witness ``add-checkpoint`` operation (https://c2sp.org/tlog-witness).

Request body: ``old <size>\\n``, one base64 consistency-proof hash per line, an empty line,
then the signed checkpoint note. Answers, as the spec says:

- 200 with the cosignature line (C2SP tlog-cosignature/v1);
- 400 malformed request; 404 unknown origin; 403 no valid signature by the log's key
  (or its station is revoked); 409 ``old`` is not the size the witness last cosigned,
  with that size in a ``text/x.tlog.size`` body; 422 the consistency proof does not verify.

The check-and-update is atomic without a lock held during verification: the witnessed
state is read, the proof checked against it, then written by one conditional UPDATE that
succeeds only if the state is still the one read (the race described in the spec). A loser
gets 409 with the new size, as if it had arrived second.

Evidence of a fork (the same size with another root, or a signed checkpoint no proof
connects to the cosigned one) opens an alert on the station. A checkpoint smaller than the
cosigned one is only refused here (409): a delayed retry looks the same. Rollback is raised
from the station's heartbeat instead (:func:`hub.service.check_reported_log`), which states
the log's current size.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from core.audit.cosignature import WitnessKey
from core.audit.merkle import ProofError, verify_consistency
from core.audit.note import (
    NoteError,
    NoteVerificationError,
    parse_checkpoint,
    parse_note,
    parse_verifier_key,
    verify_note,
)
from hub.db import Station, WitnessedLog, hub_database
from hub.service import raise_alert

MAX_BODY = 64 * 1024
MAX_PROOF_HASHES = 63
_OLD = re.compile(r"old (0|[1-9][0-9]{0,18})")


@dataclass(frozen=True)
class WitnessAnswer:
    """An HTTP answer: status, body and content type."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


def _error(status: int, message: str) -> WitnessAnswer:
    return WitnessAnswer(status, message + "\n")


def _conflict(size: int) -> WitnessAnswer:
    return WitnessAnswer(409, f"{size}\n", "text/x.tlog.size")


def parse_request(body: bytes) -> tuple[int, list[bytes], str]:
    """Split an add-checkpoint body into old size, proof hashes and the checkpoint note."""
    if len(body) > MAX_BODY:
        raise ValueError("request body too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("request body is not UTF-8") from None
    head, separator, note = text.partition("\n\n")
    if not separator:
        raise ValueError("request has no empty line before the checkpoint")
    lines = head.split("\n")
    match = _OLD.fullmatch(lines[0])
    if not match:
        raise ValueError("first line must be 'old <size>'")
    if len(lines) - 1 > MAX_PROOF_HASHES:
        raise ValueError("consistency proof too long")
    proof = []
    for line in lines[1:]:
        try:
            hash_ = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("a proof line is not base64") from None
        if len(hash_) != 32:
            raise ValueError("a proof hash is not 32 bytes")
        proof.append(hash_)
    return int(match.group(1)), proof, note


def add_checkpoint(body: bytes, witness: WitnessKey, now: float) -> WitnessAnswer:
    """Verify and record a checkpoint; cosign it or say why not (see the module doc)."""
    try:
        old_size, proof, note_text = parse_request(body)
        note = parse_note(note_text)
        checkpoint = parse_checkpoint(note.text)
    except (ValueError, NoteError) as error:
        return _error(400, f"malformed add-checkpoint request: {error}")
    log = WitnessedLog.get_or_none(WitnessedLog.origin == checkpoint.origin)
    if log is None:
        return _error(404, "unknown log origin")
    station = Station.get_or_none(Station.id == log.station_id)
    if station is None or station.revoked_at is not None:
        return _error(403, "the log's key is revoked")
    try:
        verify_note(note_text, [parse_verifier_key(station.verifier_key)])
    except (NoteVerificationError, NoteError):
        return _error(403, "the checkpoint is not signed by the log's key")
    if old_size > checkpoint.size:
        return _error(400, "old size is larger than the checkpoint size")

    stored_root = bytes(log.root) if log.root is not None else None
    if old_size != log.size:  # includes a checkpoint smaller than the cosigned one
        return _conflict(log.size)
    if old_size == checkpoint.size:
        if proof:
            return _error(400, "a checkpoint of the old size needs an empty proof")
        if old_size > 0 and stored_root != checkpoint.root_hash:
            raise_alert(station.id, "audit-fork",
                        f"two different signed roots for size {old_size}: the station's audit log forked", now)
            return _conflict(log.size)
    elif old_size == 0:
        if proof:
            return _error(400, "a checkpoint added from size 0 needs an empty proof")
    else:
        try:
            verify_consistency(old_size, checkpoint.size, proof, stored_root, checkpoint.root_hash)
        except ProofError as error:
            raise_alert(station.id, "audit-fork",
                        f"checkpoint of size {checkpoint.size} does not extend the cosigned size {old_size}: {error}",
                        now)
            return _error(422, "the consistency proof does not verify")

    if checkpoint.size != old_size or log.size == 0:
        with hub_database.atomic():
            condition = (WitnessedLog.origin == checkpoint.origin) & (WitnessedLog.size == old_size)
            condition &= WitnessedLog.root.is_null() if stored_root is None else (WitnessedLog.root == stored_root)
            updated = (WitnessedLog.update(size=checkpoint.size, root=checkpoint.root_hash, updated_at=now)
                       .where(condition).execute())
        if updated != 1:
            latest = WitnessedLog.get(WitnessedLog.origin == checkpoint.origin)
            return _conflict(latest.size)
    line = witness.cosign(note.text, int(now))
    return WitnessAnswer(200, line, "text/plain; charset=utf-8")
