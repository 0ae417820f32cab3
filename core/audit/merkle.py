"""RFC 6962 / RFC 9162 Merkle tree: hashing, proof verification and proof generation.

Pure code: bytes and integers in, bytes and integers out. Storage is reached only through
the small :class:`NodeStore` protocol, so the same code runs on a dict in tests and on the
database in the station.

Tree shape (RFC 9162 section 2.1.1): the hash of a leaf is ``SHA-256(0x00 || leaf)``, the
hash of an inner node is ``SHA-256(0x01 || left || right)``, the empty tree's root is
``SHA-256("")``, and a tree of ``n > 1`` leaves splits at ``k``, the largest power of two
below ``n``.

Stored nodes: node ``(level, index)`` is the root of the *perfect* subtree over leaves
``[index * 2**level, (index + 1) * 2**level)``; level-0 nodes are the leaf hashes. Appending
a leaf stores every perfect subtree it completes, so any tree size's root and proofs can be
built from O(log n) stored nodes: a subtree cut short by the tree's right edge is hashed
from the perfect subtrees it consists of.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from core.errors import StationError

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


class AuditError(StationError):
    """Base of every error raised by the audit log."""


class ProofError(AuditError):
    """A Merkle proof is malformed or does not lead to the claimed root."""


class TreeRangeError(AuditError):
    """A leaf index or tree size lies outside the tree it is asked about."""

    http_status = 400
    exit_code = 2


class MissingNodeError(AuditError):
    """The node store lacks a node that a tree of the given size must have."""


class NodeConflictError(AuditError):
    """A node was stored twice with different hashes: the log was rewritten."""


# --------------------------------------------------------------------------- hashing


def leaf_hash(leaf: bytes) -> bytes:
    """Return the RFC 6962 hash of one leaf: ``SHA-256(0x00 || leaf)``."""
    return hashlib.sha256(LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 hash of an inner node: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def root_from_leaf_hashes(leaf_hashes: Iterable[bytes]) -> bytes:
    """Return the root of the tree over ``leaf_hashes``, reading them once, in order.

    Runs in O(n) time and O(log n) memory, so it can recompute a whole log from a cursor.
    """
    frontier = Frontier()
    for hash_ in leaf_hashes:
        frontier.append(hash_)
    return frontier.root()


# ----------------------------------------------------------------------- verification


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that the leaf with ``leaf_hash`` sits at ``index`` in the tree ``(size, root)``.

    Implements RFC 9162 section 2.1.3.2. Returns ``None`` on success and raises
    :class:`ProofError` saying what is wrong otherwise.
    """
    _require_hash("leaf hash", leaf_hash)
    _require_hash("root hash", root)
    _require_proof_hashes(proof)
    if index < 0 or size < 0:
        raise ProofError(f"leaf index ({index}) and tree size ({size}) must not be negative")
    if index >= size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")

    fn, sn, result = index, size - 1, leaf_hash
    for sibling in proof:
        if sn == 0:
            raise ProofError(
                _wrong_length("inclusion", len(proof), inclusion_proof_length(index, size))
            )
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(
            _wrong_length("inclusion", len(proof), inclusion_proof_length(index, size))
        )
    if result != root:
        raise ProofError(
            f"inclusion proof for leaf {index} does not lead to the given root of the tree "
            f"of size {size}: the leaf, the proof or the root is wrong"
        )


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree ``(size2, root2)`` extends the tree ``(size1, root1)``.

    Implements RFC 9162 section 2.1.4.2 for ``0 < size1 < size2``. Equal sizes need an
    empty proof and identical roots. A proof from the empty tree is refused: it would prove
    nothing. Returns ``None`` on success and raises :class:`ProofError` otherwise.
    """
    if size1 < 0 or size2 < 0:
        raise ProofError(f"tree sizes ({size1}, {size2}) must not be negative")
    if size1 > size2:
        raise ProofError(f"first tree size {size1} is larger than second tree size {size2}")
    if size1 == 0:
        raise ProofError(
            "a consistency proof from the empty tree proves nothing; size1 must be at least 1"
        )
    if size1 == size2:
        if proof:
            raise ProofError(
                f"trees of equal size {size1} need an empty consistency proof, got {len(proof)} hashes"
            )
        if root1 != root2:
            raise ProofError(
                f"two different roots for the same tree size {size1}: the log has forked"
            )
        return
    _require_hash("first root hash", root1)
    _require_hash("second root hash", root2)
    _require_proof_hashes(proof)
    if not proof:
        raise ProofError(f"consistency proof from size {size1} to size {size2} is empty")

    path = list(proof)
    if size1 & (size1 - 1) == 0:  # size1 is a power of two: its root is the first node
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    first, second = path[0], path[0]
    for node in path[1:]:
        if sn == 0:
            raise ProofError(
                _wrong_length("consistency", len(proof), consistency_proof_length(size1, size2))
            )
        if fn & 1 or fn == sn:
            first = node_hash(node, first)
            second = node_hash(node, second)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            second = node_hash(second, node)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(
            _wrong_length("consistency", len(proof), consistency_proof_length(size1, size2))
        )
    if first != root1:
        raise ProofError(
            f"consistency proof does not reproduce the root of the tree of size {size1}"
        )
    if second != root2:
        raise ProofError(
            f"consistency proof does not lead to the root of the tree of size {size2}: "
            f"the larger tree does not extend the smaller one, or the proof is wrong"
        )


def inclusion_proof_length(index: int, size: int) -> int:
    """Return how many hashes an inclusion proof for leaf ``index`` of a ``size`` tree has."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_length(size1: int, size2: int) -> int:
    """Return how many hashes a consistency proof from ``size1`` to ``size2`` has."""
    if size1 == size2:
        return 0
    level = _trailing_zeros(size1)
    index = (size1 - 1) >> level
    extra = 0 if index == 0 else 1
    return extra + len(_path_plan(level, index, size2))


def _wrong_length(kind: str, got: int, want: int) -> str:
    return f"{kind} proof has {got} hashes but this tree needs exactly {want}"


def _require_hash(what: str, value: bytes) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        length = len(value) if isinstance(value, bytes | bytearray) else type(value).__name__
        raise ProofError(f"{what} must be {HASH_SIZE} bytes, got {length}")


def _require_proof_hashes(proof: Sequence[bytes]) -> None:
    for position, value in enumerate(proof):
        _require_hash(f"proof hash #{position}", value)


# ------------------------------------------------------------------------ node storage


class NodeKey(NamedTuple):
    """Address of a perfect subtree: leaves ``[index * 2**level, (index + 1) * 2**level)``."""

    level: int
    index: int


class NodeStore(Protocol):
    """Where the hashes of perfect subtrees live (a dict in tests, a table in the station)."""

    def get_many(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """Return the stored hashes among ``keys`` in one read; absent keys are left out."""
        ...

    def put_many(self, nodes: Mapping[NodeKey, bytes]) -> None:
        """Store ``nodes``; a key already stored with a different hash must be refused."""
        ...


class DictNodeStore:
    """In-memory :class:`NodeStore` for tests and for recomputing a log in memory."""

    def __init__(self) -> None:
        self.nodes: dict[NodeKey, bytes] = {}

    def get(self, key: NodeKey) -> bytes | None:
        """Return the hash stored under ``key``, or ``None``."""
        return self.nodes.get(NodeKey(*key))

    def put(self, key: NodeKey, hash_: bytes) -> None:
        """Store one node hash."""
        self.put_many({NodeKey(*key): hash_})

    def get_many(self, keys: Sequence[NodeKey]) -> dict[NodeKey, bytes]:
        """Return the stored hashes among ``keys``."""
        return {key: self.nodes[key] for key in keys if key in self.nodes}

    def put_many(self, nodes: Mapping[NodeKey, bytes]) -> None:
        """Store ``nodes``, refusing to change a hash that is already stored."""
        for key, hash_ in nodes.items():
            existing = self.nodes.get(key)
            if existing is not None and existing != hash_:
                raise NodeConflictError(
                    f"node (level {key.level}, index {key.index}) is already stored with a "
                    f"different hash; a log may only grow"
                )
        self.nodes.update(nodes)


# ---------------------------------------------------------------------------- appending


@dataclass(frozen=True)
class TreeHead:
    """A tree size and the root hash of the tree of that size."""

    size: int
    root: bytes


class Frontier:
    """The perfect subtrees that make up a tree, largest (leftmost) first.

    A tree of ``size`` leaves consists of one perfect subtree per set bit of ``size``;
    their hashes are all that is needed to append the next leaf or compute the root.
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(hashes) != size.bit_count():
            raise AuditError(
                f"a tree of size {size} has {max(size, 0).bit_count()} frontier hashes, got {len(hashes)}"
            )
        self.size = size
        self._hashes = list(hashes)

    @classmethod
    def load(cls, store: NodeStore, size: int) -> Frontier:
        """Read the frontier of the tree of ``size`` from ``store`` in one batch."""
        _require_size(size)
        keys = frontier_keys(size)
        found = store.get_many(keys)
        return cls(size, [_fetched(found, key) for key in keys])

    def append(self, leaf_hash: bytes) -> dict[NodeKey, bytes]:
        """Add a leaf; return the nodes this completes (the leaf itself included)."""
        _require_leaf_hash(leaf_hash)
        index, level, hash_ = self.size, 0, bytes(leaf_hash)
        completed = {NodeKey(0, index): hash_}
        while index & 1:
            hash_ = node_hash(self._hashes.pop(), hash_)
            level, index = level + 1, index >> 1
            completed[NodeKey(level, index)] = hash_
        self._hashes.append(hash_)
        self.size += 1
        return completed

    def copy(self) -> Frontier:
        """An independent copy (appending to it leaves this one unchanged)."""
        return Frontier(self.size, list(self._hashes))

    def root(self) -> bytes:
        """Return the root hash of the tree so far."""
        if not self._hashes:
            return EMPTY_ROOT
        return _fold_right(self._hashes)

    def head(self) -> TreeHead:
        """Return the current size and root."""
        return TreeHead(self.size, self.root())


def append_leaf(store: NodeStore, size: int, leaf_hash: bytes) -> TreeHead:
    """Append one leaf to the tree of ``size`` held in ``store``; return the new head.

    Reads the tree's frontier in one batch (popcount(size) nodes) and writes the leaf plus
    every perfect subtree it completes: amortised two writes, at most log2(size) + 1.
    """
    return append_leaves(store, size, [leaf_hash])


def append_leaves(store: NodeStore, size: int, leaf_hashes: Iterable[bytes]) -> TreeHead:
    """Append leaves to the tree of ``size`` held in ``store`` with one read and one write."""
    frontier = Frontier.load(store, size)
    completed: dict[NodeKey, bytes] = {}
    for hash_ in leaf_hashes:
        completed.update(frontier.append(hash_))
    if completed:
        store.put_many(completed)
    return frontier.head()


# --------------------------------------------------------------------- proof generation


@dataclass(frozen=True)
class ProofPlan:
    """Which stored nodes make up each hash of a proof, in proof order.

    Each element is the tuple of perfect subtrees whose combined hash is one proof hash
    (one key for a perfect sibling, several for a sibling cut short by the tree's edge).
    Fetch :attr:`keys` in one batch, then call :meth:`assemble`.
    """

    elements: tuple[tuple[NodeKey, ...], ...]

    @property
    def keys(self) -> tuple[NodeKey, ...]:
        """Every node the proof needs, each once, in first-use order."""
        return tuple(dict.fromkeys(key for element in self.elements for key in element))

    def assemble(self, hashes: Mapping[NodeKey, bytes]) -> list[bytes]:
        """Build the proof from fetched node hashes."""
        return [
            _fold_right([_fetched(hashes, key) for key in element]) for element in self.elements
        ]


def frontier_keys(size: int) -> tuple[NodeKey, ...]:
    """The perfect subtrees making up a tree of ``size`` leaves, leftmost first."""
    return _perfect_parts(0, size)


def keys_for_root(size: int) -> tuple[NodeKey, ...]:
    """The stored nodes :func:`root_at` reads for a tree of ``size``."""
    _require_size(size)
    return frontier_keys(size)


def root_from_nodes(size: int, hashes: Mapping[NodeKey, bytes]) -> bytes:
    """Return the root of the tree of ``size`` from the nodes named by :func:`keys_for_root`."""
    if size == 0:
        return EMPTY_ROOT
    return _fold_right([_fetched(hashes, key) for key in keys_for_root(size)])


def root_at(store: NodeStore, size: int) -> bytes:
    """Return the root hash of the tree of ``size`` (popcount(size) node reads, one batch)."""
    keys = keys_for_root(size)
    return root_from_nodes(size, store.get_many(keys) if keys else {})


def inclusion_plan(index: int, size: int) -> ProofPlan:
    """Plan the inclusion proof of leaf ``index`` in the tree of ``size`` (RFC 9162 2.1.3.1)."""
    _require_size(size)
    if not 0 <= index < size:
        raise TreeRangeError(f"leaf index {index} is outside a tree of size {size}")
    return ProofPlan(tuple(_path_plan(0, index, size)))


def keys_for_inclusion(index: int, size: int) -> tuple[NodeKey, ...]:
    """The stored nodes an inclusion proof for leaf ``index`` in a ``size`` tree reads."""
    return inclusion_plan(index, size).keys


def inclusion_proof(store: NodeStore, index: int, size: int) -> list[bytes]:
    """Return the inclusion proof of leaf ``index`` in the tree of ``size``."""
    plan = inclusion_plan(index, size)
    return plan.assemble(store.get_many(plan.keys) if plan.keys else {})


def consistency_plan(size1: int, size2: int) -> ProofPlan:
    """Plan the consistency proof from tree ``size1`` to tree ``size2`` (RFC 9162 2.1.4.1).

    The proof is the largest perfect subtree ending at ``size1`` (left out when ``size1``
    is a power of two: the verifier already has it as the old root) followed by that
    subtree's inclusion path in the tree of ``size2``.
    """
    _require_size(size1)
    _require_size(size2)
    if size1 > size2:
        raise TreeRangeError(f"first tree size {size1} is larger than second tree size {size2}")
    if size1 == 0:
        raise TreeRangeError("there is no consistency proof from the empty tree")
    if size1 == size2:
        return ProofPlan(())
    level = _trailing_zeros(size1)
    index = (size1 - 1) >> level
    head = [] if index == 0 else [(NodeKey(level, index),)]
    return ProofPlan(tuple(head + _path_plan(level, index, size2)))


def keys_for_consistency(size1: int, size2: int) -> tuple[NodeKey, ...]:
    """The stored nodes a consistency proof from ``size1`` to ``size2`` reads."""
    return consistency_plan(size1, size2).keys


def consistency_proof(store: NodeStore, size1: int, size2: int) -> list[bytes]:
    """Return the consistency proof from the tree of ``size1`` to the tree of ``size2``."""
    plan = consistency_plan(size1, size2)
    return plan.assemble(store.get_many(plan.keys) if plan.keys else {})


def _path_plan(level: int, index: int, size: int) -> list[tuple[NodeKey, ...]]:
    """Siblings on the way from node ``(level, index)`` up to the root of a ``size`` tree.

    A right sibling that starts at or beyond ``size`` does not exist (the node is simply
    carried up); one that is cut short by ``size`` is made of perfect parts.
    """
    elements = []
    while not (index == 0 and (1 << level) >= size):
        sibling_start = (index ^ 1) << level
        if sibling_start < size:
            sibling_end = min(sibling_start + (1 << level), size)
            elements.append(_perfect_parts(sibling_start, sibling_end))
        level, index = level + 1, index >> 1
    return elements


def _perfect_parts(start: int, end: int) -> tuple[NodeKey, ...]:
    """Split leaves ``[start, end)`` into perfect subtrees, largest first.

    ``start`` must be a multiple of the largest power of two not above ``end - start``,
    which holds for every range an RFC 6962 tree is built from.
    """
    parts = []
    position, remaining = start, end - start
    for level in reversed(range(remaining.bit_length())):
        if remaining >> level & 1:
            parts.append(NodeKey(level, position >> level))
            position += 1 << level
    return tuple(parts)


def _fold_right(hashes: Sequence[bytes]) -> bytes:
    """Combine subtree hashes, largest first, the way RFC 6962 nests a right edge."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def _fetched(hashes: Mapping[NodeKey, bytes], key: NodeKey) -> bytes:
    try:
        return hashes[key]
    except KeyError:
        raise MissingNodeError(
            f"node (level {key.level}, index {key.index}) is missing from the node store: "
            f"the store is incomplete or the tree is smaller than asked"
        ) from None


def _trailing_zeros(value: int) -> int:
    return (value & -value).bit_length() - 1


def _require_size(size: int) -> None:
    if size < 0:
        raise TreeRangeError(f"tree size must not be negative, got {size}")


def _require_leaf_hash(value: bytes) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        raise AuditError(
            f"a leaf hash must be {HASH_SIZE} bytes; hash the leaf with leaf_hash() first"
        )
