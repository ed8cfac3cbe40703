"""A new row checked against its model's rules in Python: what ``full_clean`` checks, without a query.

``full_clean`` asks the database twice per rule: each foreign key is looked
up, and each ``CheckConstraint`` runs as ``SELECT 1 WHERE <condition>``. For
one row that is nothing; for a spreadsheet of 5,000 it is 60,000 queries. Here
the same rules run in memory:

- field checks (length, choices, number ranges, decimal digits, blank) are
  Django's own ``clean_fields``, minus the foreign keys, which must instead
  point at instances already loaded (the caller read them, in bulk);
- each ``CheckConstraint`` condition is evaluated on the instance with SQL's
  three-valued logic (a comparison with NULL is unknown, and a CHECK passes
  unless its condition is false), so it refuses exactly what the database
  and ``full_clean`` would. A lookup this evaluator does not know raises
  ``NotImplementedError`` rather than passing silently, and a test runs every
  constraint of the models that use it against Django's own ``validate``;
- a unique field with a value would need a query: ``TypeError``. New rows of
  the models checked here have none (their unique fields are the id and the
  ledger entries, empty until posted).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.constants import LOOKUP_SEP

_COMPARISONS = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


Test = Callable[[models.Model], "bool | None"]


def _term(model: type[models.Model], lookup: str, expected: Any) -> Test:
    """One ``field__lookup=value`` term as a function: True, False, or None for SQL's unknown (NULL compared)."""
    path, _sep, name = lookup.partition(LOOKUP_SEP)
    name = name or "exact"
    if LOOKUP_SEP in name:
        raise NotImplementedError(f"Lookups across relations are not evaluated in Python: {lookup!r}")
    attname = model._meta.get_field(path).attname  # A relation compares by its key, as in SQL.
    if name == "isnull":
        return lambda instance: (getattr(instance, attname) is None) == bool(expected)
    if isinstance(expected, F):
        other = model._meta.get_field(expected.name).attname

        def value(instance: models.Model) -> Any:
            return getattr(instance, other)
    elif hasattr(expected, "resolve_expression"):
        raise NotImplementedError(f"Only plain values and F() are evaluated in Python: {lookup!r}")
    else:
        def value(instance: models.Model) -> Any:
            return expected
    if name == "in":
        def within(instance: models.Model) -> bool | None:
            actual, values = getattr(instance, attname), list(value(instance))
            if actual is None:
                return None
            return True if actual in values else (None if None in values else False)

        return within
    if name not in _COMPARISONS:
        raise NotImplementedError(f"The lookup {name!r} is not evaluated in Python ({lookup!r})")
    compare = _COMPARISONS[name]

    def comparison(instance: models.Model) -> bool | None:
        actual, other_value = getattr(instance, attname), value(instance)
        return None if actual is None or other_value is None else compare(actual, other_value)

    return comparison


def compile_condition(model: type[models.Model], condition: Q) -> Test:
    """A Q as a function of an instance, in SQL's three-valued logic: True, False, or None (unknown)."""
    tests = [
        compile_condition(model, child) if isinstance(child, Q) else _term(model, *child)
        for child in condition.children
    ]
    if condition.connector not in (Q.AND, Q.OR):
        raise NotImplementedError(f"The connector {condition.connector!r} is not evaluated in Python")
    conjunction, negated = condition.connector == Q.AND, condition.negated

    def test(instance: models.Model) -> bool | None:
        unknown = False
        for child in tests:
            result = child(instance)
            if result is None:
                unknown = True
            elif result is not conjunction:  # False decides an AND, True an OR.
                return (not result) if negated else result
        if unknown:
            return None
        return (not conjunction) if negated else conjunction

    return test


def evaluate(instance: models.Model, condition: Q) -> bool | None:
    """A Q on the instance, in three-valued logic: True, False, or None (unknown)."""
    return compile_condition(type(instance), condition)(instance)


@functools.cache
def _checks(model: type[models.Model]) -> tuple[tuple[models.CheckConstraint, Test], ...]:
    """The model's CHECK constraints, compiled once per process."""
    checks = []
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            checks.append((constraint, compile_condition(model, constraint.condition)))
        elif isinstance(constraint, models.UniqueConstraint):
            raise TypeError(f"{constraint.name} needs a query: check it with validate_constraints()")
        else:
            raise NotImplementedError(f"{constraint.__class__.__name__} is not evaluated in Python")
    return tuple(checks)


def _constraint_errors(instance: models.Model) -> list[ValidationError]:
    return [
        ValidationError(constraint.get_violation_error_message(), code=constraint.violation_error_code)
        for constraint, test in _checks(type(instance))
        if test(instance) is False  # Unknown passes, as in SQL.
    ]


def model_rule_errors(instance: models.Model) -> dict[str, list[str]]:
    """What ``full_clean`` would say about a new ``instance``, keyed by field ("__all__" for constraints).

    No query: foreign keys must hold saved instances (or be empty where the
    field allows it), which the caller loaded in bulk.
    """
    errors: dict[str, list[str]] = {}
    relations = [field for field in instance._meta.concrete_fields if field.is_relation]
    for field in relations:
        related = getattr(instance, field.name, None) if field.is_cached(instance) else None
        key = getattr(instance, field.attname)
        if key is None:
            if not field.null:
                errors.setdefault(field.name, []).append(str(field.error_messages["null"]))
        elif related is None or related.pk != key:
            raise TypeError(f"{field.name} must hold a loaded instance to be checked without a query")
    try:
        instance.clean_fields(exclude={field.name for field in relations})
        instance.clean()
    except ValidationError as exc:
        for name, messages in exc.update_error_dict({}).items():
            errors.setdefault(name, []).extend(str(message) for error in messages for message in error)
    for unique in instance._meta.unique_together or ():
        raise TypeError(f"unique_together {unique} needs a query")
    for field in instance._meta.concrete_fields:
        if field.unique and not field.primary_key and getattr(instance, field.attname) is not None:
            raise TypeError(f"{field.name} is unique and set: checking it needs a query")
    if not instance._state.adding or instance.pk is not None:
        raise TypeError("Only new rows are checked here")
    for error in _constraint_errors(instance):
        errors.setdefault("__all__", []).extend(error.messages)
    return errors
