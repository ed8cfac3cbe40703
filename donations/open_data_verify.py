"""Check a downloaded open data file: which export it is, which checkpoint it names, and whether it is intact.

The verification page passes the bytes someone uploaded. Each export names
its checkpoint inside itself (``donations.open_data``), so the file alone
says what to regenerate; regeneration is deterministic for a checkpoint, so
an intact download matches byte for byte, and any edit (one amount in a
beancount file, a row removed from the CSV) shows as the first line that
differs.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from donations import open_data
from donations.json_limits import require_depth_at_most
from donations.models import Checkpoint

_BEANCOUNT_SIZE = re.compile(rb"^; checkpoint-tree-size: ([0-9]{1,19})$", re.MULTILINE)
_BEANCOUNT_ROOT = re.compile(rb"^; checkpoint-root-hash: ([A-Za-z0-9+/=]{1,100})$", re.MULTILINE)
_IATI_CHECKPOINT = re.compile(
    rb'<proceeds:checkpoint origin="[^"]*" tree-size="([0-9]{1,19})" root-hash="([A-Za-z0-9+/=]{1,100})">'
)
_CSV_HEADER = ",".join(open_data.CSV_COLUMNS).encode()
_BOM = "\ufeff".encode()


@dataclass(frozen=True)
class ExportCheck:
    """What a file is, the checkpoint it names, and whether it is exactly what that checkpoint gives."""

    kind: str
    tree_size: int
    root_hash_b64: str
    matches: bool
    detail: str


def identify_export(data: bytes) -> ExportCheck | None:
    """Recognise a CSV, JSON, beancount or IATI export and compare it with a fresh one; ``None`` if none of these."""
    named = _named_checkpoint(data)
    if named is None:
        return None
    kind, size, root = named
    try:
        root_hex = base64.b64decode(root, validate=True).hex()
    except (binascii.Error, ValueError):
        return ExportCheck(kind, size, root, False, "The root hash the file names is not valid base64.")
    checkpoint = (
        Checkpoint.objects.filter(tree_size=size, root_hash=root_hex)
        .only("id", "tree_size", "root_hash", "origin", "note", "created_at").order_by("-id").first()
    )
    if checkpoint is None:
        return ExportCheck(kind, size, root, False, (
            f"No checkpoint of tree size {size} with root hash {root} was signed by this ledger: "
            "the file names a checkpoint we never published."
        ))
    line = _first_difference(data, open_data.generate_export(kind, checkpoint))
    if line is None:
        return ExportCheck(kind, size, root, True, (
            f"This {_LABELS[kind]} is exactly the export of signed checkpoint {size} ({root})."
        ))
    return ExportCheck(kind, size, root, False, (
        f"This {_LABELS[kind]} names checkpoint {size} ({root}) but differs from its export, "
        f"first at line {line}."
    ))


_LABELS = {"csv": "CSV file", "json": "JSON file", "beancount": "beancount file", "iati": "IATI file"}


def _named_checkpoint(data: bytes) -> tuple[str, int, str] | None:
    """(kind, tree size, base64 root) as the file states them; ``None`` for anything else."""
    head = data[:4096]
    # A CSV saved again without its byte order mark is still recognised (and then differs at line 1).
    if head.removeprefix(_BOM).startswith(_CSV_HEADER):
        return _csv_checkpoint(data)
    if head.startswith(b'{"checkpoint":'):
        return _json_checkpoint(data)
    if head.startswith(b"; Proceeds: the public ledger as a beancount file."):
        size, root = _BEANCOUNT_SIZE.search(head), _BEANCOUNT_ROOT.search(head)
        if size and root:
            return "beancount", int(size.group(1)), root.group(1).decode()
        return None
    if head.lstrip().startswith(b"<?xml") and b"<iati-activities" in head:
        return _iati_checkpoint(data)
    return None


def _csv_checkpoint(data: bytes) -> tuple[str, int, str] | None:
    # The first data row names the checkpoint; a file without rows (an empty log) cannot be checked.
    lines = data.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines()
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[:2]))))
    if not rows:
        return None
    size, root = rows[0].get("checkpoint_size") or "", (rows[0].get("checkpoint_root") or "").removeprefix("'")
    if not size.isdigit() or not root:
        return None
    return "csv", int(size), root


def _json_checkpoint(data: bytes) -> tuple[str, int, str] | None:
    text = data[len(b'{"checkpoint":'):].decode("utf-8", errors="replace")
    try:
        # An upload is untrusted: a deeply nested one would exhaust the parser's stack (500). Ours nest a few levels.
        require_depth_at_most(text)
        checkpoint, _ = json.JSONDecoder().raw_decode(text)
        size, root = checkpoint["tree_size"], checkpoint["root_hash"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0 or not isinstance(root, str):
        return None
    return "json", size, root


def _iati_checkpoint(data: bytes) -> tuple[str, int, str] | None:
    # Read with a pattern, not an XML parser: an upload is untrusted (entity expansion), and
    # whatever the file says is then checked against a fresh export byte for byte anyway.
    named = _IATI_CHECKPOINT.search(data)
    if named is None:
        return None
    return "iati", int(named.group(1)), named.group(2).decode()


def _lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    pending = b""
    for chunk in chunks:
        pending += chunk
        *complete, pending = pending.split(b"\n")
        yield from complete
    yield pending


def _first_difference(data: bytes, expected: Iterator[bytes]) -> int | None:
    """The 1-based number of the first line that differs (or is missing or extra); ``None`` if identical."""
    given = iter(data.split(b"\n"))
    number = 0
    for number, line in enumerate(_lines(expected), start=1):
        if next(given, None) != line:
            return number
    return number + 1 if next(given, None) is not None else None
