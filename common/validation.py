"""Input the database cannot store, refused before any view sees it.

PostgreSQL cannot store a NUL character (U+0000) in text or JSON, and the driver raises
``ValueError`` for a query that contains one: every entry point refuses NUL in one
place instead (decision 0009): the request's path, query string and form fields in
:class:`common.middleware.RejectNulMiddleware`, and JSON bodies in
:class:`common.parsers.JSONParser`.
"""

from __future__ import annotations

from collections.abc import Iterable

NUL = "\x00"
NUL_MESSAGE = "Null characters are not allowed."


def nul_paths(value: object, path: str = "") -> list[str]:
    """The dotted paths in ``value`` (a decoded JSON document) where a NUL character is.

    A NUL in a key counts against the key's own path; in a list, against ``path.<index>``.
    """
    found: list[str] = []
    if isinstance(value, str):
        if NUL in value:
            found.append(path)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and NUL in key:
                found.append(name.replace(NUL, "\\u0000"))
                continue
            found.extend(nul_paths(item, name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found.extend(nul_paths(item, f"{path}.{index}" if path else str(index)))
    return found


def nul_fields(items: Iterable[tuple[str, object]]) -> list[str]:
    """The names among ``(name, value)`` pairs (a query string, form fields) holding a NUL."""
    names: list[str] = []
    for name, value in items:
        if NUL in name or (isinstance(value, str) and NUL in value):
            label = name.replace(NUL, "\\u0000")
            if label not in names:
                names.append(label)
    return names
