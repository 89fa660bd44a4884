"""A flagged deduction with a letter to the court, for tests that need one (the URL access test)."""

from core import roles
from judicial import services
from judicial.services import risk
from tests import factories
from tests.conftest import make_user


def flagged_deduction(*, clerk, officer, approver):
    """A deduction of the whole balance on a mediation statement, prepared, with a request to verify sent;
    returns ``(request, letter)``."""
    checker = make_user("risk_world_checker", roles.JUDICIAL_OFFICER)
    court = services.register_court(actor=officer, code="4409990", name="示范市测试区人民法院",
                                    enforcement_account_name="示范市测试区人民法院执行款专户",
                                    enforcement_account_number="44201599999999999", enforcement_bank="建设银行")
    account = factories.account(clerk, name="风险样本")
    factories.deposit(account, "8000.00")
    person = account.depositor
    base = {"person_name": person.name, "id_number": person.id_number, "judge": "李法官",
            "case_number": "(2026)粤0399执1号"}
    freeze = services.receive_request(actor=officer, court=court, data={
        **base, "number": "RISK-F-1", "measure": "freeze", "amount": "8000.00"})
    services.confirm(actor=checker, request=services.prepare(actor=officer, request=freeze))
    req = services.receive_request(actor=officer, court=court, data={
        **base, "number": "RISK-D-1", "measure": "deduct", "amount": "8000.00", "original_number": "RISK-F-1",
        "ruling_number": "(2026)粤0399民特1号", "notice_number": "协执1号", "basis_type": "consent",
        "payee_name": "示范市测试区人民法院执行款专户", "payee_account": "44201599999999999"})
    req = services.prepare(actor=officer, request=req)
    letter = risk.record_letter(actor=approver, request=req, kind="verification")
    return req, letter
