"""Write the loan decision period (loans.decision_days: 15 days, 10 from 2026-09-20) into the policy table."""

from django.db import migrations


def forwards(apps, schema_editor):
    from core import policy

    policy.install_defaults(apps.get_model("core", "PolicyValue"), prefix="loans.")


class Migration(migrations.Migration):
    dependencies = [
        ("loans", "0001_applications_contracts_schedules"),
        ("core", "0004_policy_value_reason"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
