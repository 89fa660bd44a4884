"""Write the document limits (withdrawals.document_max_mb, withdrawals.documents_max) into the policy table."""

from django.db import migrations


def forwards(apps, schema_editor):
    from core import policy

    policy.install_defaults(apps.get_model("core", "PolicyValue"), prefix="withdrawals.")


class Migration(migrations.Migration):
    dependencies = [
        ("withdrawals", "0005_evidence_running_total"),
        ("core", "0004_policy_value_reason"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
