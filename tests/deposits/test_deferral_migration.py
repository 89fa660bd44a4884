"""The data migration that moves deferral steps onto core.CaseTransition keeps who, when, what and why."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("deposits", "0002_deferral_base_adjustment_arrears_flexible")]
AFTER = [("deposits", "0004_drop_deferral_step_fields")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_steps_are_copied_into_case_transitions():
    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes("deposits")
    try:
        old = _migrate(BEFORE)
        User = old.get_model("auth", "User")
        Employer = old.get_model("accounts", "Employer")
        application_model = old.get_model("deposits", "DeferralApplication")
        step_model = old.get_model("deposits", "DeferralTransition")
        Account = old.get_model("ledger", "Account")
        agent, rev, appr = (User.objects.create(username=n) for n in ("m-agent", "m-rev", "m-appr"))
        suspense = Account.objects.create(code="2019999999", name="暂收", kind="liability", role="suspense",
                                          opened_on=datetime.date(2026, 1, 1))
        employer = Employer.objects.create(
            account_number="M0001", uscc="91310000MA1FL00001", name="迁移公司", address="上海", payday=10,
            legal_representative="甲", contact_name="乙", contact_phone="13800000000", economic_type="80",
            bank="ICB", employer_ratio="0.12", employee_ratio="0.12", opened_on=datetime.date(2026, 1, 1),
            suspense_account=suspense)
        common = dict(employer=employer, kind="deferral", reason="困难", evidence="d.pdf",
                      decision_date=datetime.date(2026, 11, 2), month_from=datetime.date(2026, 12, 1),
                      month_to=datetime.date(2027, 1, 1))
        with_rows = application_model.objects.create(**common, status="approved", submitted_by=agent, reviewed_by=rev,
                                               approved_by=appr)
        for from_s, to_s, actor, comment in (("", "submitted", agent, ""), ("submitted", "reviewed", rev, "齐全"),
                                             ("reviewed", "approved", appr, "同意")):
            step_model.objects.create(application=with_rows, from_status=from_s, to_status=to_s, actor=actor,
                                comment=comment, business_date=datetime.date(2026, 11, 20))
        fields_only = application_model.objects.create(
            **{**common, "month_from": datetime.date(2027, 3, 1), "month_to": datetime.date(2027, 3, 1)},
            status="rejected", submitted_by=agent, reviewed_by=rev, review_comment="材料不全",
            reviewed_at=datetime.datetime(2026, 11, 21, 9, 0, tzinfo=datetime.UTC))

        new = _migrate(AFTER)
        CaseTransition = new.get_model("core", "CaseTransition")

        def steps(app):
            return list(CaseTransition.objects.filter(case_type__model="deferralapplication", case_id=app.pk)
                        .order_by("id").values_list("action", "from_state", "to_state", "step", "actor__username",
                                                    "comment"))

        assert steps(with_rows) == [("submit", "", "submitted", "accept", "m-agent", ""),
                                    ("review", "submitted", "reviewed", "review", "m-rev", "齐全"),
                                    ("approve", "reviewed", "approved", "approve", "m-appr", "同意")]
        assert steps(fields_only) == [("submit", "", "submitted", "accept", "m-agent", ""),
                                      ("reject_review", "submitted", "rejected", "review", "m-rev", "材料不全")]
        rejected_at = CaseTransition.objects.get(case_id=fields_only.pk, action="reject_review").at
        assert rejected_at == datetime.datetime(2026, 11, 21, 9, 0, tzinfo=datetime.UTC)
        old_fields = {f.name for f in new.get_model("deposits", "DeferralApplication")._meta.fields}
        assert not old_fields & {"submitted_by", "reviewed_by", "approved_by", "review_comment", "decided_at"}

        # and back: the steps return to their own table and fields
        old = _migrate(BEFORE)
        back = old.get_model("deposits", "DeferralApplication").objects.get(pk=fields_only.pk)
        assert (back.submitted_by.username, back.reviewed_by.username, back.review_comment) == (
            "m-agent", "m-rev", "材料不全")
        assert list(old.get_model("deposits", "DeferralTransition").objects.filter(application_id=with_rows.pk)
                    .order_by("id").values_list("to_status", "actor__username")) == [
            ("submitted", "m-agent"), ("reviewed", "m-rev"), ("approved", "m-appr")]
        assert not CaseTransition.objects.filter(case_type__model="deferralapplication").exists()
    finally:
        _migrate(leaf)
