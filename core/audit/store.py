"""Database tables of the audit log and the Merkle node store on top of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import peewee

from core.audit.merkle import NodeKey
from core.db import BaseModel, database


class AuditEntry(BaseModel):
    """One log entry: its index and its leaf bytes (canonical JSON, UTF-8)."""

    idx = peewee.BigIntegerField(primary_key=True)
    leaf = peewee.TextField()

    class Meta:
        table_name = "audit_entry"


class AuditNode(BaseModel):
    """A perfect-subtree hash: level 0 = leaf hashes; (level, idx) covers leaves idx·2^level…"""

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


class DatabaseNodeStore:
    """:class:`core.audit.merkle.NodeStore` over ``audit_node``: one query per batch.

    Plain parametrised SQL: building the same statements with peewee expressions cost more
    than running them (``bench/audit.py``), and every append and proof goes through here.
    """

    def get_many(self, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        if not keys:
            return {}
        db = database.obj
        pair = f"(level = {db.param} AND idx = {db.param})"
        cursor = db.execute_sql(f"SELECT level, idx, hash FROM audit_node WHERE {' OR '.join([pair] * len(keys))}",
                                [part for key in keys for part in key])
        return {NodeKey(level, idx): bytes(hash_) for level, idx, hash_ in cursor.fetchall()}

    def put_many(self, nodes: Mapping[NodeKey, bytes]) -> None:
        if not nodes:
            return
        db = database.obj
        row = f"({db.param}, {db.param}, {db.param})"
        db.execute_sql(f"INSERT INTO audit_node (level, idx, hash) VALUES {', '.join([row] * len(nodes))}",
                       [part for key, hash_ in nodes.items() for part in (key.level, key.index, hash_)])
