"""Database tables of the audit log and the Merkle node store on top of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import peewee

from core.audit.merkle import NodeKey
from core.db import BaseModel, database


class AuditEntry(BaseModel):
    """One log entry: its index, its leaf bytes (canonical JSON, UTF-8) and its leaf hash
    (the Merkle tree's level-0 node, kept in the entry's row)."""

    idx = peewee.BigIntegerField(primary_key=True)
    leaf = peewee.TextField()
    leaf_hash = peewee.BlobField()

    class Meta:
        table_name = "audit_entry"


class AuditNode(BaseModel):
    """A perfect-subtree hash of level ≥ 1: (level, idx) covers leaves idx·2^level…
    (level-0 nodes, the leaf hashes, are stored with their entries in ``audit_entry``)."""

    level = peewee.SmallIntegerField()
    idx = peewee.BigIntegerField()
    hash = peewee.BlobField()

    class Meta:
        table_name = "audit_node"
        primary_key = peewee.CompositeKey("level", "idx")


class AuditHead(BaseModel):
    """The single row holding the log size; appends lock it, so they are serialised."""

    id = peewee.IntegerField(primary_key=True)
    size = peewee.BigIntegerField()
    checkpoint_size = peewee.BigIntegerField()
    checkpoint_at = peewee.DoubleField()
    # leaf hash of the last committed entry: tells a process whether the frontier it cached
    # is the committed tree's (core migration 0016)
    last_leaf = peewee.BlobField(null=True)

    class Meta:
        table_name = "audit_head"


class AuditCheckpoint(BaseModel):
    """A signed checkpoint (C2SP signed note) of the tree at ``size``."""

    size = peewee.BigIntegerField(primary_key=True)
    root = peewee.BlobField()
    note = peewee.TextField()
    created_at = peewee.DoubleField()

    class Meta:
        table_name = "audit_checkpoint"


class AuditIdentity(BaseModel):
    """The log's identity, written with entry 0 and never changed: the origin its checkpoints
    name and the verifier key that signs them (``verifier_key`` is NULL only for a log adopted
    by migration 0008 until its next checkpoint)."""

    id = peewee.IntegerField(primary_key=True)
    origin = peewee.CharField(max_length=255)
    verifier_key = peewee.TextField(null=True)
    site_id = peewee.CharField(max_length=64)
    created_at = peewee.DoubleField()

    class Meta:
        table_name = "audit_identity"


def node_insert_sql(count: int, param: str) -> str:
    """``INSERT`` of ``count`` inner nodes (level, idx, hash), with ``param`` placeholders."""
    row = f"({param}, {param}, {param})"
    return f"INSERT INTO audit_node (level, idx, hash) VALUES {', '.join([row] * count)}"  # nosec B608 # only placeholders (db.param) and fixed names are formatted in; values are bound parameters


class DatabaseNodeStore:
    """:class:`core.audit.merkle.NodeStore` over ``audit_node``: one query per batch.

    Plain parametrised SQL: building the same statements with peewee expressions cost more
    than running them (``bench/audit.py``), and every append and proof goes through here.
    """

    def get_many(self, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        found: dict[NodeKey, bytes] = {}
        db = database.obj
        leaves = [key.index for key in keys if key.level == 0]
        inner = [key for key in keys if key.level > 0]
        if leaves:
            marks = ", ".join([db.param] * len(leaves))
            cursor = db.execute_sql(f"SELECT idx, leaf_hash FROM audit_entry WHERE idx IN ({marks})", leaves)  # nosec B608 # only placeholders (db.param) and fixed names are formatted in; values are bound parameters
            found.update({NodeKey(0, idx): bytes(hash_) for idx, hash_ in cursor.fetchall()})
        if inner:
            pair = f"(level = {db.param} AND idx = {db.param})"
            cursor = db.execute_sql(f"SELECT level, idx, hash FROM audit_node WHERE {' OR '.join([pair] * len(inner))}",  # nosec B608 # only placeholders (db.param) and fixed names are formatted in; values are bound parameters
                                    [part for key in inner for part in key])
            found.update({NodeKey(level, idx): bytes(hash_) for level, idx, hash_ in cursor.fetchall()})
        return found

    def put_many(self, nodes: Mapping[NodeKey, bytes]) -> None:
        """Store inner nodes; leaf hashes arrive with their entry rows (``AuditLog.record``)."""
        if any(key.level == 0 for key in nodes):
            raise ValueError("leaf hashes are stored with their audit entries, not as nodes")
        if not nodes:
            return
        db = database.obj
        db.execute_sql(node_insert_sql(len(nodes), db.param),
                       [part for key, hash_ in nodes.items() for part in (key.level, key.index, hash_)])
