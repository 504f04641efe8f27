"""One row of a model with some of its to-one relations, as SQL written from the models.

The shape of ``select_related``, for a read that runs for every message a worker
sends, where compiling the ORM query (about a millisecond of CPU, every time) cost more
than executing it. The column list and the joins are built from the models' metadata
(every concrete field, so a field added to a model is read without touching this), the
values pass through the same converters the ORM applies, and the instances are built
with ``Model.from_db`` and linked as ``select_related`` links them. The caller writes
the rest of the statement (its WHERE and any extra columns) and passes the parameters.
Decision 0015 (third pass).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


@dataclass(frozen=True)
class _Part:
    path: str  # "" for the root, else select_related's path ("session__plan")
    model: type[Model]
    alias: str
    field: Any  # the forward to-one field from the parent (None for the root)
    parent: _Part | None
    fields: tuple[Field[Any, Any], ...]
    attnames: tuple[str, ...]
    pk_position: int


def _part(path: str, model: type[Model], alias: str, field: Any, parent: _Part | None) -> _Part:
    fields = tuple(model._meta.concrete_fields)
    pk_position = next(i for i, f in enumerate(fields) if f is model._meta.pk)
    attnames = tuple(f.attname for f in fields)
    return _Part(path, model, alias, field, parent, fields, attnames, pk_position)


class RelatedRead:
    """``model`` joined to the to-one relations named in ``related`` (parents first)."""

    def __init__(self, model: type[Model], related: Sequence[str]) -> None:
        root = _part("", model, "t0", None, None)
        self._parts = [root]
        by_path = {"": root}
        for path in related:
            parent_path, _, name = path.rpartition("__")
            if parent_path not in by_path:
                raise ValueError(f"Name {parent_path!r} before {path!r}.")
            parent = by_path[parent_path]
            field = parent.model._meta.get_field(name)
            if not (field.concrete and (field.many_to_one or field.one_to_one)):
                raise ValueError(f"{path!r} is not a forward to-one relation.")
            related_model = field.related_model
            assert isinstance(related_model, type) and issubclass(related_model, Model)
            part = _part(path, related_model, f"t{len(self._parts)}", field, parent)
            self._parts.append(part)
            by_path[path] = part
        self._by_path = by_path
        self.width = sum(len(part.fields) for part in self._parts)
        self._converters: dict[str, list[tuple[int, list[Converter], Any]]] = {}

    def alias(self, path: str = "") -> str:
        """The table alias of the relation at ``path`` ("" for the root: ``t0``)."""
        return self._by_path[path].alias

    def columns(self, connection: BaseDatabaseWrapper) -> str:
        """Every concrete column of every part, in order (``width`` of them)."""
        qn = connection.ops.quote_name
        return ", ".join(
            f"{part.alias}.{qn(str(field.column))}" for part in self._parts for field in part.fields
        )

    def tables(self, connection: BaseDatabaseWrapper) -> str:
        """The FROM clause: the root table, then one join per relation."""
        qn = connection.ops.quote_name
        root = self._parts[0]
        sql = f"{qn(root.model._meta.db_table)} {root.alias}"
        for part in self._parts[1:]:
            assert part.parent is not None
            join = "LEFT OUTER JOIN" if part.field.null else "INNER JOIN"
            target = part.field.target_field.column
            sql += (
                f" {join} {qn(part.model._meta.db_table)} {part.alias}"
                f" ON {part.alias}.{qn(target)} = {part.parent.alias}.{qn(part.field.column)}"
            )
        return sql

    def build(self, row: Sequence[Any], connection: BaseDatabaseWrapper) -> Model:
        """The root instance from a row whose first ``width`` values are ``columns()``,
        its relations cached on it as ``select_related`` caches them."""
        values = list(row[: self.width])
        for position, converters, expression in self._converters_for(connection):
            value = values[position]
            for converter in converters:
                value = converter(value, expression, connection)
            values[position] = value
        built: dict[str, Model | None] = {}
        start = 0
        for part in self._parts:
            own = values[start : start + len(part.fields)]
            start += len(part.fields)
            parent = built[part.parent.path] if part.parent is not None else None
            if part.parent is not None and parent is None:
                built[part.path] = None  # below a relation that was NULL
                continue
            instance = None
            if part.parent is None or own[part.pk_position] is not None:
                instance = part.model.from_db(connection.alias, list(part.attnames), own)
            built[part.path] = instance
            if parent is not None:
                part.field.set_cached_value(parent, instance)
                if instance is not None and part.field.unique:
                    part.field.remote_field.set_cached_value(instance, parent)
        root = built[""]
        assert root is not None
        return root

    def _converters_for(
        self, connection: BaseDatabaseWrapper
    ) -> list[tuple[int, list[Converter], Any]]:
        """What the ORM's compiler applies to each column, found once per database."""
        known = self._converters.get(connection.alias)
        if known is None:
            known = []
            position = 0
            for part in self._parts:
                for field in part.fields:
                    column = field.get_col(part.alias)
                    converters = connection.ops.get_db_converters(
                        column
                    ) + column.get_db_converters(connection)
                    if converters:
                        known.append((position, converters, column))
                    position += 1
            self._converters[connection.alias] = known
        return known
