"""Deferral applications move onto the common workflow engine (core.workflow).

Their steps, kept so far in DeferralTransition rows and in the application's reviewed_by / approved_by /
comment fields, are copied into core.CaseTransition (the one history of workflow steps); migration 0004 then
drops the old table and fields. An application without step rows (none is expected) gets its steps from those fields.
"""

from django.db import migrations

CASE_MODEL = ("deposits", "deferralapplication")
# (from status, to status) -> (workflow action, four-eyes step)
STEPS = {
    ("", "submitted"): ("submit", "accept"),
    ("submitted", "reviewed"): ("review", "review"),
    ("submitted", "rejected"): ("reject_review", "review"),
    ("reviewed", "approved"): ("approve", "approve"),
    ("reviewed", "rejected"): ("reject", "approve"),
}


def _steps_from_fields(app):
    """(from, to, actor id, comment, time) of an application that has no step rows."""
    steps = [("", "submitted", app.submitted_by_id, "", app.submitted_at)]
    if app.reviewed_at or app.reviewed_by_id:
        to = "rejected" if app.status == "rejected" and not app.approved_by_id else "reviewed"
        steps.append(("submitted", to, app.reviewed_by_id, app.review_comment, app.reviewed_at or app.submitted_at))
    if app.approved_by_id or app.decided_at:
        to = "approved" if app.status == "approved" else "rejected"
        steps.append(("reviewed", to, app.approved_by_id, app.decision_comment, app.decided_at or app.submitted_at))
    return steps


def copy_steps(apps, schema_editor):
    Application = apps.get_model("deposits", "DeferralApplication")
    Step = apps.get_model("deposits", "DeferralTransition")
    CaseTransition = apps.get_model("core", "CaseTransition")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not Application.objects.exists():
        return
    ct, _ = ContentType.objects.get_or_create(app_label=CASE_MODEL[0], model=CASE_MODEL[1])
    done = set(CaseTransition.objects.filter(case_type=ct).values_list("case_id", flat=True))
    for app in Application.objects.exclude(pk__in=done).order_by("pk").iterator():
        rows = list(Step.objects.filter(application_id=app.pk).order_by("id"))
        if rows:
            steps = [(r.from_status, r.to_status, r.actor_id, r.comment, r.created_at, r.business_date)
                     for r in rows]
        else:
            steps = [(*s, s[4].date()) for s in _steps_from_fields(app)]
        for from_state, to_state, actor_id, comment, at, business_date in steps:
            action, step = STEPS.get((from_state, to_state), (to_state, ""))
            row = CaseTransition.objects.create(
                case_type=ct, case_id=app.pk, action=action, from_state=from_state, to_state=to_state, step=step,
                actor_id=actor_id, comment=comment or "", business_date=business_date)
            CaseTransition.objects.filter(pk=row.pk).update(at=at)  # keep the original time


def copy_steps_back(apps, schema_editor):
    Application = apps.get_model("deposits", "DeferralApplication")
    Step = apps.get_model("deposits", "DeferralTransition")
    CaseTransition = apps.get_model("core", "CaseTransition")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ct = ContentType.objects.filter(app_label=CASE_MODEL[0], model=CASE_MODEL[1]).first()
    if ct is None:
        return
    rows = CaseTransition.objects.filter(case_type=ct).order_by("case_id", "id")
    for row in rows:
        step = Step.objects.create(application_id=row.case_id, from_status=row.from_state, to_status=row.to_state,
                                   actor_id=row.actor_id, comment=row.comment, business_date=row.business_date)
        Step.objects.filter(pk=step.pk).update(created_at=row.at)
        fields = {}
        if row.action == "submit":
            fields = {"submitted_by_id": row.actor_id}
        elif row.step == "review":
            fields = {"reviewed_by_id": row.actor_id, "reviewed_at": row.at, "review_comment": row.comment}
        elif row.step == "approve":
            fields = {"approved_by_id": row.actor_id, "decided_at": row.at, "decision_comment": row.comment}
        if fields:
            Application.objects.filter(pk=row.case_id).update(**fields)
    rows.delete()


class Migration(migrations.Migration):
    """Data only; 0004 drops the old table and fields in its own transaction (so that, migrating back, the
    fields and their indexes exist before the steps are copied back)."""

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0003_casetransition_notification'),
        ('deposits', '0002_deferral_base_adjustment_arrears_flexible'),
    ]

    operations = [
        migrations.RunPython(copy_steps, copy_steps_back),
    ]
