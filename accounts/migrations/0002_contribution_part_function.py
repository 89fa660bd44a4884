from django.db import migrations

from core import sqlfiles


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [sqlfiles.load("accounts", "contributions.sql")]
