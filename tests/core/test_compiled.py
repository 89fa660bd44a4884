"""core.compiled: a queryset's SQL compiled once and run again with other values gives what the ORM gives; a query
with a parameter made from a value, or whose shape depends on which values are None, is never reused wrongly."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from accounts.models import Depositor
from core import compiled
from tests import factories


@pytest.fixture
def people(db, admin_actor):
    compiled.clear()
    return [factories.person(admin_actor, name=name) for name in ("张三", "李四", "王五")]


@pytest.fixture
def admin_actor(db):
    from core.actors import system_actor

    return system_actor()


def by_id_or_number(pk, id_number):
    return (Depositor.objects.filter(Q(pk=pk) | Q(id_number=id_number)).order_by("pk")
            .values("pk", "name", "id_number")[:5])


def test_the_kept_sql_answers_as_the_orm_for_every_value(people):
    a, b, c = people
    for key_values in [(a.pk, b.id_number), (c.pk, "no such"), (-5, c.id_number), (b.pk, b.id_number)]:
        assert compiled.values_rows("t1", by_id_or_number, key_values) == list(by_id_or_number(*key_values))
    assert compiled.values_rows("t1", by_id_or_number, (a.pk, b.id_number)) == [
        {"pk": a.pk, "name": "张三", "id_number": a.id_number}, {"pk": b.pk, "name": "李四", "id_number": b.id_number}]
    entry = compiled._cache[("t1", (False, False))]
    assert entry is not None and sorted(entry[2].values()) == [0, 1]  # two slots, one per value


def test_the_kept_sql_is_not_compiled_again(people):
    a, b, _c = people
    compiled.values_rows("t2", by_id_or_number, (a.pk, a.id_number))
    calls = []

    def counting(*values):
        calls.append(values)
        return by_id_or_number(*values)

    with CaptureQueriesContext(connection) as queries:
        rows = compiled.values_rows("t2", counting, (b.pk, b.id_number))
    assert calls == [] and len(queries) == 1 and [r["name"] for r in rows] == ["李四"]


def test_a_parameter_made_from_a_value_is_not_a_slot_and_runs_through_the_orm(people):
    a, b, _c = people

    def pattern(pk, name):  # the parameter is '%name%', made from the value: no plain slot
        return Depositor.objects.filter(Q(pk=pk) | Q(name__icontains=name)).order_by("pk").values("pk")

    assert compiled.values_rows("t4", pattern, (a.pk, "李")) == [{"pk": a.pk}, {"pk": b.pk}]
    assert compiled._cache[("t4", (False, False))] is None


def test_none_is_part_of_the_shape_and_a_flag_is_refused(people):
    a, _b, _c = people

    def maybe(pk, id_number):
        return Depositor.objects.filter(pk=pk, id_number=id_number).values("pk") if id_number is not None else \
            Depositor.objects.filter(pk=pk).values("pk")

    assert compiled.values_rows("t5", maybe, (a.pk, None)) == [{"pk": a.pk}]
    assert compiled.values_rows("t5", maybe, (a.pk, "x")) == []
    assert compiled.values_rows("t5", maybe, (a.pk, a.id_number)) == [{"pk": a.pk}]
    with pytest.raises(TypeError):
        compiled.values_rows("t6", maybe, (True, "x"))
