from django.db import migrations

from core import policy

ROLES = ["counter_clerk", "reviewer", "approver", "loan_officer", "judicial_officer", "finance", "auditor",
         "system_admin", "depositor", "employer_agent", "api_bank", "api_court", "api_partner_center"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def install_policy(apps, schema_editor):
    policy.install_defaults(apps.get_model("core", "PolicyValue"))


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(install_policy, migrations.RunPython.noop),
    ]
