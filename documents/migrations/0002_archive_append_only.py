"""The archive table refuses UPDATE and DELETE (documents/sql/archive.sql)."""

from django.db import migrations

from core import sqlfiles


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_certificates_archive"),
    ]

    operations = [
        sqlfiles.load("documents", "archive.sql"),
    ]
