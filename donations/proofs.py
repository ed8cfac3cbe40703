"""Inclusion and consistency proofs for the public log, without rereading the whole log per request.

Every node of an RFC 6962 proof is the root of a range of leaves, and every
such range splits into *perfect, aligned* subtrees: 2^h leaves starting at a
multiple of 2^h. A perfect subtree that lies inside the log never changes,
because the log only grows. So the roots of perfect subtrees of
``TILE_LEAVES`` leaves and up are kept in Django's cache, computed from leaf
hashes once, and a proof then needs only:

- one read of the log head (its size, and the first leaf hash that names the
  log's history in the cache keys, so a rebuilt database never meets roots of
  another history);
- the cached roots it names (one ``get_many`` when they are all cached);
- the stored leaf hashes (never the leaves) of the partial tiles it touches
  (the proved leaf's or the old tree's edge, and the tree's right edge) and of
  a full tile not cached yet (the newest): a few hundred hashes, one query.

With a cold cache the first proof reads every leaf hash once and fills the
cache: 0.15–0.3 s at 100k leaves, 2–3.5 s at a million on PostgreSQL; warm
proofs then take 1.5–8 ms (``bench/log_proofs.py``). A cache that
loses keys costs time, never correctness: a missing root is recomputed from
its children or its leaves.

The proof shapes follow RFC 6962 §2.1.1 (PATH) and §2.1.2 (PROOF) exactly as
``donations.merkle`` does; here they are expressed as the leaf ranges whose
roots make up the proof, so the same arithmetic decides what to fetch.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache

from donations import merkle, selectors
from donations.merkle import ProofError

TILE_HEIGHT = 8
TILE_LEAVES = 1 << TILE_HEIGHT
CACHE_TIMEOUT = 60 * 60 * 24 * 30  # Roots never change; this only lets an unused log's keys expire.
# Beyond this many separate leaf ranges, one read of their span is cheaper than a long OR.
MAX_LEAF_RANGES = 16

Range = tuple[int, int]  # half-open leaf-index range [start, end)
Node = tuple[int, int]  # a perfect aligned subtree: (height, index) covers [index·2^height, (index+1)·2^height)


@dataclass(frozen=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: bytes
    root_hash: bytes
    proof: list[bytes]


@dataclass(frozen=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    old_root: bytes
    new_root: bytes
    proof: list[bytes]


# --- Which ranges a proof is made of (arithmetic only, no hashes) -------------


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n ≥ 2), as RFC 6962 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose roots form PATH(index, D[size]), in proof order (from the leaf up)."""
    ranges: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    return ranges[::-1]


def consistency_ranges(old_size: int, size: int) -> list[Range]:
    """The ranges whose roots form PROOF(old_size, D[size]), in proof order."""
    if old_size in (0, size):
        return []
    ranges: list[Range] = []
    lo, hi, m, complete = 0, size, old_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        ranges.append((lo, hi))
    return ranges[::-1]


def perfect_nodes(start: int, end: int) -> list[Node]:
    """The perfect aligned subtrees that a proof range splits into, left to right.

    Every range in an RFC 6962 proof starts at a multiple of the next power of
    two at or above its length, so it splits by the binary digits of its
    length, largest first, and its root folds them from the right — the same
    shape as the log head's frontier.
    """
    nodes: list[Node] = []
    position, remaining = start, end - start
    for height in range(remaining.bit_length() - 1, -1, -1):
        if remaining >> height & 1:
            if position % (1 << height):
                raise ValueError(f"[{start}, {end}) is not a range of an RFC 6962 tree")
            nodes.append((height, position >> height))
            position += 1 << height
    return nodes


# --- Roots of ranges, from the cache and the leaf hashes ----------------------


class MissingLeavesError(RuntimeError):
    """The log head counts leaves whose rows are missing: the books need ``verify_ledger``."""


class _Roots:
    """Roots of perfect subtrees for one request: cached ones fetched, missing ones computed and cached."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.known: dict[Node, bytes] = {}

    def _key(self, node: Node) -> str:
        return f"transparency-log:{self.namespace}:{node[0]}:{node[1]}"

    def resolve(self, nodes: set[Node]) -> None:
        """Make every node's root known, in at most one query for leaf hashes."""
        small = {node for node in nodes if node[0] < TILE_HEIGHT}
        to_compute: dict[int, set[Node]] = defaultdict(set)  # height -> tiled nodes missing from the cache
        tiles: set[Node] = set()
        pending = {node for node in nodes if node[0] >= TILE_HEIGHT}
        while pending:
            keys = {self._key(node): node for node in pending}
            for key, root in cache.get_many(list(keys)).items():
                if isinstance(root, bytes) and len(root) == merkle.HASH_SIZE:
                    self.known[keys[key]] = root
            missing = {node for node in pending if node not in self.known}
            pending = set()
            for height, index in missing:
                to_compute[height].add((height, index))
                if height == TILE_HEIGHT:
                    tiles.add((height, index))
                else:
                    pending |= {(height - 1, 2 * index), (height - 1, 2 * index + 1)}
            pending -= self.known.keys()

        leaves = self._leaf_hashes(small | tiles)
        for height, index in small | tiles:
            first = index << height
            self.known[(height, index)] = merkle.root([leaves[i] for i in range(first, first + (1 << height))])
        computed: dict[str, bytes] = {}
        for height in sorted(to_compute):
            for node in to_compute[height]:
                if height > TILE_HEIGHT:  # Tiles were hashed from their leaves above; higher nodes from children.
                    index = node[1]
                    self.known[node] = merkle.node_hash(
                        self.known[(height - 1, 2 * index)], self.known[(height - 1, 2 * index + 1)]
                    )
                computed[self._key(node)] = self.known[node]
        if computed:
            cache.set_many(computed, timeout=CACHE_TIMEOUT)

    @staticmethod
    def _leaf_hashes(nodes: set[Node]) -> dict[int, bytes]:
        ranges = sorted((index << height, (index + 1) << height) for height, index in nodes)
        merged: list[Range] = []
        for start, end in ranges:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        if len(merged) > MAX_LEAF_RANGES:
            merged = [(merged[0][0], merged[-1][1])]
        hashes = selectors.leaf_hashes(merged)
        if len(hashes) != sum(end - start for start, end in merged):  # merged ranges are disjoint
            raise MissingLeavesError("The log head counts entries whose rows are missing; run manage.py verify_ledger")
        return hashes

    def range_root(self, start: int, end: int) -> bytes:
        return merkle.frontier_root([self.known[node] for node in perfect_nodes(start, end)])


def _roots_for(state: selectors.LogState, ranges: list[Range]) -> _Roots:
    roots = _Roots(namespace=state.first_leaf_hash[:32] or "empty")
    roots.resolve({node for start, end in ranges for node in perfect_nodes(start, end)})
    return roots


# --- The proofs ---------------------------------------------------------------


def _check_tree_size(size: int, state: selectors.LogState, what: str) -> None:
    if size > state.size:
        raise ProofError(f"{what} {size} is beyond the log's current size {state.size}")


def inclusion_proof(*, index: int, size: int) -> InclusionProof:
    """PATH(index, D[size]) with the leaf hash and root it leads to. Two queries at most."""
    if index < 0 or size < 0:
        raise ProofError("index and size are non-negative integers")
    if index >= size:
        raise ProofError(f"Leaf index {index} is outside a tree of size {size}: index must be below size")
    state = selectors.log_state()
    _check_tree_size(size, state, "Tree size")
    path = inclusion_ranges(index, size)
    roots = _roots_for(state, [*path, (index, index + 1), (0, size)])
    return InclusionProof(
        index=index, tree_size=size, leaf_hash=roots.range_root(index, index + 1),
        root_hash=roots.range_root(0, size), proof=[roots.range_root(start, end) for start, end in path],
    )


def consistency_proof(*, old_size: int, new_size: int) -> ConsistencyProof:
    """PROOF(old_size, D[new_size]) with both roots. Two queries at most."""
    if old_size < 0 or new_size < 0:
        raise ProofError("old and new are non-negative integers")
    if old_size > new_size:
        raise ProofError(f"Old size {old_size} is larger than new size {new_size}: a log only grows")
    state = selectors.log_state()
    _check_tree_size(new_size, state, "New size")
    path = consistency_ranges(old_size, new_size)
    heads = [(0, size) for size in (old_size, new_size) if size]
    roots = _roots_for(state, [*path, *heads])
    return ConsistencyProof(
        old_size=old_size, new_size=new_size,
        old_root=roots.range_root(0, old_size) if old_size else merkle.EMPTY_ROOT,
        new_root=roots.range_root(0, new_size) if new_size else merkle.EMPTY_ROOT,
        proof=[roots.range_root(start, end) for start, end in path],
    )
