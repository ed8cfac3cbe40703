"""Statistical disclosure control: which cells of aid to people may be published, and merged how.

The sensitive fact is *having received aid*. A published figure about aid to
people (a cell: category × region, for a month) must hold at least ``k`` cases
and must not let anyone estimate one case from it (the p% rule: with the two
largest cases x1 ≥ x2, the rest of the cell, total − x1 − x2, must be at least
p% of x1 — otherwise the second-largest contributor can estimate the largest
within p%).

A cell that fails is merged, never published alone: first into its
category's "merged regions" cell, then into one cell of "merged" categories
and regions. Only disjoint cells and their grand total are published, so the
only figure subtraction can reveal is that last merged cell; if it fails,
visible cells are folded into it, smallest first, until it passes (secondary
suppression). If even the whole period fails, nothing is published for it:
``Disclosure.held`` says so and the caller waits for more cases.

Pure functions, no database: ``donations.case_aid`` feeds them the private
case entries, the transparency pages the public breakdowns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

MERGED = "merged"


@dataclass(frozen=True)
class CaseContribution:
    """One case's part of a cell: its amount in minor units and the people it helped.

    A correction of an earlier case (a reversal) has a negative amount and
    ``counts_as_case`` False: it changes a total without being a new case.
    """

    category: str
    region: str
    currency: str
    amount_minor: int
    people: int
    counts_as_case: bool = True


@dataclass
class Cell:
    category: str
    region: str
    currency: str
    contributions: list[CaseContribution] = field(default_factory=list)

    @property
    def amount_minor(self) -> int:
        return sum(item.amount_minor for item in self.contributions)

    @property
    def cases(self) -> int:
        return sum(1 for item in self.contributions if item.counts_as_case)

    @property
    def people(self) -> int:
        return sum(item.people for item in self.contributions if item.counts_as_case)


@dataclass(frozen=True)
class Rules:
    min_cases: int = 5
    dominance_percent: int = 10


@dataclass
class Disclosure:
    """The cells that may be published, in a stable order, or ``held`` when none may."""

    cells: list[Cell]
    held: bool

    @property
    def cases(self) -> int:
        return sum(cell.cases for cell in self.cells)


def is_sensitive(contributions: Iterable[CaseContribution], rules: Rules) -> bool:
    """True when a cell of these contributions could single out a case."""
    items = list(contributions)
    cases = sum(1 for item in items if item.counts_as_case)
    if cases < rules.min_cases:
        return True
    sizes = sorted((abs(item.amount_minor) for item in items), reverse=True)
    largest, second = sizes[0], sizes[1] if len(sizes) > 1 else 0
    rest = sum(sizes) - largest - second
    # Integer arithmetic: rest < p% of largest  ⇔  100·rest < p·largest.
    return 100 * rest < rules.dominance_percent * largest


def _group(contributions: Iterable[CaseContribution], key) -> dict[tuple[str, str, str], Cell]:
    cells: dict[tuple[str, str, str], Cell] = {}
    for item in contributions:
        category, region = key(item)
        cell = cells.setdefault((category, region, item.currency), Cell(category, region, item.currency))
        cell.contributions.append(item)
    return cells


def disclose(contributions: Iterable[CaseContribution], rules: Rules) -> Disclosure:
    """Merge or withhold cells until every published one, and every difference of them, is safe.

    Currencies never mix: each is disclosed on its own, and a currency whose
    cases cannot all be published holds the whole period back.
    """
    by_currency: dict[str, list[CaseContribution]] = defaultdict(list)
    for item in contributions:
        by_currency[item.currency].append(item)
    cells: list[Cell] = []
    for currency in sorted(by_currency):
        disclosed = _disclose_one_currency(by_currency[currency], rules)
        if disclosed.held:
            return Disclosure(cells=[], held=True)
        cells.extend(disclosed.cells)
    return Disclosure(cells=cells, held=not cells)


def _disclose_one_currency(contributions: list[CaseContribution], rules: Rules) -> Disclosure:
    visible: list[Cell] = []
    merged_regions: list[CaseContribution] = []
    for cell in _group(contributions, lambda item: (item.category, item.region)).values():
        if is_sensitive(cell.contributions, rules):
            merged_regions.extend(cell.contributions)
        else:
            visible.append(cell)
    merged_everything: list[CaseContribution] = []
    for cell in _group(merged_regions, lambda item: (item.category, MERGED)).values():
        if is_sensitive(cell.contributions, rules):
            merged_everything.extend(cell.contributions)
        else:
            visible.append(cell)
    # Secondary suppression: the grand total minus the visible cells is the
    # merged cell, so it must pass too; fold the smallest visible cells into it.
    visible.sort(key=lambda cell: (cell.cases, abs(cell.amount_minor), cell.category, cell.region))
    while merged_everything and is_sensitive(merged_everything, rules):
        if not visible:
            return Disclosure(cells=[], held=True)
        merged_everything.extend(visible.pop(0).contributions)
    cells = sorted(visible, key=lambda cell: (cell.category, cell.region))
    if merged_everything:
        cells.append(Cell(MERGED, MERGED, contributions[0].currency, merged_everything))
    return Disclosure(cells=cells, held=not cells)
