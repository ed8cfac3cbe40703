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

import operator
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


def _value(instance: models.Model, path: str) -> Any:
    field = instance._meta.get_field(path)
    return getattr(instance, field.attname)  # A relation compares by its key, as in SQL.


def _lookup(instance: models.Model, lookup: str, expected: Any) -> bool | None:
    """One ``field__lookup=value`` term: True, False, or None for SQL's unknown (a NULL compared)."""
    path, _sep, name = lookup.partition(LOOKUP_SEP)
    name = name or "exact"
    if LOOKUP_SEP in name:
        raise NotImplementedError(f"Lookups across relations are not evaluated in Python: {lookup!r}")
    actual = _value(instance, path)
    if name == "isnull":
        return (actual is None) == bool(expected)
    if isinstance(expected, F):
        expected = _value(instance, expected.name)
    elif hasattr(expected, "resolve_expression"):
        raise NotImplementedError(f"Only plain values and F() are evaluated in Python: {lookup!r}")
    if name == "in":
        if actual is None:
            return None
        values = list(expected)
        if actual in values:
            return True
        return None if None in values else False
    if name not in _COMPARISONS:
        raise NotImplementedError(f"The lookup {name!r} is not evaluated in Python ({lookup!r})")
    if actual is None or expected is None:
        return None
    return _COMPARISONS[name](actual, expected)


def evaluate(instance: models.Model, condition: Q) -> bool | None:
    """A Q on the instance, in three-valued logic: True, False, or None (unknown)."""
    results = [
        evaluate(instance, child) if isinstance(child, Q) else _lookup(instance, *child)
        for child in condition.children
    ]
    if condition.connector == Q.AND:
        result = False if False in results else (None if None in results else True)
    elif condition.connector == Q.OR:
        result = True if True in results else (None if None in results else False)
    else:
        raise NotImplementedError(f"The connector {condition.connector!r} is not evaluated in Python")
    if condition.negated and result is not None:
        result = not result
    return result


def _constraint_errors(instance: models.Model) -> list[ValidationError]:
    errors = []
    for constraint in instance._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            if evaluate(instance, constraint.condition) is False:  # Unknown passes, as in SQL.
                errors.append(
                    ValidationError(constraint.get_violation_error_message(), code=constraint.violation_error_code)
                )
        elif isinstance(constraint, models.UniqueConstraint):
            raise TypeError(f"{constraint.name} needs a query: check it with validate_constraints()")
        else:
            raise NotImplementedError(f"{constraint.__class__.__name__} is not evaluated in Python")
    return errors


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
