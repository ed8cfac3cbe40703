"""What the public log says about an entry, as canonical JSON bytes.

A leaf is the canonical JSON (sorted keys, no whitespace, UTF-8, non-ASCII kept
as is) of an entry's public projection: its sequence number, date, kind,
postings as account code + integer minor units + currency, and the sequence
number of the entry it reverses. Amounts are integers, never floats, so every
verifier serialises them the same way.

Entries that concern a case (aid to a person or family) say nothing public
about amount, date or place: their leaf is only ``{"case": true, "commitment":
…, "kind": …, "sequence": …}``, where the commitment is SHA-256 of a random
32-byte salt followed by the canonical *private* projection. Hashing the
private JSON unsalted would be useless: amounts and dates are few enough to
brute-force. The public sees such aid only through monthly aggregated entries.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from donations.money import Money

# Kinds whose public date is the month only: the moment of a disbursement,
# even aggregated, can point at a place and a person; a month cannot.
MONTH_ONLY_KINDS = frozenset({"disbursement", "case_aid_summary"})

Detail = str | int | bool | None


class ProjectionError(ValueError):
    """A value that cannot go into a leaf (a float, a nested object, a bad key)."""


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8 without escaping; floats refused."""
    _refuse_floats(value)
    return _dumps(value)


def _dumps(value: Mapping[str, Any]) -> bytes:
    # For projections built here from integers and cleaned details: no float can be inside.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise ProjectionError("Floats never enter the ledger's leaves: use integer minor units")
    if isinstance(value, Mapping):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)


def clean_details(details: Mapping[str, Detail] | None) -> dict[str, Detail]:
    """Extra facts for a leaf (a category, a region, a count): flat, string keys, no floats."""
    if not details:
        return {}
    cleaned: dict[str, Detail] = {}
    for key, value in details.items():
        if not isinstance(key, str) or not key:
            raise ProjectionError(f"Detail names must be non-empty strings, not {key!r}")
        if isinstance(value, float) or not isinstance(value, str | int | bool | type(None)):
            raise ProjectionError(f"Detail {key!r} must be a string, an integer, a boolean or null")
        cleaned[key] = value
    return cleaned


def public_date(kind: str, effective_date: datetime.date) -> str:
    if kind in MONTH_ONLY_KINDS:
        return effective_date.strftime("%Y-%m")
    return effective_date.isoformat()


PostingTriple = tuple[str, int, str]  # account code, minor units, currency


def posting_triples(postings: Sequence[tuple[str, Money]]) -> list[PostingTriple]:
    return [(code, money.minor, money.currency) for code, money in postings]


def _projection(
    *, sequence: int, date: str, kind: str, postings: Sequence[PostingTriple], reverses_sequence: int | None,
    details: Mapping[str, Detail] | None,
) -> dict[str, Any]:
    projection: dict[str, Any] = {
        "sequence": sequence,
        "date": date,
        "kind": kind,
        "postings": [{"account": code, "amount": minor, "currency": currency} for code, minor, currency in postings],
        "reverses": reverses_sequence,
    }
    if details:
        projection["details"] = dict(details)
    return projection


def public_projection(
    *,
    sequence: int,
    kind: str,
    effective_date: datetime.date,
    postings: Sequence[tuple[str, Money]],
    reverses_sequence: int | None,
    date_kind: str | None = None,
    details: Mapping[str, Detail] | None = None,
) -> dict[str, Any]:
    """The public projection of an entry that does not concern a case.

    ``date_kind`` lets a reversal show its date as coarsely as the entry it
    reverses (a reversed disbursement is still a disbursement's date).
    """
    return _projection(
        sequence=sequence, date=public_date(date_kind or kind, effective_date), kind=kind,
        postings=posting_triples(postings), reverses_sequence=reverses_sequence, details=clean_details(details),
    )


def private_projection(
    *,
    sequence: int,
    kind: str,
    effective_date: datetime.date,
    postings: Sequence[tuple[str, Money]],
    reverses_sequence: int | None,
    details: Mapping[str, Detail] | None = None,
) -> dict[str, Any]:
    """Everything a case entry's commitment opens to: full date, amounts, private details."""
    return _projection(
        sequence=sequence, date=effective_date.isoformat(), kind=kind, postings=posting_triples(postings),
        reverses_sequence=reverses_sequence, details=clean_details(details),
    )


def public_leaf_bytes(
    *, sequence: int, kind: str, effective_date: datetime.date, postings: Sequence[PostingTriple],
    reverses_sequence: int | None, date_kind: str | None, details: Mapping[str, Detail] | None,
) -> bytes:
    """The leaf of a plain entry from stored values; ``details`` must already be clean.

    ``build_leaf`` and ``verify_ledger`` both come here, so the leaf a
    verifier rebuilds is byte for byte the one that was posted.
    """
    return _dumps(_projection(
        sequence=sequence, date=public_date(date_kind or kind, effective_date), kind=kind, postings=postings,
        reverses_sequence=reverses_sequence, details=details,
    ))


def private_leaf_bytes(
    *, sequence: int, kind: str, effective_date: datetime.date, postings: Sequence[PostingTriple],
    reverses_sequence: int | None, details: Mapping[str, Detail] | None,
) -> bytes:
    return _dumps(_projection(
        sequence=sequence, date=effective_date.isoformat(), kind=kind, postings=postings,
        reverses_sequence=reverses_sequence, details=details,
    ))


def commitment(salt: bytes, private_leaf: bytes) -> str:
    return hashlib.sha256(salt + private_leaf).hexdigest()


def case_projection(*, sequence: int, kind: str, commitment_hex: str) -> dict[str, Any]:
    """The public projection of a case entry: that it exists, and a commitment to what it says."""
    return {"case": True, "commitment": commitment_hex, "kind": kind, "sequence": sequence}


@dataclass(frozen=True)
class Leaf:
    """What an entry stores about itself in the log."""

    public_leaf: bytes
    private_leaf: bytes = b""
    salt: bytes = b""


def case_leaf_bytes(*, sequence: int, kind: str, salt: bytes, private_leaf: bytes) -> bytes:
    return _dumps(case_projection(sequence=sequence, kind=kind, commitment_hex=commitment(salt, private_leaf)))


def build_leaf(
    *,
    sequence: int,
    kind: str,
    effective_date: datetime.date,
    postings: Sequence[tuple[str, Money]],
    reverses_sequence: int | None,
    concerns_case: bool,
    date_kind: str | None = None,
    details: Mapping[str, Detail] | None = None,
    salt: bytes | None = None,
) -> Leaf:
    """The leaf of a new entry; a case entry gets a fresh random salt unless one is given."""
    triples = posting_triples(postings)
    cleaned = clean_details(details)
    if not concerns_case:
        return Leaf(public_leaf=public_leaf_bytes(
            sequence=sequence, kind=kind, effective_date=effective_date, postings=triples,
            reverses_sequence=reverses_sequence, date_kind=date_kind, details=cleaned,
        ))
    salt = secrets.token_bytes(32) if salt is None else salt
    private_leaf = private_leaf_bytes(
        sequence=sequence, kind=kind, effective_date=effective_date, postings=triples,
        reverses_sequence=reverses_sequence, details=cleaned,
    )
    return Leaf(
        public_leaf=case_leaf_bytes(sequence=sequence, kind=kind, salt=salt, private_leaf=private_leaf),
        private_leaf=private_leaf,
        salt=salt,
    )
