"""Querysets whose SQL is compiled once and run many times with other values.

Building and compiling a large queryset (the account page's cases panel is a ``UNION`` of seven kinds, each with
its joins and filters) costs the ORM several milliseconds of CPU on every request, while only a few values in it
change from one request to the next (the person, the account). :func:`values_rows` builds the queryset twice with
two sets of stand-in values, compiles both and keeps the SQL when the two differ only in those parameters; later
calls put their own values in the kept parameter list and run the SQL directly. When the two compilations differ
in anything else (the shape of the query depends on a value), nothing is kept and the queryset runs as usual:
the result is the same either way.

The contract with the caller: the shape of what ``build`` returns may depend on the key (the viewer, their roles,
a limit) and on which values are ``None`` (part of the key here), never on the content of a value; a value must
reach the SQL as a parameter of its own, unchanged (a parameter made from it, such as ``'%name%'``, is detected
and the query is not kept). The cache is per process and bounded.
"""

from django.core.exceptions import EmptyResultSet
from django.db import connections

MAX_ENTRIES = 512
_UNSET = object()
_cache: dict = {}


def _stand_in(value, i: int, variant: int):
    """A value of the same type as ``value`` that no real row has: negative ids, texts with a control character."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("a flag changes the shape of a query: put it in the key")
    if isinstance(value, int):
        return -(variant * 1_000_000_007 + i + 1)
    if isinstance(value, str):
        return f"\x1f{variant}:{i}\x1f"
    raise TypeError(f"no stand-in for a value of type {type(value).__name__}")


def _compile(queryset):
    return queryset.query.get_compiler(queryset.db).as_sql()


def _template(build, values):
    """(sql, params, {position in params: index in values}) or None when the SQL depends on more than the values."""
    first = tuple(_stand_in(v, i, 1) for i, v in enumerate(values))
    second = tuple(_stand_in(v, i, 2) for i, v in enumerate(values))
    qs, other = build(*first), build(*second)
    if not hasattr(qs, "query") or not hasattr(other, "query"):
        return None  # nothing to compile (the caller's build answered a list)
    try:
        sql_a, params_a = _compile(qs)
        sql_b, params_b = _compile(other)
    except EmptyResultSet:
        return None
    if sql_a != sql_b or len(params_a) != len(params_b):
        return None
    slots = {}
    for position, (a, b) in enumerate(zip(params_a, params_b, strict=True)):
        if a == b:
            if any(a is not None and a == s for s in first if s is not None):
                return None  # a stand-in the query uses unchanged: cannot tell it apart
            continue
        index = next((i for i, s in enumerate(first) if s is not None and s == a), None)
        if index is None or second[index] != b:
            return None  # a parameter derived from a value (a pattern, a sum): not a plain slot
        slots[position] = index
    return sql_a, tuple(params_a), slots, qs.db


def values_rows(key, build, values) -> list[dict]:
    """``list(build(*values))`` for a ``build`` that returns a ``values()`` queryset (a slice included), as dicts
    keyed by the column names; the SQL is compiled once per ``key`` and shape (see the module's text)."""
    values = tuple(values)
    full_key = (key, tuple(v is None for v in values))
    entry = _cache.get(full_key, _UNSET)
    if entry is _UNSET:
        entry = _template(build, values)
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
        _cache[full_key] = entry
    if entry is None:
        return list(build(*values))
    sql, params, slots, alias = entry
    params = list(params)
    for position, index in slots.items():
        params[position] = values[index]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def clear() -> None:
    _cache.clear()
