"""Recheck the whole ledger from its rows: the engine of ``manage.py verify_ledger``.

Each entry is rebuilt from its stored postings and compared with what was
published: its balance, its public leaf (and, for a case entry, the salted
commitment), its leaf hash, its place in the sequence, its reversal link.
The leaves are then hashed into a fresh tree whose roots must match every
stored checkpoint, and the checkpoints' signatures must verify. The running
balances must equal the sums of the postings. Every problem is named by the
entry's sequence number, so a reader knows exactly where the books break.

Entries are read in chunks in sequence order and the tree is grown through its
frontier, so memory stays flat at a million entries.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from donations import merkle
from donations.checkpoints import CheckpointError, current_vkey, parse_vkey, verify_checkpoint
from donations.models import (
    Account,
    AccountBalance,
    CaseAidCoverage,
    Checkpoint,
    JournalEntry,
    LogHead,
    Posting,
)
from donations.projection import (
    PostingTriple,
    ProjectionError,
    case_leaf_bytes,
    clean_details,
    posting_triples,
    private_leaf_bytes,
    public_leaf_bytes,
)

CHUNK_SIZE = 5000


@dataclass(frozen=True)
class Problem:
    sequence: int | None
    message: str

    def __str__(self) -> str:
        return f"entry #{self.sequence}: {self.message}" if self.sequence is not None else self.message


@dataclass
class Report:
    entries: int = 0
    postings: int = 0
    root: bytes = merkle.EMPTY_ROOT
    latest_checkpoint_size: int | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, sequence: int | None, message: str) -> None:
        self.problems.append(Problem(sequence, message))


_ENTRY_FIELDS = (
    "id", "sequence", "effective_date", "kind", "reverses_id", "concerns_case",
    "public_leaf", "leaf_hash", "private_leaf", "commitment_salt",
)


def verify_ledger(*, chunk_size: int = CHUNK_SIZE) -> Report:
    report = Report()
    checkpoints = list(Checkpoint.objects.order_by("id"))
    wanted_sizes = {checkpoint.tree_size for checkpoint in checkpoints}
    roots_at: dict[int, bytes] = {0: merkle.EMPTY_ROOT} if 0 in wanted_sizes else {}
    codes = dict(Account.objects.values_list("id", "code"))
    frontier: list[bytes] = []
    balances: dict[tuple[str, str], int] = defaultdict(int)
    reversed_once: dict[int, int] = {}
    expected_sequence = 1
    last_sequence = 0

    while True:
        chunk = list(
            JournalEntry.objects.filter(sequence__gt=last_sequence).order_by("sequence").values(*_ENTRY_FIELDS)[
                :chunk_size
            ]
        )
        if not chunk:
            break
        first_sequence, last_sequence = chunk[0]["sequence"], chunk[-1]["sequence"]
        postings = _postings_by_entry(
            Posting.objects.filter(entry__sequence__gte=first_sequence, entry__sequence__lte=last_sequence), codes
        )
        originals = _originals({row["reverses_id"] for row in chunk if row["reverses_id"]}, codes)
        for row in chunk:
            sequence = row["sequence"]
            if sequence != expected_sequence:
                report.problem(sequence, f"sequence gap: expected #{expected_sequence} before it")
            expected_sequence = sequence + 1
            lines = postings.get(row["id"], [])
            report.postings += len(lines)
            for code, minor, currency in lines:
                balances[(code, currency)] += minor
            _check_balance(report, sequence, lines)
            original = originals.get(row["reverses_id"]) if row["reverses_id"] else None
            if row["reverses_id"] or row["kind"] == JournalEntry.Kind.REVERSAL:
                _check_reversal(report, row, original, lines, reversed_once)
            leaf = merkle.leaf_hash(row["public_leaf"].encode())
            if leaf.hex() != row["leaf_hash"]:
                report.problem(sequence, "stored leaf hash is not the hash of its public leaf")
            _check_leaf(report, row, original, lines)

            frontier = merkle.frontier_append(frontier, report.entries, leaf)
            report.entries += 1
            if report.entries in wanted_sizes:
                roots_at[report.entries] = merkle.frontier_root(frontier)

    report.root = merkle.frontier_root(frontier)
    _check_running_balances(report, balances)
    _check_log_head(report)
    _check_checkpoints(report, checkpoints, roots_at)
    _check_case_aid_summaries(report, codes)
    _check_allocations(report)
    return report


def _check_allocations(report: Report) -> None:
    from donations.allocation import verify_allocations  # allocation imports this module's Problem

    report.problems.extend(verify_allocations())


def _check_case_aid_summaries(report: Report, codes: dict[int, str]) -> None:
    """Each summary states exactly the cells its covered case entries make under the rules it names."""
    from donations import case_aid, disclosure  # case_aid builds on the ledger, as this module does

    covered: dict[int, list[JournalEntry]] = defaultdict(list)
    for coverage in CaseAidCoverage.objects.select_related("case_entry").order_by("case_entry__sequence"):
        covered[coverage.summary_entry_id].append(coverage.case_entry)
    summaries = JournalEntry.objects.filter(kind=JournalEntry.Kind.CASE_AID_SUMMARY).order_by("sequence")
    postings = _postings_by_entry(Posting.objects.filter(entry__kind=JournalEntry.Kind.CASE_AID_SUMMARY), codes)
    for summary in summaries:
        entries = covered.get(summary.pk, [])
        details = _stored_details(summary.public_leaf)
        if any(not entry.concerns_case for entry in entries):
            report.problem(summary.sequence, "covers an entry that does not concern a case")
        if details.get("covers") != ",".join(str(entry.sequence) for entry in entries):
            report.problem(summary.sequence, "the case entries it says it covers are not the ones recorded")
        rules = disclosure.Rules(
            min_cases=int(details.get("min_cases", 0)), dominance_percent=int(details.get("dominance_percent", 0))
        )
        result = disclosure.disclose(case_aid.contributions(case_aid.case_entries(entries)), rules)
        expected = sorted(posting_triples(case_aid.summary_postings(result.cells)))
        if result.held or expected != sorted(postings.get(summary.pk, [])):
            report.problem(
                summary.sequence,
                "its published cells are not what its covered case entries add up to under the rules it states",
            )



def _postings_by_entry(postings, codes: dict[int, str]) -> dict[int, list[PostingTriple]]:
    grouped: dict[int, list[PostingTriple]] = defaultdict(list)
    rows = postings.order_by("id").values_list("entry_id", "account_id", "amount_minor", "currency")
    for entry_id, account_id, minor, currency in rows:
        grouped[entry_id].append((codes[account_id], minor, currency))
    return grouped


def _originals(ids: set[int], codes: dict[int, str]) -> dict[int, dict]:
    if not ids:
        return {}
    originals = {row["id"]: row for row in JournalEntry.objects.filter(id__in=ids).values(*_ENTRY_FIELDS)}
    for entry_id, lines in _postings_by_entry(Posting.objects.filter(entry_id__in=list(originals)), codes).items():
        originals[entry_id]["lines"] = lines
    return originals


def _check_balance(report: Report, sequence: int, lines: list[PostingTriple]) -> None:
    if len(lines) < 2:
        report.problem(sequence, f"has {len(lines)} posting(s); an entry needs at least two")
    totals: dict[str, int] = defaultdict(int)
    for code, minor, currency in lines:
        if minor == 0:
            report.problem(sequence, f"has a zero posting to {code}")
        totals[currency] += minor
    for currency, total in totals.items():
        if total:
            report.problem(sequence, f"does not balance: its {currency} postings sum to {total:+d} minor units")


def _check_reversal(
    report: Report, row: dict, original: dict | None, lines: list[PostingTriple], reversed_once: dict[int, int]
) -> None:
    sequence = row["sequence"]
    is_reversal = row["kind"] == JournalEntry.Kind.REVERSAL
    if is_reversal != (row["reverses_id"] is not None):
        report.problem(sequence, "a reversal must name the entry it reverses, and only a reversal may")
    if original is None:
        return
    if original["sequence"] >= sequence:
        report.problem(sequence, f"reverses entry #{original['sequence']}, which is not earlier in the log")
    if original["kind"] == JournalEntry.Kind.REVERSAL:
        report.problem(sequence, f"reverses entry #{original['sequence']}, which is itself a reversal")
    earlier = reversed_once.setdefault(original["id"], sequence)
    if earlier != sequence:
        report.problem(sequence, f"reverses entry #{original['sequence']}, already reversed by entry #{earlier}")
    negated = sorted((code, -minor, currency) for code, minor, currency in original.get("lines", []))
    if sorted(lines) != negated:
        report.problem(sequence, f"does not post the exact negation of entry #{original['sequence']}")


def _stored_details(text: str) -> dict:
    if '"details"' not in text:  # Most leaves carry none: skip parsing them.
        return {}
    details = json.loads(text).get("details") or {}
    return clean_details(details)


def _check_leaf(report: Report, row: dict, original: dict | None, lines: list[PostingTriple]) -> None:
    sequence = row["sequence"]
    stored = row["public_leaf"].encode()
    common = {
        "sequence": sequence, "kind": row["kind"], "effective_date": row["effective_date"], "postings": lines,
        "reverses_sequence": original["sequence"] if original else None,
    }
    try:
        if row["concerns_case"]:
            private = private_leaf_bytes(**common, details=_stored_details(row["private_leaf"]))
            if private != row["private_leaf"].encode():
                report.problem(sequence, _differences("private leaf", private, row["private_leaf"]))
            expected = case_leaf_bytes(
                sequence=sequence, kind=row["kind"], salt=bytes.fromhex(row["commitment_salt"]), private_leaf=private
            )
        else:
            expected = public_leaf_bytes(
                **common, date_kind=original["kind"] if original else None,
                details=_stored_details(row["public_leaf"]),
            )
    except (ProjectionError, ValueError, AttributeError) as exc:
        report.problem(sequence, f"leaf cannot be rebuilt: {exc}")
        return
    if expected != stored:
        report.problem(sequence, _differences("public leaf", expected, row["public_leaf"]))


def _differences(what: str, expected: bytes, stored_text: str) -> str:
    try:
        stored = json.loads(stored_text)
    except ValueError:
        return f"{what} is not valid JSON"
    if not isinstance(stored, dict):
        return f"{what} is not a JSON object"
    rebuilt = json.loads(expected)
    fields = sorted(key for key in rebuilt.keys() | stored.keys() if rebuilt.get(key) != stored.get(key))
    if fields == ["commitment"]:
        return f"{what} commitment does not open to the stored postings, date and details"
    return f"{what} does not match the books in: {', '.join(fields)}"


def _check_running_balances(report: Report, balances: dict[tuple[str, str], int]) -> None:
    stored = {
        (code, currency): minor
        for code, currency, minor in AccountBalance.objects.values_list("account__code", "currency", "balance_minor")
    }
    for key in sorted(balances.keys() | stored.keys()):
        summed, kept = balances.get(key, 0), stored.get(key, 0)
        if summed != kept:
            report.problem(
                None, f"running balance of {key[0]} in {key[1]} is {kept}, but its postings sum to {summed}"
            )


def _check_log_head(report: Report) -> None:
    head = LogHead.objects.filter(pk=1).first()
    size = head.size if head else 0
    if size != report.entries:
        report.problem(None, f"log head says {size} entries, the log has {report.entries}")
        return
    frontier = [bytes.fromhex(node) for node in head.frontier.split()] if head else []
    if merkle.frontier_root(frontier) != report.root:
        report.problem(None, "log head's tree edge does not match the root recomputed from the leaves")


def _check_checkpoints(report: Report, checkpoints: list[Checkpoint], roots_at: dict[int, bytes]) -> None:
    if not checkpoints:
        report.notes.append("no checkpoint has been made yet: the root is not signed")
        return
    try:
        vkey = current_vkey()
        key_name = parse_vkey(vkey)[0]
    except CheckpointError as exc:
        report.problem(None, f"cannot check checkpoint signatures: {exc}")
        vkey = key_name = None
    latest = checkpoints[-1]
    report.latest_checkpoint_size = latest.tree_size
    for checkpoint in checkpoints:
        label = f"checkpoint {checkpoint.pk} (tree size {checkpoint.tree_size})"
        if checkpoint.tree_size > report.entries:
            report.problem(None, f"{label} is larger than the log ({report.entries} entries): entries are missing")
            continue
        if roots_at.get(checkpoint.tree_size, b"").hex() != checkpoint.root_hash:
            report.problem(
                None, f"the tree of entries #1–#{checkpoint.tree_size} does not have the root signed in {label}"
            )
        if vkey is None or (checkpoint.key_name != key_name and checkpoint is not latest):
            continue  # Older checkpoints signed by a retired key cannot be checked against today's.
        try:
            head = verify_checkpoint(checkpoint.note, vkey, origin=checkpoint.origin)
        except CheckpointError as exc:
            report.problem(None, f"{label}: {exc}")
            continue
        if head.size != checkpoint.tree_size or head.root.hex() != checkpoint.root_hash:
            report.problem(None, f"{label}: the signed note does not say the stored size and root")
    if latest.tree_size < report.entries:
        report.notes.append(f"{report.entries - latest.tree_size} entries are newer than the latest checkpoint")
