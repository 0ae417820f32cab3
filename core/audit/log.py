"""The station's append-only, tamper-evident audit log.

Each audited action is one leaf of an RFC 6962 Merkle tree; the leaf bytes are the entry's
canonical JSON (``docs/audit-format.md``). An entry is written in the caller's database
transaction, so a business change and its entry commit together or not at all; if the entry
cannot be written the whole action fails (fail closed). Appends lock the single
``audit_head`` row, so indexes are dense and ordered even with concurrent writers.

Checkpoints (C2SP tlog-checkpoint, signed with the station's Ed25519 key as a C2SP signed
note) are made every ``checkpoint_every`` entries or ``checkpoint_seconds`` seconds (checked
at each append), on shutdown, and whenever a proof or the latest checkpoint is asked for and
the tree has grown since the last one.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import peewee

from core.audit.canonical import CanonicalFormError, canonical_json, parse_canonical
from core.audit.merkle import (
    AuditError,
    Frontier,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_at,
    verify_consistency,
)
from core.audit.note import (
    Checkpoint,
    NoteError,
    NoteSigner,
    VerifierKey,
    open_checkpoint,
    parse_verifier_key,
    sign_checkpoint,
)
from core.audit.store import (
    AuditCheckpoint,
    AuditEntry,
    AuditHead,
    AuditIdentity,
    DatabaseNodeStore,
    node_insert_sql,
)
from core.db import database

ENTRY_VERSION = 1
MAX_DETAIL_TEXT = 200
OUTCOMES = ("ok", "refused", "failed")


@dataclass(frozen=True)
class AuditReceipt:
    """Where an entry landed: its index and leaf hash (for receipts and proofs)."""

    index: int
    leaf_hash: bytes


@dataclass(frozen=True)
class AuditEvent:
    """A committed entry, as given to ``audit_event`` observers (no personal data)."""

    index: int
    time: str
    actor: str
    action: str
    plugin: str
    object: str | None
    outcome: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LogIdentity:
    """Which log this is: the origin every checkpoint names and the key that signs them.

    Fixed when the log starts (written with entry 0) and never changed afterwards, so the
    site's id and name can change without making the log unverifiable.
    """

    origin: str
    verifier_key: VerifierKey
    site_id: str
    recorded: bool


class SigningKeyMismatch(AuditError):
    """The station's signing key is not the key this audit log was started with."""

    exit_code = 1


@dataclass
class VerifyReport:
    """The result of :meth:`AuditLog.verify`: ``ok`` or the first problem found."""

    size: int = 0
    checkpoints: int = 0
    problem: str | None = None
    bad_index: int | None = None
    unsigned: int = 0  # newest entries not yet covered by a signed checkpoint

    @property
    def ok(self) -> bool:
        return self.problem is None


def _validate_details(details: dict[str, Any]) -> None:
    for key, value in details.items():
        if not isinstance(key, str) or not key:
            raise AuditError("audit detail keys must be non-empty strings")
        if isinstance(value, str) and len(value) > MAX_DETAIL_TEXT:
            raise AuditError(f"audit detail {key!r} is longer than {MAX_DETAIL_TEXT} characters; "
                             "audit entries hold references, never documents or personal data")
        if not isinstance(value, str | int | bool | type(None) | list):
            raise AuditError(f"audit detail {key!r} must be a string, integer, boolean or list")


class AuditLog:
    """Appends entries, makes signed checkpoints, serves proofs and verifies the whole log."""

    def __init__(self, site_id: str, signer: NoteSigner, clock: Callable[[], float],
                 checkpoint_every: int = 1000, checkpoint_seconds: float = 300.0,
                 observers: Callable[[AuditEvent], None] | None = None) -> None:
        self.site_id = site_id
        self._signing_key = signer.private_key
        self._proposed_origin = signer.name  # used only if the log has no identity yet
        self._identity: LogIdentity | None = None
        self.clock = clock
        self.checkpoint_every = checkpoint_every
        self.checkpoint_seconds = checkpoint_seconds
        self.observers = observers
        self.store = DatabaseNodeStore()
        # the frontier this process built last, with the leaf hash it appended
        self._last_frontier: tuple[Frontier, bytes] | None = None

    # ---- keys ------------------------------------------------------------------------

    def verifier_key(self) -> VerifierKey:
        """The log's verifier key (C2SP ``<name>+<hash>+<base64 key>``), as recorded at its start."""
        return self.identity().verifier_key

    def identity(self) -> LogIdentity:
        """The log's recorded identity; before entry 0, the one it will be started with."""
        if self._identity is not None:
            return self._identity
        row = AuditIdentity.get_or_none(AuditIdentity.id == 1)
        if row is not None and row.verifier_key:
            self._identity = LogIdentity(row.origin, parse_verifier_key(row.verifier_key), row.site_id, True)
            return self._identity
        origin = row.origin if row is not None else self._proposed_origin
        site_id = row.site_id if row is not None else self.site_id
        return LogIdentity(origin, VerifierKey.from_public_key(origin, self._signing_key.public_key()), site_id,
                           row is not None)

    @property
    def origin(self) -> str:
        """The log's origin line (``citizen-station/<site id at the log's start>``)."""
        return self.identity().origin

    @property
    def signer(self) -> NoteSigner:
        """The station's signing key under the log's recorded key name."""
        return NoteSigner(self.identity().verifier_key.name, self._signing_key)

    def check_signing_key(self) -> None:
        """Raise :class:`SigningKeyMismatch` when the station key is not the log's recorded key.

        Checkpoints signed by another key could never be verified against the published key,
        so the station refuses to start rather than write them.
        """
        recorded = self.identity()
        current = self._signing_key.public_key().public_bytes_raw()
        if recorded.recorded and recorded.verifier_key.public_key != current:
            raise SigningKeyMismatch(
                f"secrets/station_ed25519.pem is not the key this station's audit log was started with "
                f"({recorded.verifier_key.encode()}); restore the key from the station's backup")

    def _record_identity(self, now: float) -> None:
        """Write the log's identity if it is not written yet (inside the caller's transaction)."""
        identity = self.identity()
        if identity.recorded and self._identity is not None:
            return
        db = database.obj
        p = db.param
        db.execute_sql(f"INSERT INTO audit_identity (id, origin, verifier_key, site_id, created_at) "  # nosec B608 # only placeholders (db.param) and fixed names are formatted in; values are bound parameters
                       f"VALUES (1, {p}, {p}, {p}, {p}) ON CONFLICT (id) DO NOTHING",
                       (identity.origin, identity.verifier_key.encode(), identity.site_id, now))
        db.execute_sql(f"UPDATE audit_identity SET verifier_key = {p} WHERE id = 1 AND verifier_key IS NULL",  # nosec B608 # only placeholders (db.param) and fixed names are formatted in; values are bound parameters
                       (identity.verifier_key.encode(),))

    # ---- appending -------------------------------------------------------------------

    def record(self, action: str, *, actor: str, plugin: str = "core", object_ref: str | None = None,
               outcome: str = "ok", details: dict[str, Any] | None = None) -> AuditReceipt:
        """Append one entry inside the current transaction (or a new one).

        Raises when the entry cannot be written; the caller's transaction then rolls back,
        so the action it records does not happen either.
        """
        if outcome not in OUTCOMES:
            raise AuditError(f"audit outcome must be one of {', '.join(OUTCOMES)}")
        details = dict(details or {})
        _validate_details(details)
        db = database.obj
        outermost = db.transaction_depth() == 0
        postgres = not isinstance(db, peewee.SqliteDatabase)
        # Inside the caller's transaction on PostgreSQL no savepoint of its own: its RELEASE would
        # be one more round trip while the head row is locked (the lock every audited write waits
        # for), and a failed entry aborts the whole PostgreSQL transaction anyway (fail closed).
        with nullcontext() if postgres and not outermost else transaction():
            index, checkpoint_size, checkpoint_at, last_leaf = self._claim_next_index()
            now = self.clock()
            entry = {"v": ENTRY_VERSION, "i": index, "site": self.site_id,
                     "time": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace(
                         "+00:00", "Z"),
                     "actor": actor, "action": action, "plugin": plugin, "object": object_ref,
                     "outcome": outcome, "details": details}
            if index == 0:
                self._record_identity(now)  # the log's identity starts with its first entry
            leaf = canonical_json(entry)
            hashed = leaf_hash(leaf)
            frontier = self._frontier_at(index, last_leaf)
            completed = frontier.append(hashed)
            # Plain SQL on the append path: peewee's query building cost more than the queries.
            p = db.param
            nodes = {key: value for key, value in completed.items() if key.level > 0}
            sql = f"INSERT INTO audit_entry (idx, leaf, leaf_hash) VALUES ({p}, {p}, {p})"  # nosec B608 # only placeholders (db.param) and fixed names are formatted in; values are bound parameters
            params: list[Any] = [index, leaf.decode("utf-8"), hashed]
            head_sql = f"UPDATE audit_head SET last_leaf = {p} WHERE id = 1"  # nosec B608 # placeholder only
            if postgres:  # entry, inner nodes and head in one round trip while the head is locked
                if nodes:
                    sql += f"; {node_insert_sql(len(nodes), p)}"  # nosec B608 # placeholders only, as above
                    params += [part for key, hash_ in nodes.items() for part in (key.level, key.index, hash_)]
                    nodes = {}
                sql += f"; {head_sql}"
                params.append(hashed)
            db.execute_sql(sql, params)  # nosec B608 # only placeholders (db.param) and fixed names are formatted in; values are bound parameters
            if not postgres:
                db.execute_sql(head_sql, (hashed,))
            self.store.put_many(nodes)
            self._last_frontier = (frontier, hashed)
            if index + 1 - checkpoint_size >= self.checkpoint_every or now - checkpoint_at >= self.checkpoint_seconds:
                self._write_checkpoint(index + 1, frontier.root(), now)
            if self.observers is not None:
                event = AuditEvent(index, entry["time"], actor, action, plugin, object_ref, outcome, details)
                if outermost:  # rolling back the outermost transaction drops this callback
                    db.after_commit(lambda: self.observers(event))
                else:  # a rolled-back savepoint keeps it: check the entry really committed
                    db.after_commit(lambda: self._notify(event, hashed))
        return AuditReceipt(index, hashed)

    def _frontier_at(self, size: int, last_leaf: bytes | None) -> Frontier:
        """The tree's frontier at ``size``: the one this process made last when it matches the
        locked head, else read from the database.

        Equal size is not enough: if this process's last append was rolled back and another
        process (a ``station`` command beside the server) appended at the same index, the sizes
        match but the cached frontier holds the rolled-back leaf. Everything before that leaf
        was committed when it was appended, so comparing the last leaf with the head's
        ``last_leaf`` (written with every entry, returned by the claim) tells them apart."""
        cached = self._last_frontier
        if cached is not None and cached[0].size == size and last_leaf is not None \
                and bytes(last_leaf) == cached[1]:
            return cached[0].copy()
        return Frontier.load(self.store, size)

    def _claim_next_index(self) -> tuple[int, int, float, bytes | None]:
        """Grow the head by one and return (the new entry's index, checkpoint_size,
        checkpoint_at, the last committed leaf hash). The UPDATE locks the head row until commit (PostgreSQL; SQLite's
        IMMEDIATE transaction already serialises writers); a rollback gives the index back."""
        row = database.obj.execute_sql(
            "UPDATE audit_head SET size = size + 1 WHERE id = 1 "
            "RETURNING size - 1, checkpoint_size, checkpoint_at, last_leaf"
        ).fetchone()
        if row is None:
            raise AuditError("the audit log is not initialised; run `station migrate`")
        return row

    def _locked_head(self) -> AuditHead:
        query = AuditHead.select().where(AuditHead.id == 1)
        if not isinstance(database.obj, peewee.SqliteDatabase):
            query = query.for_update()  # SQLite: the IMMEDIATE transaction already serialises writers
        head = query.get_or_none()
        if head is None:
            raise AuditError("the audit log is not initialised; run `station migrate`")
        return head

    def _notify(self, event: AuditEvent, hashed: bytes) -> None:
        # after_commit also fires when a savepoint holding the entry was rolled back: check.
        db = database.obj
        row = db.execute_sql(f"SELECT leaf_hash FROM audit_entry WHERE idx = {db.param}",  # nosec B608 # only placeholders (db.param) and fixed names are formatted in; values are bound parameters
                             (event.index,)).fetchone()
        if row is not None and bytes(row[0]) == hashed:
            self.observers(event)

    # ---- checkpoints -----------------------------------------------------------------

    def _write_checkpoint(self, size: int, root: bytes, now: float) -> str:
        self._record_identity(now)
        note = sign_checkpoint(Checkpoint(self.origin, size, root), self.signer)
        AuditCheckpoint.insert(size=size, root=root, note=note, created_at=now).on_conflict_ignore().execute()
        AuditHead.update(checkpoint_size=size, checkpoint_at=now).where(AuditHead.id == 1).execute()
        return note

    def checkpoint(self) -> str:
        """The latest signed checkpoint, making a new one first if the tree has grown."""
        with transaction():
            head = self._locked_head()
            if head.size > head.checkpoint_size or not AuditCheckpoint.select().exists():
                return self._write_checkpoint(head.size, root_at(self.store, head.size), self.clock())
            return AuditCheckpoint.get(AuditCheckpoint.size == head.checkpoint_size).note

    def size(self) -> int:
        """Number of entries in the log."""
        return AuditHead.get_by_id(1).size

    # ---- proofs ----------------------------------------------------------------------

    def inclusion(self, index: int) -> dict[str, Any]:
        """Inclusion proof of entry ``index`` relative to the latest signed checkpoint."""
        note = self.checkpoint()
        head = AuditHead.get_by_id(1)
        size = head.checkpoint_size
        if not 0 <= index < size:
            from core.errors import NotFoundError

            raise NotFoundError(f"there is no audit entry {index}; the log has {size} entries")
        leaf = AuditEntry.get_by_id(index).leaf_hash
        proof = inclusion_proof(self.store, index, size)
        return {"index": index, "leaf_hash": base64.b64encode(bytes(leaf)).decode(), "tree_size": size,
                "inclusion_proof": [base64.b64encode(h).decode() for h in proof], "checkpoint": note}

    def consistency(self, size1: int, size2: int) -> list[bytes]:
        """Consistency proof between two tree sizes."""
        return consistency_proof(self.store, size1, size2)

    # ---- export and verification -----------------------------------------------------

    def export(self) -> Iterator[str]:
        """Every entry's leaf bytes (as text), in log order."""
        for (leaf,) in AuditEntry.select(AuditEntry.leaf).order_by(AuditEntry.idx).tuples().iterator():
            yield leaf

    def verify(self, progress: Callable[[int], None] | None = None) -> VerifyReport:
        """Recompute every leaf and root; check checkpoint signatures and consistency.

        Stops at the first problem and names the entry index or checkpoint.
        """
        report = VerifyReport()
        keys = [self.verifier_key()]
        checkpoints = list(AuditCheckpoint.select().order_by(AuditCheckpoint.size))
        head_size = AuditHead.get_by_id(1).size
        frontier = Frontier()
        pending = iter(checkpoints)
        next_cp = next(pending, None)
        entries = (AuditEntry.select(AuditEntry.idx, AuditEntry.leaf, AuditEntry.leaf_hash)
                   .order_by(AuditEntry.idx).tuples().iterator())
        previous: Checkpoint | None = None
        for expected, (idx, leaf_text, stored_hash) in enumerate(entries):
            if idx != expected:
                return self._bad(report, expected, f"entry {expected} is missing (next stored entry is {idx})")
            leaf = leaf_text.encode("utf-8")
            try:
                entry = parse_canonical(leaf)
            except CanonicalFormError as exc:
                return self._bad(report, idx, f"entry {idx} is not canonical JSON: {exc}")
            if not isinstance(entry, dict) or entry.get("i") != idx:
                return self._bad(report, idx, f"entry {idx} claims index {entry.get('i') if isinstance(entry, dict) else '?'}"
                                 " (entries were reordered, moved or inserted)")
            hashed = leaf_hash(leaf)
            if bytes(stored_hash or b"") != hashed:
                return self._bad(report, idx, f"entry {idx} does not match its stored leaf hash (entry changed)")
            frontier.append(hashed)
            report.size = frontier.size
            while next_cp is not None and next_cp.size == frontier.size:
                problem = self._check_checkpoint(next_cp, frontier.root(), keys, previous)
                if problem:
                    first = previous.size if previous else 0
                    return self._bad(report, first, problem)
                previous = parse_checkpoint_note(next_cp.note)
                report.checkpoints += 1
                next_cp = next(pending, None)
            if progress is not None:
                progress(1)
        if report.size != head_size:
            return self._bad(report, report.size, f"the log head says {head_size} entries but "
                                                  f"{report.size} are stored (entries deleted at the end)")
        if next_cp is not None:
            return self._bad(report, None, f"checkpoint at size {next_cp.size} is beyond the "
                                           f"{report.size} stored entries (entries deleted)")
        report.unsigned = report.size - (previous.size if previous else 0)
        return report

    def _check_checkpoint(self, row: AuditCheckpoint, root: bytes, keys: list[VerifierKey],
                          previous: Checkpoint | None) -> str | None:
        try:
            checkpoint = open_checkpoint(row.note, keys, origin=self.origin)
        except NoteError as exc:
            return f"checkpoint at size {row.size} has a bad signature or format: {exc}"
        if checkpoint.size != row.size:
            return f"checkpoint at size {row.size} is signed for size {checkpoint.size}"
        if checkpoint.root_hash != root:
            first = previous.size if previous else 0
            return (f"checkpoint at size {row.size} does not match the entries: an entry between index "
                    f"{first} and {row.size - 1} was changed")
        if previous is not None and previous.size > 0:
            try:
                proof = self.consistency(previous.size, checkpoint.size)
                verify_consistency(previous.size, checkpoint.size, proof, previous.root_hash, checkpoint.root_hash)
            except (ProofError, AuditError) as exc:
                return (f"checkpoint at size {checkpoint.size} is not consistent with checkpoint at size "
                        f"{previous.size} using the stored Merkle nodes: {exc}")
        return None

    @staticmethod
    def _bad(report: VerifyReport, index: int | None, problem: str) -> VerifyReport:
        report.problem = problem
        report.bad_index = index
        return report


def parse_checkpoint_note(note: str) -> Checkpoint:
    """The checkpoint inside a signed note (signature already checked by the caller)."""
    from core.audit.note import parse_checkpoint, parse_note

    return parse_checkpoint(parse_note(note).text)


@contextmanager
def transaction() -> Iterator[None]:
    """A database transaction for a business change and its audit entry.

    On SQLite the outermost one is ``BEGIN IMMEDIATE`` (take the write lock first, so two
    writers never deadlock on a lock upgrade); nested ones are savepoints.
    """
    db = database.obj
    if db.transaction_depth() == 0 and isinstance(db, peewee.SqliteDatabase):
        with db.atomic(lock_type="IMMEDIATE"):
            yield
    else:
        with db.atomic():
            yield
