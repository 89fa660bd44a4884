"""Write the withdrawal parameters declared after the first install into the policy table (admin-editable)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from core import policy

    policy.install_defaults(apps.get_model("core", "PolicyValue"), prefix="withdrawals.")


class Migration(migrations.Migration):
    dependencies = [
        ("withdrawals", "0001_initial"),
        ("core", "0003_casetransition_notification"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
