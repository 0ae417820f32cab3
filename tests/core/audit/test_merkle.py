"""Merkle tree hashing, proof generation from a node store, and proof verification.

Generated proofs are checked three ways: against the verifier, against a straight transcription
of the recursive definitions in RFC 6962 section 2.1 (kept here, independent of the code under
test), and by tampering with every part of them.
"""

from __future__ import annotations

import functools
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.audit.merkle import (
    EMPTY_ROOT,
    AuditError,
    DictNodeStore,
    Frontier,
    MissingNodeError,
    NodeConflictError,
    NodeKey,
    ProofError,
    TreeRangeError,
    append_leaf,
    append_leaves,
    consistency_plan,
    consistency_proof,
    consistency_proof_length,
    inclusion_plan,
    inclusion_proof,
    inclusion_proof_length,
    keys_for_consistency,
    keys_for_inclusion,
    leaf_hash,
    node_hash,
    root_at,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from core.errors import StationError

# ------------------------------------------------- RFC 6962 section 2.1, transcribed


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def reference_root(hashes: list[bytes]) -> bytes:
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = _split(len(hashes))
    return node_hash(reference_root(hashes[:k]), reference_root(hashes[k:]))


def reference_path(m: int, hashes: list[bytes]) -> list[bytes]:
    n = len(hashes)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return reference_path(m, hashes[:k]) + [reference_root(hashes[k:])]
    return reference_path(m - k, hashes[k:]) + [reference_root(hashes[:k])]


def reference_subproof(m: int, hashes: list[bytes], whole: bool) -> list[bytes]:
    n = len(hashes)
    if m == n:
        return [] if whole else [reference_root(hashes)]
    k = _split(n)
    if m <= k:
        return reference_subproof(m, hashes[:k], whole) + [reference_root(hashes[k:])]
    return reference_subproof(m - k, hashes[k:], False) + [reference_root(hashes[:k])]


def reference_consistency(m: int, hashes: list[bytes]) -> list[bytes]:
    return reference_subproof(m, hashes, True)


# ------------------------------------------------------------------------- fixtures

MAX_LEAVES = 1100
LEAVES = [leaf_hash(b"entry %d" % i) for i in range(MAX_LEAVES)]


@functools.cache
def store_of_size(size: int) -> DictNodeStore:
    """A store holding exactly the nodes a log of ``size`` leaves has written."""
    store = DictNodeStore()
    append_leaves(store, 0, LEAVES[:size])
    return store


class CountingStore:
    """Wraps a store and records every batch read."""

    def __init__(self, inner: DictNodeStore) -> None:
        self.inner = inner
        self.batches: list[int] = []

    def get_many(self, keys):
        self.batches.append(len(keys))
        return self.inner.get_many(keys)

    def put_many(self, nodes):
        self.inner.put_many(nodes)


class UniformStore:
    """A huge synthetic log whose leaves are all equal, so any node is cheap to compute.

    Only nodes complete within ``size`` exist, as in a real store; reads are counted.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.keys_read = 0
        self.batches = 0

    @staticmethod
    @functools.cache
    def hash_at_level(level: int) -> bytes:
        if level == 0:
            return leaf_hash(b"same")
        below = UniformStore.hash_at_level(level - 1)
        return node_hash(below, below)

    def get_many(self, keys):
        self.batches += 1
        self.keys_read += len(keys)
        return {
            key: self.hash_at_level(key.level)
            for key in keys
            if (key.index + 1) << key.level <= self.size
        }

    def put_many(self, nodes):
        raise AssertionError("read-only")


def flip_bit(value: bytes, bit: int) -> bytes:
    data = bytearray(value)
    data[(bit // 8) % len(data)] ^= 1 << (bit % 8)
    return bytes(data)


# ------------------------------------------------------------------------- hashing


def test_leaf_and_node_hashes_use_rfc6962_domain_prefixes() -> None:
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    left, right = b"L" * 32, b"R" * 32
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root_from_leaf_hashes([]) == EMPTY_ROOT
    assert root_at(DictNodeStore(), 0) == EMPTY_ROOT


def test_known_root_of_the_rfc6962_eight_leaf_example_tree() -> None:
    # The leaves used by Certificate Transparency's reference tests (and transparency-dev's
    # testdata, whose size-8 root is below).
    leaves = [
        b"",
        b"\x00",
        b"\x10",
        b"\x20\x21",
        b"\x30\x31",
        b"\x40\x41\x42\x43",
        b"\x50\x51\x52\x53\x54\x55\x56\x57",
        b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
    ]
    root = root_from_leaf_hashes(leaf_hash(leaf) for leaf in leaves)
    assert root.hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


@pytest.mark.parametrize("size", range(0, 70))
def test_streaming_root_matches_the_recursive_definition(size: int) -> None:
    assert root_from_leaf_hashes(LEAVES[:size]) == reference_root(LEAVES[:size])


# ------------------------------------------------------------------------- appending


def test_each_append_returns_the_head_of_the_grown_tree_and_keeps_older_roots() -> None:
    store = DictNodeStore()
    for size in range(70):
        head = append_leaf(store, size, LEAVES[size])
        assert head.size == size + 1
        assert head.root == reference_root(LEAVES[: size + 1])
    for size in range(71):
        assert root_at(store, size) == reference_root(LEAVES[:size])


def test_appending_stores_each_completed_perfect_subtree_and_nothing_else() -> None:
    store = DictNodeStore()
    append_leaves(store, 0, LEAVES[:13])
    expected = {
        NodeKey(level, index)
        for level in range(5)
        for index in range(13 >> level)  # complete subtrees only
    }
    assert set(store.nodes) == expected
    assert store.get(NodeKey(1, 0)) == node_hash(LEAVES[0], LEAVES[1])
    assert store.get(NodeKey(3, 0)) == reference_root(LEAVES[:8])


def test_writes_per_append_are_amortised_constant() -> None:
    frontier = Frontier()
    writes = [len(frontier.append(hash_)) for hash_ in LEAVES[:1024]]
    assert sum(writes) == 2 * 1024 - 1
    assert max(writes) == 11  # the 1024th leaf completes levels 0..10


def test_batch_append_writes_the_same_nodes_as_one_by_one() -> None:
    one_by_one, batched = DictNodeStore(), DictNodeStore()
    for size in range(37):
        append_leaf(one_by_one, size, LEAVES[size])
    append_leaves(batched, 0, LEAVES[:20])
    head = append_leaves(batched, 20, LEAVES[20:37])
    assert batched.nodes == one_by_one.nodes
    assert head.root == reference_root(LEAVES[:37])


def test_append_reads_the_frontier_in_one_batch() -> None:
    store = CountingStore(DictNodeStore())
    append_leaves(store, 0, LEAVES[:22])
    store.batches.clear()
    append_leaf(store, 22, LEAVES[22])
    assert store.batches == [(22).bit_count()]


def test_appending_at_an_old_size_is_refused_as_a_rewrite() -> None:
    store = DictNodeStore()
    append_leaves(store, 0, LEAVES[:4])
    with pytest.raises(NodeConflictError, match="may only grow"):
        append_leaf(store, 2, leaf_hash(b"forged"))


def test_appending_with_a_missing_frontier_names_the_missing_node() -> None:
    with pytest.raises(MissingNodeError, match=r"level 2, index 0"):
        append_leaf(DictNodeStore(), 4, LEAVES[4])


def test_append_refuses_raw_leaf_bytes_instead_of_a_leaf_hash() -> None:
    with pytest.raises(AuditError, match="leaf_hash"):
        append_leaf(DictNodeStore(), 0, b"raw entry")


# ------------------------------------------------------------ proofs: exhaustive, small


@pytest.mark.parametrize("size", range(1, 34))
def test_inclusion_proofs_match_rfc6962_and_verify_for_every_leaf(size: int) -> None:
    store = store_of_size(size)
    root = reference_root(LEAVES[:size])
    for index in range(size):
        proof = inclusion_proof(store, index, size)
        assert proof == reference_path(index, LEAVES[:size])
        assert len(proof) == inclusion_proof_length(index, size)
        verify_inclusion(index, size, LEAVES[index], proof, root)


@pytest.mark.parametrize("size2", range(1, 34))
def test_consistency_proofs_match_rfc6962_and_verify_for_every_older_size(size2: int) -> None:
    store = store_of_size(size2)
    root2 = reference_root(LEAVES[:size2])
    for size1 in range(1, size2 + 1):
        proof = consistency_proof(store, size1, size2)
        assert proof == reference_consistency(size1, LEAVES[:size2])
        assert len(proof) == consistency_proof_length(size1, size2)
        verify_consistency(size1, size2, proof, reference_root(LEAVES[:size1]), root2)


# --------------------------------------------------------------- proofs: properties

sizes = st.integers(min_value=1, max_value=MAX_LEAVES)


@st.composite
def size_and_index(draw):
    size = draw(sizes)
    return size, draw(st.integers(min_value=0, max_value=size - 1))


@st.composite
def two_sizes(draw):
    size2 = draw(st.integers(min_value=2, max_value=MAX_LEAVES))
    return draw(st.integers(min_value=1, max_value=size2 - 1)), size2


@settings(max_examples=150, deadline=None)
@given(size_and_index())
def test_generated_inclusion_proof_matches_reference_and_verifies(case) -> None:
    size, index = case
    store = store_of_size(MAX_LEAVES)  # a larger log must give the same proof for an old size
    proof = inclusion_proof(store, index, size)
    assert proof == reference_path(index, LEAVES[:size])
    verify_inclusion(index, size, LEAVES[index], proof, root_at(store, size))


@settings(max_examples=150, deadline=None)
@given(two_sizes())
def test_generated_consistency_proof_matches_reference_and_verifies(case) -> None:
    size1, size2 = case
    store = store_of_size(MAX_LEAVES)
    proof = consistency_proof(store, size1, size2)
    assert proof == reference_consistency(size1, LEAVES[:size2])
    verify_consistency(size1, size2, proof, root_at(store, size1), root_at(store, size2))


@settings(max_examples=200, deadline=None)
@given(size_and_index(), st.data())
def test_any_tampering_with_an_inclusion_proof_is_rejected(case, data) -> None:
    size, index = case
    store = store_of_size(MAX_LEAVES)
    proof = inclusion_proof(store, index, size)
    root = root_at(store, size)
    bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")

    with pytest.raises(ProofError):
        verify_inclusion(index, size, flip_bit(LEAVES[index], bit), proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(index, size, LEAVES[index], proof, flip_bit(root, bit))
    with pytest.raises(ProofError):
        verify_inclusion(index, size, LEAVES[index], proof + [LEAVES[0]], root)
    if proof:
        position = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="pos")
        altered = list(proof)
        altered[position] = flip_bit(altered[position], bit)
        with pytest.raises(ProofError):
            verify_inclusion(index, size, LEAVES[index], altered, root)
        with pytest.raises(ProofError):
            verify_inclusion(index, size, LEAVES[index], proof[:-1], root)
    if size > 1:
        other = data.draw(st.integers(min_value=0, max_value=size - 1).filter(lambda i: i != index))
        with pytest.raises(ProofError):
            verify_inclusion(other, size, LEAVES[index], proof, root)
        with pytest.raises(ProofError):
            verify_inclusion(index, size, LEAVES[other], proof, root)


@settings(max_examples=200, deadline=None)
@given(two_sizes(), st.data())
def test_any_tampering_with_a_consistency_proof_is_rejected(case, data) -> None:
    size1, size2 = case
    store = store_of_size(MAX_LEAVES)
    proof = consistency_proof(store, size1, size2)
    root1, root2 = root_at(store, size1), root_at(store, size2)
    bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
    position = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="pos")
    altered = list(proof)
    altered[position] = flip_bit(altered[position], bit)

    for bad in (
        (size1, size2, altered, root1, root2),
        (size1, size2, proof, flip_bit(root1, bit), root2),
        (size1, size2, proof, root1, flip_bit(root2, bit)),
        (size1, size2, proof[:-1], root1, root2),
        (size1, size2, proof + [root1], root1, root2),
        (size1, size2, proof, root2, root1),
    ):
        with pytest.raises(ProofError):
            verify_consistency(*bad)


def test_a_forked_log_fails_consistency_with_the_original() -> None:
    honest = store_of_size(40)
    forked = DictNodeStore()
    append_leaves(forked, 0, LEAVES[:17] + [leaf_hash(b"rewritten")] + LEAVES[18:40])
    proof = consistency_proof(forked, 20, 40)
    with pytest.raises(ProofError, match="size 20"):
        verify_consistency(20, 40, proof, root_at(honest, 20), root_at(forked, 40))


# ----------------------------------------------------------------- proofs: cost, any size


def test_each_proof_reads_its_nodes_in_a_single_batch() -> None:
    store = CountingStore(store_of_size(1000))
    inclusion_proof(store, 733, 1000)
    consistency_proof(store, 389, 1000)
    root_at(store, 1000)
    assert len(store.batches) == 3
    assert store.batches[0] == len(keys_for_inclusion(733, 1000))
    assert store.batches[1] == len(keys_for_consistency(389, 1000))


@pytest.mark.parametrize(
    "size", [2**40, 2**40 + 1, 2**40 + 12_345, 2**62 - 1, 3 * 2**45 + 2**20 + 7]
)
def test_proofs_for_huge_logs_read_only_logarithmically_many_nodes(size: int) -> None:
    store = UniformStore(size)
    bound = 2 * size.bit_length() + 2
    root = root_at(store, size)
    for index in (0, 1, size // 3, size - 2, size - 1):
        store.keys_read = 0
        proof = inclusion_proof(store, index, size)
        assert store.keys_read <= bound
        verify_inclusion(index, size, UniformStore.hash_at_level(0), proof, root)
    for size1 in (1, 2, 5, size // 2 + 1, size - 1):
        store.keys_read = 0
        proof = consistency_proof(store, size1, size)
        assert store.keys_read <= bound
        verify_consistency(size1, size, proof, root_at(store, size1), root)


def test_a_proof_needing_a_node_the_store_lacks_reports_it() -> None:
    with pytest.raises(MissingNodeError, match="missing from the node store"):
        inclusion_proof(store_of_size(5), 0, 9)


def test_plans_name_perfect_parts_for_a_sibling_cut_short_by_the_tree_edge() -> None:
    # Leaf 0 of 7: siblings are leaf 1, node [2,4) and the cut-short subtree [4,7),
    # which is made of the perfect node [4,6) and leaf 6.
    plan = inclusion_plan(0, 7)
    assert plan.elements == (
        (NodeKey(0, 1),),
        (NodeKey(1, 1),),
        (NodeKey(1, 2), NodeKey(0, 6)),
    )
    assert consistency_plan(3, 7).elements[0] == (NodeKey(0, 2),)
    assert consistency_plan(4, 7).elements == ((NodeKey(1, 2), NodeKey(0, 6)),)


# --------------------------------------------------------------- requests out of range


@pytest.mark.parametrize(("index", "size"), [(5, 5), (-1, 5), (0, 0)])
def test_inclusion_proof_for_a_leaf_outside_the_tree_is_a_range_error(index, size) -> None:
    with pytest.raises(TreeRangeError, match="outside"):
        inclusion_plan(index, size)


@pytest.mark.parametrize(("size1", "size2"), [(3, 2), (0, 3), (-1, 3)])
def test_consistency_proof_between_impossible_sizes_is_a_range_error(size1, size2) -> None:
    with pytest.raises(TreeRangeError):
        consistency_plan(size1, size2)


def test_range_errors_are_station_user_errors() -> None:
    assert issubclass(TreeRangeError, StationError)
    assert TreeRangeError.http_status == 400
    assert issubclass(ProofError, AuditError)


def test_equal_sizes_need_no_proof() -> None:
    assert consistency_proof(store_of_size(9), 9, 9) == []
    root = root_at(store_of_size(9), 9)
    verify_consistency(9, 9, [], root, root)


# ------------------------------------------------------------- verifier error messages


def test_too_long_inclusion_proof_says_how_many_hashes_are_needed() -> None:
    proof = inclusion_proof(store_of_size(8), 3, 8)
    with pytest.raises(ProofError, match="has 4 hashes but this tree needs exactly 3"):
        verify_inclusion(3, 8, LEAVES[3], proof + [LEAVES[0]], reference_root(LEAVES[:8]))


def test_too_short_consistency_proof_says_how_many_hashes_are_needed() -> None:
    proof = consistency_proof(store_of_size(8), 3, 8)
    with pytest.raises(ProofError, match=f"needs exactly {len(proof)}"):
        verify_consistency(3, 8, proof[:-1], reference_root(LEAVES[:3]), reference_root(LEAVES[:8]))


def test_hash_of_wrong_length_is_named() -> None:
    with pytest.raises(ProofError, match="proof hash #1 must be 32 bytes, got 31"):
        verify_inclusion(0, 4, LEAVES[0], [LEAVES[1], b"x" * 31], reference_root(LEAVES[:4]))


def test_two_roots_for_one_size_are_reported_as_a_fork() -> None:
    with pytest.raises(ProofError, match="forked"):
        verify_consistency(5, 5, [], reference_root(LEAVES[:5]), reference_root(LEAVES[1:6]))


def test_consistency_from_the_empty_tree_is_refused() -> None:
    with pytest.raises(ProofError, match="empty tree"):
        verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
