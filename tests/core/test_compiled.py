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
    assert entry is not None and sorted(entry.slots.values()) == [0, 1]  # two slots, one per value


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


def accounts_of_employer(employer_pk):
    from accounts.models import FundAccount

    return (FundAccount.objects.filter(employer=employer_pk).select_related("depositor", "employer",
                                                                           "ledger_account").order_by("pk"))


def test_kept_model_queries_give_the_orm_s_instances_with_their_joined_rows(people, admin_actor):
    first = factories.account(admin_actor, name="赵六", base="8000.50")
    emp = first.employer
    second = factories.account(admin_actor, emp, name="钱七", base="9000")
    other = factories.account(admin_actor, name="孙八")
    for _ in range(2):  # kept the first time, run from the kept SQL the second
        found = compiled.objects("m1", accounts_of_employer, (emp.pk,))
        assert [x.pk for x in found] == [first.pk, second.pk]
        assert [x.depositor.name for x in found] == ["赵六", "钱七"] and found[0].employer.name == emp.name
        assert found[0].ledger_account.code == first.ledger_account.code
        assert found[0].base == first.base and str(found[0].base) == "8000.50"  # the converters ran
    assert compiled._cache[("m1", (False,))] is not None
    assert [x.pk for x in compiled.objects("m1", accounts_of_employer, (other.employer_id,))] == [other.pk]
    assert compiled.objects("m1", accounts_of_employer, (-1,)) == []

    calls = []
    with CaptureQueriesContext(connection) as queries:
        again = compiled.objects("m1", lambda pk: calls.append(pk) or accounts_of_employer(pk), (emp.pk,))
        assert again[1].depositor.name == "钱七"  # joined: no further query
    assert calls == [] and len(queries) == 1


def test_get_finds_one_or_raises_as_the_orm(people):
    a, _b, _c = people
    by_id_number = lambda id_number: Depositor.objects.filter(id_number=id_number)  # noqa: E731
    assert compiled.get("m2", by_id_number, (a.id_number,)).name == "张三"
    with pytest.raises(Depositor.DoesNotExist):
        compiled.get("m2", by_id_number, ("110101199001011237",))
    with pytest.raises(Depositor.MultipleObjectsReturned):
        compiled.get("m3", lambda name: Depositor.objects.filter(name__startswith=name[:0]), ("",))


def test_a_prefetching_query_is_not_kept(people):
    a, _b, _c = people
    build = lambda pk: Depositor.objects.filter(pk=pk).prefetch_related("accounts")  # noqa: E731
    assert [d.pk for d in compiled.objects("m4", build, (a.pk,))] == [a.pk]
    assert compiled._cache[("m4", (False,))] is None


def test_a_constant_equal_to_the_value_is_asked_again_and_a_closed_over_value_is_never_kept(people):
    """A value that reaches the SQL unchanged in both stand-in compilations is either a constant of the query that
    happens to equal it (kept once a call with another value tells them apart) or a value the build reached by
    closing over it (never kept: after MAX_TRIES the query runs through the ORM for good). The answers are the
    ORM's every time."""
    a, b, c = people

    def with_constant(pk):  # the constant is a's id: unsure while the value is a's id too
        return Depositor.objects.filter(Q(pk=pk) | Q(pk=a.pk)).order_by("pk").values("pk")

    assert compiled.values_rows("t9", with_constant, (a.pk,)) == [{"pk": a.pk}]
    assert ("t9", (False,)) not in compiled._cache
    assert compiled.values_rows("t9", with_constant, (b.pk,)) == [{"pk": a.pk}, {"pk": b.pk}]
    assert compiled._cache[("t9", (False,))] is not None
    assert compiled.values_rows("t9", with_constant, (c.pk,)) == [{"pk": a.pk}, {"pk": c.pk}]

    real = {"pk": b.pk}

    def closed_over(pk):  # ignores its argument: the real value reaches the SQL
        return Depositor.objects.filter(pk=real["pk"]).values("pk")

    for _ in range(compiled.MAX_TRIES - 1):
        assert compiled.values_rows("t10", closed_over, (b.pk,)) == [{"pk": b.pk}]
        assert ("t10", (False,)) not in compiled._cache
    assert compiled.values_rows("t10", closed_over, (b.pk,)) == [{"pk": b.pk}]
    assert compiled._cache[("t10", (False,))] is None
    real["pk"] = c.pk
    assert compiled.values_rows("t10", closed_over, (c.pk,)) == [{"pk": c.pk}]


def test_a_field_that_takes_no_negative_number_is_kept_with_positive_stand_ins(people):
    """A lookup on a positive integer field compiles to nothing for a negative stand-in (Django's EmptyResultSet):
    the stand-ins are tried again with positive numbers, and the query is kept."""
    import datetime

    from django.contrib.contenttypes.models import ContentType

    from core.models import CaseTransition

    a, b, _c = people
    kind = ContentType.objects.get_for_model(Depositor)
    for person, action in ((a, "open"), (b, "open"), (b, "seal")):
        CaseTransition.objects.create(case_type=kind, case_id=person.pk, action=action, to_state="x",
                                      business_date=datetime.date(2026, 6, 30))

    def history(kind_id, case_id):
        return CaseTransition.objects.filter(case_type=kind_id, case_id=case_id).order_by("id")

    assert [t.action for t in compiled.objects("t11", history, (kind.pk, b.pk))] == ["open", "seal"]
    assert compiled._cache[("t11", (False, False))] is not None
    assert [t.action for t in compiled.objects("t11", history, (kind.pk, a.pk))] == ["open"]
