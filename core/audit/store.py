"""Database tables of the audit log and the Merkle node store on top of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import peewee

from core.audit.merkle import NodeKey
from core.db import BaseModel


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
    """:class:`core.audit.merkle.NodeStore` over ``audit_node``: one query per batch."""

    def get_many(self, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        if not keys:
            return {}
        clauses = [(AuditNode.level == k.level) & (AuditNode.idx == k.index) for k in keys]
        condition = clauses[0]
        for clause in clauses[1:]:
            condition |= clause
        query = AuditNode.select(AuditNode.level, AuditNode.idx, AuditNode.hash).where(condition).tuples()
        return {NodeKey(level, idx): bytes(hash_) for level, idx, hash_ in query}

    def put_many(self, nodes: Mapping[NodeKey, bytes]) -> None:
        rows = [{"level": k.level, "idx": k.index, "hash": h} for k, h in nodes.items()]
        if rows:
            AuditNode.insert_many(rows).execute()
