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
and the query is not kept). Anything read from the database (a content type's id) is a value, never a constant of
the build: the kept SQL would keep it after the row changed. The cache is per process and bounded.
"""

import copy
import datetime
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models.query import ModelIterable

MAX_ENTRIES = 512
_UNSET = object()
_UNSURE = object()  # not kept this time: a constant of the query equals one of the values
MAX_TRIES = 3  # a query found unsure this many times is never kept
_unsure: dict = {}
POSITIVE = 3  # the first variant of stand-ins whose numbers are positive (and fit a small integer field)
_cache: dict = {}


def _stand_in(value, i: int, variant: int):
    """A value of the same type as ``value``, only ever compiled, never run: negative numbers (positive ones from
    variant 3 on, for a field that takes no negative number: Django compiles such a lookup to nothing), texts with
    a control character, dates and times of the eleventh century."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError("a flag changes the shape of a query: put it in the key")
    if isinstance(value, int):
        return 30_000 + (variant - 3) * 1_000 + i if variant >= POSITIVE else -(variant * 1_000_000_007 + i + 1)
    if isinstance(value, str):
        return f"\x1f{variant}:{i}\x1f"
    if isinstance(value, datetime.datetime):
        return datetime.datetime(1000 + variant, 1, 1, tzinfo=value.tzinfo) + datetime.timedelta(seconds=i)
    if isinstance(value, datetime.date):
        return datetime.date(1000 + variant, 1, 1) + datetime.timedelta(days=i)
    raise TypeError(f"no stand-in for a value of type {type(value).__name__}")


@dataclass(frozen=True)
class _Kept:
    """The SQL of a query with the positions of the caller's values in its parameters, and for a model queryset
    the compiler that compiled it (it knows the columns, the joined models and the converters of the rows)."""

    sql: str
    params: tuple
    slots: dict
    alias: str
    queryset: object
    compiler: object
    # the converters of the rows' columns, worked out once for each connection (by its identity: one per thread)
    converters: dict = field(default_factory=dict, compare=False)

    def params_for(self, values) -> list:
        params = list(self.params)
        for position, index in self.slots.items():
            params[position] = values[index]
        return params


def _template(build, values):
    """The kept query; None when the SQL depends on more than the values (or there is nothing to compile);
    ``_UNSURE`` when one of the real values appears unchanged in both compilations."""
    for variant in (1, POSITIVE):
        first = tuple(_stand_in(v, i, variant) for i, v in enumerate(values))
        second = tuple(_stand_in(v, i, variant + 1) for i, v in enumerate(values))
        qs, other = build(*first), build(*second)
        if not hasattr(qs, "query") or not hasattr(other, "query") or qs._prefetch_related_lookups:
            return None  # nothing to compile (the caller's build answered a list), or more than one query
        compiler = qs.query.get_compiler(qs.db)
        try:
            sql_a, params_a = compiler.as_sql()
            sql_b, params_b = other.query.get_compiler(other.db).as_sql()
            break
        except EmptyResultSet:
            continue  # a negative number where none can be: try positive ones
    else:
        return None
    if sql_a != sql_b or len(params_a) != len(params_b):
        return None
    slots = {}
    for position, (a, b) in enumerate(zip(params_a, params_b, strict=True)):
        if a == b:
            if any(a is not None and a == s for s in first if s is not None):
                return None  # a stand-in the query uses unchanged: cannot tell it apart
            if any(a is not None and type(a) is type(v) and a == v for v in values):
                # a real value reached the SQL by another way than the build's arguments, or a constant of the
                # query happens to equal it (a content type's id and a user's): asked again with other values
                return _UNSURE
            continue
        index = next((i for i, s in enumerate(first) if s is not None and s == a), None)
        if index is None or second[index] != b:
            return None  # a parameter derived from a value (a pattern, a sum): not a plain slot
        slots[position] = index
    return _Kept(sql_a, tuple(params_a), slots, qs.db, qs, compiler)


def _kept(key, build, values) -> _Kept | None:
    full_key = (key, tuple(v is None for v in values))
    entry = _cache.get(full_key, _UNSET)
    if entry is _UNSET:
        entry = _template(build, values)
        if entry is _UNSURE:
            if len(_unsure) >= MAX_ENTRIES:
                _unsure.clear()
            tries = _unsure[full_key] = _unsure.get(full_key, 0) + 1
            if tries < MAX_TRIES:
                return None
            entry = None
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
        _cache[full_key] = entry
    return entry


def values_rows(key, build, values) -> list[dict]:
    """``list(build(*values))`` for a ``build`` that returns a ``values()`` queryset (a slice included), as dicts
    keyed by the column names; the SQL is compiled once per ``key`` and shape (see the module's text)."""
    values = tuple(values)
    entry = _kept(key, build, values)
    if entry is None:
        return list(build(*values))
    with connections[entry.alias].cursor() as cursor:
        cursor.execute(entry.sql, entry.params_for(values))
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def objects(key, build, values) -> list:
    """``list(build(*values))`` for a ``build`` that returns a queryset of model instances (``select_related``,
    annotations and a slice included; not ``prefetch_related``): the SQL is compiled once per ``key`` and shape,
    and each call runs it with its values and turns the rows into instances as the ORM does, through the compiler
    that compiled it."""
    values = tuple(values)
    entry = _kept(key, build, values)
    if entry is None or entry.queryset._iterable_class is not ModelIterable:
        return list(build(*values))
    runner = copy.copy(entry.compiler)
    runner.connection = connections[entry.alias]  # this thread's connection
    sql, params = entry.sql, entry.params_for(values)
    runner.as_sql = lambda *args, **kwargs: (sql, params)
    converters = entry.converters.get(id(runner.connection))
    if converters is None:
        converters = runner.get_converters([column[0] for column in runner.select[:runner.col_count]])
        entry.converters[id(runner.connection)] = converters
    runner.get_converters = lambda expressions: converters
    queryset = entry.queryset._chain()
    queryset.query.get_compiler = lambda *args, **kwargs: runner
    return list(ModelIterable(queryset))


def get(key, build, values):
    """The one instance :func:`objects` finds (``build`` filters on a unique key); the model's ``DoesNotExist``
    when there is none, as ``QuerySet.get``."""
    found = objects(key, lambda *v: build(*v)[:2], values)
    if not found:
        model = build(*(_stand_in(v, i, 1) for i, v in enumerate(values))).model
        raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
    if len(found) > 1:
        raise found[0].MultipleObjectsReturned(f"get() returned more than one {type(found[0]).__name__}")
    return found[0]


def clear() -> None:
    _cache.clear()
    _unsure.clear()
