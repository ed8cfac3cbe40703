"""The pre-publication check: a report is published only if its figures keep everyone safe and verify.

Three things are rechecked on the rendered PDF itself, not on the code that
made it, because a bug or a careless phrase in the controlled vocabulary
would otherwise reach the public:

1. every case aid cell in the period holds at least ``DISCLOSURE_MIN_CASES``
   cases and passes the dominance rule under today's settings, recomputed
   from the private case entries each summary covers (as ``verify_ledger``
   does), so a summary made under laxer settings cannot slip out;
2. no private value of any disbursement (notes, case reference, a payee not
   shown publicly, evidence file names, reasons for rejection or reversal)
   appears in the text extracted from the PDF; names and phone numbers
   inside free-text notes are looked for too;
3. the checkpoint's signature verifies and its root is the root of the
   leaves stored today.

``check_report`` returns every failure at once, so a volunteer sees the whole list.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from pypdf import PdfReader

from donations import case_aid, disclosure, merkle
from donations.checkpoints import CheckpointError, current_vkey, verify_checkpoint
from donations.models import (
    AidCategory,
    CaseAidCoverage,
    Checkpoint,
    Disbursement,
    DisbursementEvidence,
    JournalEntry,
    Posting,
    PublicDescription,
    Region,
)
from donations.reports.periods import ReportPeriod

_PHONE = re.compile(r"\+?\d[\d\s().-]{5,}\d")
# Two or more capitalised words in a row (Latin or Cyrillic): names of people and villages in free text.
_PROPER_NAMES = re.compile(r"(?:[A-ZА-ЯІЇЄҐ][\w'’-]+)(?:\s+[A-ZА-ЯІЇЄҐ][\w'’-]+)+")
MIN_TERM_LENGTH = 4


class PublicationRefusedError(ValueError):
    """The report breaks a publication rule; ``failures`` says each one."""

    def __init__(self, failures: list[str]) -> None:
        self.failures = failures
        super().__init__("The report cannot be published: " + "; ".join(failures))


@dataclass
class CheckResult:
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as a reader's tools extract it, whitespace collapsed and case folded."""
    reader = PdfReader(io.BytesIO(pdf))
    return _normalise(" ".join(page.extract_text() or "" for page in reader.pages))


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# --- 1. Case aid cells ------------------------------------------------------------


def case_cell_failures(period: ReportPeriod, *, tree_size: int) -> list[str]:
    """Each summary's cells, rebuilt from the private case entries it covers, checked against today's rules.

    The cells are rebuilt under the rules the summary states (so they are the
    cells it published, as ``verify_ledger`` checks) and then judged under the
    rules in force now.
    """
    rules = case_aid.disclosure_rules()
    summaries = list(
        JournalEntry.objects.filter(
            kind=JournalEntry.Kind.CASE_AID_SUMMARY, sequence__lte=tree_size,
            effective_date__gte=_month_start(period.first),
            effective_date__lte=case_aid.month_end(_month_start(period.last)),
        ).order_by("sequence")
    )
    if not summaries:
        return []
    covered: dict[int, list[JournalEntry]] = defaultdict(list)
    coverage = CaseAidCoverage.objects.filter(summary_entry__in=summaries).select_related("case_entry")
    for row in coverage.order_by("case_entry__sequence"):
        covered[row.summary_entry_id].append(row.case_entry)
    published: dict[int, set[tuple[str, str]]] = defaultdict(set)
    rows = Posting.objects.filter(entry__in=summaries, account__code__startswith=case_aid.MEMO_PREFIX)
    for entry_id, code in rows.values_list("entry_id", "account__code"):
        category, _, region = code[len(case_aid.MEMO_PREFIX):].partition(":")
        published[entry_id].add((category, region))
    failures = []
    for summary in summaries:
        details = json.loads(summary.public_leaf).get("details") or {}
        stated = disclosure.Rules(
            min_cases=int(details.get("min_cases", 0)), dominance_percent=int(details.get("dominance_percent", 0))
        )
        month = summary.effective_date.strftime("%Y-%m")
        result = disclosure.disclose(case_aid.contributions(case_aid.case_entries(covered.get(summary.pk, []))), stated)
        cells = {(cell.category, cell.region): cell for cell in result.cells if cell.amount_minor}
        if set(cells) != published.get(summary.pk, set()):
            failures.append(f"the case aid summary of {month} does not match the cases it covers")
            continue
        for (category, region), cell in sorted(cells.items()):
            if cell.cases < rules.min_cases:
                failures.append(
                    f"case aid cell {category}/{region} of {month} holds {cell.cases} case(s), "
                    f"fewer than {rules.min_cases}"
                )
            elif disclosure.is_sensitive(cell.contributions, rules):
                failures.append(
                    f"case aid cell {category}/{region} of {month} is dominated by one case "
                    f"({rules.dominance_percent}% rule)"
                )
    return failures


def _month_start(month: str) -> datetime.date:
    year, number = month.split("-")
    return datetime.date(int(year), int(number), 1)


# --- 2. Private values in the text ------------------------------------------------


def private_terms() -> tuple[set[str], set[str]]:
    """Every private value of every disbursement, as text to look for and as phone-number digits."""
    texts: set[str] = set()
    phones: set[str] = set()
    # Names that notes may mention and the report rightly prints ("Kharkiv oblast", a category): not private.
    vocabulary = _public_vocabulary()

    def add(value: str, *, free_text: bool) -> None:
        value = " ".join((value or "").split())
        if not value:
            return
        if len(value) >= MIN_TERM_LENGTH:
            texts.add(value.casefold())
        if free_text:
            texts.update(
                name.casefold() for name in _PROPER_NAMES.findall(value)
                if len(name) >= MIN_TERM_LENGTH and name.casefold() not in vocabulary
            )
            phones.update(digits for match in _PHONE.findall(value) if len(digits := _digits(match)) >= 7)

    rows = Disbursement.objects.values_list(
        "notes", "case_reference", "payee_name", "payee_public", "payee_is_organisation", "concerns_case",
        "rejection_reason", "reversal_reason",
    )
    for notes, reference, payee, payee_public, organisation, concerns_case, rejection, reversal in rows.iterator():
        add(notes, free_text=True)
        add(rejection, free_text=True)
        add(reversal, free_text=True)
        add(reference, free_text=False)
        if not (payee_public and organisation and not concerns_case):
            add(payee, free_text=True)
    for name in DisbursementEvidence.objects.values_list("original_name", flat=True).iterator():
        add(name, free_text=False)
        stem = (name or "").rsplit(".", 1)[0]
        if stem != name:
            add(stem, free_text=False)
    # A public payee's own name may rightly be printed, even where it also appears in private notes.
    public = {
        " ".join(name.split()).casefold()
        for name in Disbursement.objects.filter(
            payee_public=True, payee_is_organisation=True, concerns_case=False
        ).values_list("payee_name", flat=True)
    }
    return texts - public, phones


def _public_vocabulary() -> set[str]:
    from django.utils import translation

    words: set[str] = set()
    for text, text_uk in PublicDescription.objects.values_list("text", "text_uk"):
        words.update((text.casefold(), text_uk.casefold()))
    for name, name_uk in AidCategory.objects.values_list("name", "name_uk"):
        words.update((name.casefold(), name_uk.casefold()))
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            words.update(str(label).casefold() for _value, label in Region.choices)
    return words - {""}


def banned_term_failures(text: str) -> list[str]:
    texts, phones = private_terms()
    found = sorted(term for term in texts if term in text)
    numbers = {_digits(match) for match in _PHONE.findall(text)}
    leaked_phones = sorted(phone for phone in phones if any(phone in number for number in numbers))
    failures = [f"a private value appears in the text: {_redact(term)}" for term in found]
    failures += [f"a private phone number appears in the text: {_redact(phone)}" for phone in leaked_phones]
    return failures


def _redact(value: str) -> str:
    """Enough for a volunteer to find the value, not enough to leak it through an error page or a log."""
    return f"“{value[:2]}…” ({len(value)} characters)"


# --- 3. The checkpoint --------------------------------------------------------------


def checkpoint_failures(checkpoint: Checkpoint) -> list[str]:
    try:
        head = verify_checkpoint(checkpoint.note, current_vkey(), origin=checkpoint.origin)
    except CheckpointError as exc:
        return [f"the checkpoint does not verify: {exc}"]
    if head.size != checkpoint.tree_size or head.root.hex() != checkpoint.root_hash:
        return ["the checkpoint's signed note does not say its stored tree size and root"]
    frontier: list[bytes] = []
    count = 0
    hashes = JournalEntry.objects.filter(sequence__lte=checkpoint.tree_size).order_by("sequence")
    for leaf in hashes.values_list("leaf_hash", flat=True).iterator(chunk_size=5000):
        frontier = merkle.frontier_append(frontier, count, bytes.fromhex(leaf))
        count += 1
    if count != checkpoint.tree_size or merkle.frontier_root(frontier).hex() != checkpoint.root_hash:
        return ["the ledger's leaves no longer have the root the checkpoint signed"]
    return []


def _printed_values(period: ReportPeriod, checkpoint: Checkpoint, languages: list[str]) -> str:
    """The line list's values in full: the PDF's columns may cut a value, and a cut value must not hide a leak."""
    from donations.public_ledger import public_figures
    from donations.reports.render import printed_values

    figures = public_figures(period=period.months, checkpoint=checkpoint)
    return _normalise(" | ".join(value for language in languages for value in printed_values(figures, language)))


def check_report(
    *, pdf: bytes, period: ReportPeriod, checkpoint: Checkpoint, language: str | None = None
) -> CheckResult:
    result = CheckResult()
    result.failures += case_cell_failures(period, tree_size=checkpoint.tree_size)
    languages = [language] if language else [code for code, _name in settings.LANGUAGES]
    text = pdf_text(pdf) + " | " + _printed_values(period, checkpoint, languages)
    result.failures += banned_term_failures(text)
    result.failures += checkpoint_failures(checkpoint)
    return result


def require_publishable(
    *, pdf: bytes, period: ReportPeriod, checkpoint: Checkpoint, language: str | None = None
) -> None:
    result = check_report(pdf=pdf, period=period, checkpoint=checkpoint, language=language)
    if not result.ok:
        raise PublicationRefusedError(result.failures)
