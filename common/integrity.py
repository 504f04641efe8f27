"""A database constraint refused what the input asked for: which field, and what to say.

Services check what they can first and name the field themselves; the database has the
last word when two requests race, or where no check was written. Then the
``IntegrityError`` reaches :func:`constraint_refusal`, the one place that turns it into
an :class:`~common.errors.ApplicationError` naming the field (decision 0009): the API's
exception handler and the pages' middleware both ask it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.db import IntegrityError, models
from django.db.models.expressions import F
from django.utils.text import capfirst

from common.errors import ApplicationError, Conflict

_DEFAULT_VIOLATION = models.BaseConstraint.default_violation_error_message


@lru_cache(maxsize=1)
def _constraints() -> dict[str, tuple[type[models.Model], models.BaseConstraint]]:
    found: dict[str, tuple[type[models.Model], models.BaseConstraint]] = {}
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            found[constraint.name] = (model, constraint)
    return found


@lru_cache(maxsize=1)
def _tables() -> dict[str, type[models.Model]]:
    return {model._meta.db_table: model for model in apps.get_models()}


def _field_names(constraint: models.BaseConstraint) -> list[str]:
    """The model fields a constraint is about (``clinic`` left out: it is never input)."""
    names = list(getattr(constraint, "fields", ()) or ())
    for expression in getattr(constraint, "expressions", ()) or ():
        # A unique constraint's expressions; an exclusion constraint's (expression, operator).
        names.extend(_refs(expression[0] if isinstance(expression, tuple) else expression))
    return [n for n in dict.fromkeys(names) if n not in ("clinic", "clinic_id")]


def _refs(expression: Any) -> list[str]:
    if isinstance(expression, F):
        return [str(getattr(expression, "name", ""))]
    if isinstance(expression, str):
        return [expression]
    out: list[str] = []
    for source in getattr(expression, "get_source_expressions", lambda: [])():
        out.extend(_refs(source))
    return out


def _label(model: type[models.Model], name: str) -> str:
    try:
        return str(getattr(model._meta.get_field(name), "verbose_name", name))
    except Exception:  # an expression that is not a field
        return name.replace("_", " ")


def _unique_refusal(model: type[models.Model], fields: list[str], message: str | None):
    if not message:
        labels = " and ".join(_label(model, f) for f in fields) or "these details"
        message = f"{capfirst(str(model._meta.verbose_name))} with this {labels} already exists."
    return ApplicationError(message, code="invalid", fields={f: [message] for f in fields} or None)


def _constraint_name(exc: IntegrityError) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)  # PostgreSQL (psycopg)
    if diag is not None and getattr(diag, "constraint_name", None):
        return str(diag.constraint_name)
    text = str(exc)
    # SQLite: "CHECK constraint failed: <name>", "UNIQUE constraint failed: index '<name>'".
    match = re.search(r"CHECK constraint failed: (\w+)|index '(\w+)'", text)
    return (match.group(1) or match.group(2)) if match else None


def constraint_refusal(exc: IntegrityError) -> ApplicationError | None:
    """The refusal to answer for a constraint violation, or None if it is not one we know."""
    name = _constraint_name(exc)
    if name and name in _constraints():
        model, constraint = _constraints()[name]
        fields = _field_names(constraint)
        custom = constraint.violation_error_message
        message = None if custom == _DEFAULT_VIOLATION else str(custom)
        if isinstance(constraint, models.UniqueConstraint):
            return _unique_refusal(model, fields, message)
        if type(constraint).__name__ == "ExclusionConstraint":
            return Conflict(
                message or "This overlaps with something already saved; choose another time.",
                code="conflict",
            )
        detail = message or "These values cannot be saved together."
        return ApplicationError(
            detail, code="invalid", fields={f: [detail] for f in fields} or None
        )
    return _by_columns(exc)


def _by_columns(exc: IntegrityError) -> ApplicationError | None:
    """A unique column (``unique=True``), a missing value or a vanished reference."""
    text = str(exc)
    diag = getattr(exc.__cause__, "diag", None)
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)  # psycopg 3, 2
    # Unique: PostgreSQL "Key (email)=(…) already exists."; SQLite "UNIQUE constraint
    # failed: table.col, table.col".
    columns: list[str] = []
    model: type[models.Model] | None = None
    if sqlstate == "23505" and diag is not None:
        model = _tables().get(getattr(diag, "table_name", "") or "")
        match = re.search(r"Key \((.+?)\)=", getattr(diag, "message_detail", "") or "")
        columns = [c.strip() for c in match.group(1).split(",")] if match else []
    elif text.startswith("UNIQUE constraint failed: ") and "index '" not in text:
        pairs = [p.strip().split(".", 1) for p in text.split(": ", 1)[1].split(",")]
        model = _tables().get(pairs[0][0]) if pairs and len(pairs[0]) == 2 else None
        columns = [p[1] for p in pairs if len(p) == 2]
    if model is not None and columns:
        names = [_attname_to_name(model, c) for c in columns]
        message = None
        for constraint in model._meta.constraints:  # SQLite does not name it: find it
            if isinstance(constraint, models.UniqueConstraint) and set(constraint.fields) == set(
                names
            ):
                custom = constraint.violation_error_message
                message = None if custom == _DEFAULT_VIOLATION else str(custom)
        return _unique_refusal(
            model, [n for n in names if n not in ("clinic", "clinic_id")], message
        )
    if sqlstate == "23503" or text.startswith("FOREIGN KEY constraint failed"):
        return Conflict(
            "Something this refers to was removed meanwhile; reload and try again.",
            code="conflict",
        )
    return None


def _attname_to_name(model: type[models.Model], column: str) -> str:
    for field in model._meta.concrete_fields:
        if field.column == column:
            return field.name
    return column
