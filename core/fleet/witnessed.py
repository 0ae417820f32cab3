"""Checkpoints the hub's witness cosigned: proofs against them, and checking them locally.

A cosigned checkpoint is stronger than the station's own: the witness (on the fleet hub)
promised never to cosign a checkpoint of this log that is not an extension of it. A receipt's
proof against a cosigned checkpoint therefore still stands if the station's log were later
rolled back or forked.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from core.audit.cosignature import SIGNATURE_PREFIX, verify_cosignature
from core.audit.merkle import inclusion_proof, root_at
from core.audit.note import NoteError, parse_checkpoint, verify_note
from core.fleet.models import AuditCosignature


def witnessed_proof(log: Any, index: int) -> dict[str, Any] | None:
    """Inclusion proof of entry ``index`` against the newest cosigned checkpoint that covers
    it (with the checkpoint note carrying the witness's cosignature), or None."""
    row = (AuditCosignature.select().where(AuditCosignature.size > index)
           .order_by(AuditCosignature.size.desc()).first())
    if row is None or row.size > log.size():
        return None
    proof = inclusion_proof(log.store, index, row.size)
    return {"tree_size": row.size, "inclusion_proof": [base64.b64encode(h).decode() for h in proof],
            "checkpoint": row.note, "witness_key": row.witness_key}


def inclusion_with_witness(log: Any, index: int) -> dict[str, Any]:
    """The log's inclusion proof of ``index`` plus, under ``witnessed``, the proof against the
    newest cosigned checkpoint (absent when the station has no cosignature covering it)."""
    proof = log.inclusion(index)
    witnessed = witnessed_proof(log, index)
    if witnessed is not None:
        proof["witnessed"] = witnessed
    return proof


@dataclass
class WitnessReport:
    """The outcome of :func:`verify_witnessed`."""

    checked: int = 0
    newest_size: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_witnessed(log: Any) -> WitnessReport:
    """Check every stored cosigned checkpoint: the station's signature, the witness's
    cosignature, and that this log still has that size with that root (no rollback, no fork)."""
    report = WitnessReport()
    size = log.size()
    verifier = log.verifier_key()
    for row in AuditCosignature.select().order_by(AuditCosignature.size):
        where = f"cosigned checkpoint of size {row.size}"
        try:
            verified = verify_note(row.note, [verifier])
            checkpoint = parse_checkpoint(verified.text)
            witness_name = row.witness_key.partition("+")[0]
            lines = [line + "\n" for line in row.note.split("\n")
                     if line.startswith(f"{SIGNATURE_PREFIX}{witness_name} ")]
            if not lines:
                raise NoteError("it carries no cosignature by the witness")
            verify_cosignature(lines[-1], verified.text, row.witness_key)
        except NoteError as error:
            report.problems.append(f"{where}: {error}")
            continue
        if checkpoint.size != row.size:
            report.problems.append(f"{where}: the note is for size {checkpoint.size}")
        elif row.size > size:
            report.problems.append(f"{where}: the log now has only {size} entries — it was rolled back "
                                   "after the witness cosigned it")
        elif root_at(log.store, row.size) != checkpoint.root_hash:
            report.problems.append(f"{where}: the log's root at that size differs — it forked after the "
                                   "witness cosigned it")
        else:
            report.checked += 1
            report.newest_size = max(report.newest_size, row.size)
    return report
