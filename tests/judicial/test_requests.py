"""Receiving requests (bad input refused with nothing written, idempotent numbers), queries (logged, the
depositor not told) and the maker-checker rule."""

import pytest

from core.errors import Conflict, Forbidden, InvalidInput
from core.models import AuditEvent, CaseTransition, Notification
from judicial import services
from judicial.models import Freeze, JudicialRequest, QueryLog
from tests.conftest import make_user
from tests.judicial.conftest import D, freeze, ledger, receive, request_data, run

JR = JudicialRequest


def test_query_is_logged_and_the_depositor_is_not_told(officers, court, court2, funded):
    freeze(officers, court, funded, "50000.00")
    freeze(officers, court2, funded, "1000.00")
    notes = Notification.objects.count()
    req = run(officers, court, funded, "query")
    assert req.state == JR.State.EXECUTED
    account = req.answer["accounts"][0]
    assert (account["balance"], account["frozen"], account["available"]) == ("50000.00", "50000.00", "0.00")
    assert [(q["state"], q["amount_frozen"], q["queue_position"]) for q in account["queue"]] == [
        ("active", "50000.00", 1), ("waiting", "0.00", 2)]
    logs = QueryLog.objects.filter(request=req).order_by("id")
    assert [log.viewer for log in logs] == [officers["op"], officers["chk"]]
    assert logs[0].depositor == funded.depositor
    assert Notification.objects.count() == notes  # no message to the depositor


def test_query_of_an_unknown_person_answers_not_found(officers, court, funded):
    from tests.factories import make_id

    data = request_data(funded, "query", id_number=make_id(999, birth="19800101"), person_name="王五")
    req = services.receive_request(actor=officers["op"], court=court, data=data)
    req = services.confirm(actor=officers["chk"], request=services.prepare(actor=officers["op"], request=req))
    assert req.answer["found"] is False


def test_operator_and_checker_must_differ(officers, court, funded):
    req = receive(officers, court, funded, "freeze", amount="100.00")
    req = services.prepare(actor=officers["op"], request=req)
    with pytest.raises(Forbidden) as exc:
        services.confirm(actor=officers["op"], request=req)
    assert exc.value.code == "four_eyes"
    assert not Freeze.objects.exists() and ledger(funded).held == D("0.00")
    clerk = make_user("j_notofficer")
    with pytest.raises(Forbidden):
        services.confirm(actor=clerk, request=req)
    req = services.confirm(actor=officers["chk"], request=req)
    assert req.state == JR.State.EXECUTED
    steps = list(CaseTransition.objects.filter(case_id=req.pk).values_list("action", "actor__username"))
    assert steps == [("receive", "j_op"), ("prepare", "j_op"), ("confirm", "j_chk")]


def test_nothing_happens_before_the_checker_confirms(officers, court, funded):
    req = receive(officers, court, funded, "freeze", amount="100.00")
    services.prepare(actor=officers["op"], request=req)
    assert ledger(funded).held == D("0.00")
    req.refresh_from_db()
    assert req.proposal["would_freeze"] == "100.00"


def test_same_request_number_returns_the_first_request(officers, court, funded):
    data = request_data(funded, "freeze", amount="100.00")
    first = services.receive_request(actor=officers["op"], court=court, data=data)
    again = services.receive_request(actor=officers["op"], court=court, data=dict(data))
    assert again.pk == first.pk
    with pytest.raises(Conflict):
        services.receive_request(actor=officers["op"], court=court, data={**data, "amount": "200.00"})
    assert JR.objects.count() == 1


@pytest.mark.parametrize("change, field", [
    ({"person_name": "李四"}, "person_name"),
    ({"amount": "0"}, "amount"),
    ({"amount": "-5.00"}, "amount"),
    ({"amount": "1.001"}, "amount"),
    ({"amount": "1e30"}, "amount"),
    ({"start_date": "2026-10-12", "end_date": "2026-10-01"}, "end_date"),
    ({"end_date": "2036-10-01"}, "end_date"),
    ({"measure": "seize"}, "measure"),
    ({"id_number": "110101199003070010"}, "id_number"),
    ({"case_number": ""}, "case_number"),
    ({"number": "X" * 41}, "number"),
])
def test_bad_input_is_refused_and_nothing_is_written(officers, court, funded, change, field):
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as exc:
        services.receive_request(actor=officers["op"], court=court,
                                 data={**request_data(funded, "freeze", amount="100.00"), **change})
    assert field in exc.value.fields or exc.value.code == "identity_mismatch"
    assert exc.value.message
    assert not JR.objects.exists() and AuditEvent.objects.count() == events


def test_account_of_another_person_is_refused(officers, court, funded):
    from tests import factories

    other = factories.account(officers["op"].__class__.objects.get(username="j_clerk"), name="李四")
    with pytest.raises(InvalidInput) as exc:
        receive(officers, court, funded, "freeze", amount="100.00", account_number=other.number)
    assert exc.value.code == "account_mismatch"


def test_only_judicial_officers_and_courts_submit(officers, court, funded):
    with pytest.raises(Forbidden):
        services.receive_request(actor=officers["finance"], court=court,
                                 data=request_data(funded, "freeze", amount="100.00"))
