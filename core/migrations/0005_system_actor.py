from django.db import migrations

from core import actors


def create_system_actor(apps, schema_editor):
    actors.install(apps.get_model("auth", "User"))


class Migration(migrations.Migration):
    dependencies = [("core", "0004_policy_value_reason"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_system_actor, migrations.RunPython.noop)]
