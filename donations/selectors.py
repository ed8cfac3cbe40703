"""Reads of the books that pages, exports and the public log need, each in a fixed number of queries.

Every function here states its query count; ``tests/donations/test_selectors.py``
pins it, so a read that starts growing with the ledger fails CI, not production.

The public log is append-only and gap-free: once ``LogHead.size`` says *n*,
entries #1–#n and their leaf hashes never change. So a reader that first takes
the size and then reads at most that many entries sees one consistent tree,
whatever postings commit in between, and needs no transaction around the two
reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Q, Subquery

from donations import merkle
from donations.models import Checkpoint, JournalEntry, LogHead

# Rows fetched per round trip when streaming the log (a server-side cursor on PostgreSQL).
LEAF_CHUNK_SIZE = 2000


@dataclass(frozen=True)
class LogState:
    """The log's size and root now, and the hash of its first leaf (what names this log's history)."""

    size: int
    root: bytes
    first_leaf_hash: str


def log_state() -> LogState:
    """The current tree head, read from the log head row. One query."""
    first = JournalEntry.objects.filter(sequence=1).values("leaf_hash")
    head = (
        LogHead.objects.filter(pk=1)
        .annotate(first_leaf_hash=Subquery(first[:1]))
        .values_list("size", "frontier", "first_leaf_hash")
        .first()
    )
    if head is None:
        return LogState(size=0, root=merkle.EMPTY_ROOT, first_leaf_hash="")
    size, frontier, first_leaf_hash = head
    root = merkle.frontier_root([bytes.fromhex(node) for node in frontier.split()])
    return LogState(size=size, root=root, first_leaf_hash=first_leaf_hash or "")


def latest_checkpoint_note() -> Checkpoint | None:
    """The newest signed checkpoint, with just what serving it needs. One query."""
    return Checkpoint.objects.only("id", "tree_size", "root_hash", "note").order_by("-id").first()


def public_leaves(*, start: int, end: int, chunk_size: int | None = None) -> Iterator[str]:
    """The public leaves of leaf indexes ``start`` (inclusive) to ``end`` (exclusive), in order.

    Leaf index *i* is entry ``sequence`` *i + 1*. Streamed in chunks, one query
    in all (a server-side cursor on PostgreSQL), so a million leaves never sit in
    memory at once. The caller bounds ``end`` by the log size it read first.
    """
    if end <= start:
        return iter(())
    rows = (
        JournalEntry.objects.filter(sequence__gt=start, sequence__lte=end)
        .order_by("sequence")
        .values_list("public_leaf", flat=True)
    )
    return rows.iterator(chunk_size=chunk_size or LEAF_CHUNK_SIZE)


def leaf_hashes(ranges: Iterable[tuple[int, int]]) -> dict[int, bytes]:
    """Leaf hashes by leaf index, for the half-open index ranges given. One query (none if no range).

    Only the stored hashes are read, never the leaves themselves: 32 bytes a leaf.
    """
    condition = Q()
    for start, end in ranges:
        if end > start:
            condition |= Q(sequence__gt=start, sequence__lte=end)
    if not condition:
        return {}
    rows = JournalEntry.objects.filter(condition).values_list("sequence", "leaf_hash")
    return {sequence - 1: bytes.fromhex(leaf_hash) for sequence, leaf_hash in rows.iterator(chunk_size=10_000)}
