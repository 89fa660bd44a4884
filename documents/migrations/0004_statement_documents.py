import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def install_policy(apps, schema_editor):
    """The limits of statement ZIPs and signed-PDF audit exports, into the policy table."""
    from core import policy

    for prefix in ("documents.statement_zip_", "documents.pdf_export_"):
        policy.install_defaults(apps.get_model("core", "PolicyValue"), prefix=prefix)


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0003_statements'),
        ('core', '0004_policy_value_reason'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='StatementDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('content_hash', models.CharField(max_length=64, verbose_name='SHA-256 of the printed data')),
                ('number', models.CharField(max_length=40, unique=True, verbose_name='document number')),
                ('sha256', models.CharField(max_length=64, verbose_name='SHA-256 of the PDF')),
                ('issued_at', models.DateTimeField(verbose_name='issued at')),
                ('archive', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='statement_document', to='documents.archiverecord', verbose_name='archived document')),
                ('issued_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='issued by')),
                ('statement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='documents.annualstatement', verbose_name='annual statement')),
            ],
            options={
                'verbose_name': 'annual statement PDF',
                'verbose_name_plural': 'annual statement PDFs',
                'ordering': ['-issued_at', '-id'],
                'constraints': [models.UniqueConstraint(fields=('statement', 'content_hash'), name='statement_document_once')],
            },
        ),
        migrations.RunPython(install_policy, migrations.RunPython.noop),
    ]
